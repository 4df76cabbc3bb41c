"""The item page's panel of commits and merge requests: who sees it, what it shows, and what it
costs (one query, whatever the number of links)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from items.models import ReleaseItem
from items.panels import item_panels
from items.rules import rule_seed_defaults
from tests.conftest import Team
from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import github_post, payload
from vcs.models import LinkKind, Provider, VcsLink, Webhook
from vcs.selectors import PANEL_LINKS

pytestmark = pytest.mark.django_db


def link_many(item: ReleaseItem, count: int) -> None:
    for n in range(count):
        VcsLink.objects.create(
            item=item,
            provider=Provider.GITHUB,
            kind=LinkKind.COMMIT,
            repository="octo/pay",
            ref=f"{n:040x}",
            title=f"Commit {n} for {item.key}",
        )


def test_the_item_page_shows_the_commits_and_a_refused_moves_reason(
    github: Webhook, team: Team, items
) -> None:
    rule_seed_defaults()
    items[1].status_id = 4540  # on to integration needs an approval: "Fixes" is refused
    items[1].save()
    github_post(github, payload("github_push"))

    page = team.client(team.viewer).get("/projects/PAY/items/2/").content.decode()

    assert "Commits and merge requests" in page
    assert "Fixes PAY-2: refunds keep their currency" in page
    assert 'href="https://github.com/Codertocat/Hello-World/commit/0d1a26e' in page
    assert "Fixes: <strong>Refused</strong>" in page
    assert "cannot move to “2 - Ready for Integration” yet" in page


def test_an_item_without_links_says_so(team: Team, items) -> None:
    page = team.client(team.developer).get("/projects/PAY/items/1/").content.decode()

    assert "No commit or merge request names PAY-1 yet." in page


def test_an_outsider_gets_404_and_sees_no_link(github: Webhook, team: Team, items) -> None:
    github_post(github, payload("github_push"))

    response = team.client(team.outsider).get("/projects/PAY/items/1/")

    assert response.status_code == 404
    assert "Round fees to the cent" not in response.content.decode()


def test_a_link_without_a_safe_url_is_shown_without_a_link(github: Webhook, team, items) -> None:
    push = payload("github_push")
    push["commits"][0]["url"] = "javascript:alert(1)"
    github_post(github, push)

    page = team.client(team.viewer).get("/projects/PAY/items/1/").content.decode()

    assert "javascript:" not in page
    assert '<span class="key">4f2c2d1</span>' in page


def test_the_panel_shows_the_newest_links_and_points_to_the_journal_for_older_ones(
    team: Team, items
) -> None:
    link_many(items[0], PANEL_LINKS + 5)

    page = team.client(team.viewer).get("/projects/PAY/items/1/").content.decode()

    assert page.count("octo/pay") == PANEL_LINKS
    assert f"Commit {PANEL_LINKS + 4} for PAY-1" in page
    assert "Older links are in" in page


def test_the_item_pages_panels_are_registered_in_app_order(team: Team, items) -> None:
    panels = item_panels(access=team.access(team.viewer), item=items[0])

    # INSTALLED_APPS order: configuration, vcs, then conversation.
    assert [p.name for p in panels] == ["dependencies", "vcs", "conversation"]


def test_the_panel_is_one_query_whatever_the_number_of_links(team: Team, items) -> None:
    client = team.client(team.viewer)
    client.get("/projects/PAY/items/3/")  # the states and rules are now in memory
    link_many(items[0], 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/projects/PAY/items/1/").status_code == 200
    link_many(items[1], 60)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/projects/PAY/items/2/").status_code == 200

    assert len(many) == len(few)
    assert sum('"vcs_vcslink"' in q["sql"] for q in many.captured_queries) == 1
