"""Pipelines racing on one item through the API: the version named in If-Match is compared
under the item's row lock, so exactly one move wins and the others get 412."""

import pytest

from items.models import ReleaseItem
from journal.models import ChangeKind
from tests.api_fixtures import *  # noqa: F403  (the fixtures)
from tests.api_fixtures import api_as, if_match
from tests.conftest import Team
from tests.test_race import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PIPELINES = 6


def test_simultaneous_api_moves_of_one_version_move_it_once(postgres: None, team: Team) -> None:
    item = team.item(number=1)
    clients = [api_as(user) for user in (team.manager, team.developer) * (PIPELINES // 2)]

    def pipeline(index: int) -> int:
        response = clients[index].post(
            f"/api/v1/releases/PAY/items/{item.number}/move/",
            {"direction": "next", "comment": f"pipeline {index}"},
            **if_match(1),
        )
        return response.status_code

    answers = run_together(pipeline, threads=PIPELINES)

    assert sorted(answers) == [200] + [412] * (PIPELINES - 1)
    moves = ReleaseItem.history.filter(id=item.pk, change_kind=ChangeKind.MOVED)
    assert moves.count() == 1
    assert ReleaseItem.objects.get(pk=item.pk).version == 2
