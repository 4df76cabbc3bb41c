import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

PAGES = [
    "/projects/PAY/board/",
    "/projects/PAY/items/",
    "/projects/PAY/items/1/",
    "/projects/PAY/",
    "/projects/",
    "/projects/PAY/journal/",
    "/projects/PAY/items/1/journal/",
]


@pytest.mark.parametrize("url", PAGES)
def test_explore(team, url):
    team.item(number=1, assignee=team.developer)
    team.item(number=2)
    client = team.client(team.manager)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    print("\n###", url, len(ctx.captured_queries))
    for q in ctx.captured_queries:
        print("  ", q["sql"][:230])
