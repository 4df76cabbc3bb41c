"""Priority sorts by meaning wherever it is sortable: descending puts Critical first.

Priority 1 is Critical and 4 is Low; the stored numbers stay (the journal, append-only, keeps
them), so the sorting maps them.
"""

import re

import pytest

from items.models import Priority
from tests.conftest import Team

PRIORITY_COLUMN = 5  # the admin's ?o= index of "priority" in ReleaseItemAdmin.list_display


def admin_keys(html: str) -> list[str]:
    return re.findall(r">(PAY-\d+) ", html)


@pytest.mark.parametrize(
    ("order", "keys"),
    [
        (str(PRIORITY_COLUMN), ["PAY-1", "PAY-3", "PAY-2"]),
        (f"-{PRIORITY_COLUMN}", ["PAY-2", "PAY-3", "PAY-1"]),
    ],
)
def test_the_admin_sorts_items_by_priority_by_meaning(team: Team, order: str, keys: list[str]):
    team.item(number=1, priority=Priority.LOW)
    team.item(number=2, priority=Priority.CRITICAL)
    team.item(number=3, priority=Priority.MEDIUM)

    response = team.client(team.admin).get("/admin/items/releaseitem/", {"o": order})

    assert response.status_code == 200
    assert admin_keys(response.text) == keys
