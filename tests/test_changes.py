"""One change, several releases: a change's content is written once; each release that includes
it has its own inclusion (key, state, position, approvals, QA, journal)."""

import pytest
from django.test import Client

from items import engine
from items.models import Change, ReleaseItem
from items.services import (
    ALREADY_INCLUDED,
    CONTENT_SHIPPED,
    AlreadyIncluded,
    NoSuchChange,
    item_create,
    item_delete,
    item_include,
    item_update,
)
from journal.selectors import ITEM_SOURCES, JournalQuery, journal_entries
from projects.models import ReleaseProject
from projects.roles import Role
from tests.conftest import Team
from tests.factories import MemberFactory, ProjectFactory, UserFactory
from tests.governance_fixtures import *  # noqa: F403
from tests.governance_fixtures import (
    DEVELOPING,
    INTEGRATION,
    REVIEW,
    fresh,
    item_in,
)


@pytest.fixture
def hot(team: Team) -> ReleaseProject:
    """A hotfix release with the same team (no viewer)."""
    project = ProjectFactory(code="HOT", name="Payments hotfix 4.1.3", release_manager=team.manager)
    for user, role in [
        (team.manager, Role.RELEASE_MANAGER),
        (team.developer, Role.DEVELOPER),
        (team.qa, Role.QA_TESTER),
        (team.approver, Role.APPROVER),
    ]:
        MemberFactory(project=project, user=user, role=role)
    return project


def as_in(team: Team, user, code: str):
    from projects.access import project_access

    return project_access(user=user, code=code)


def pay_item(team: Team, **fields) -> ReleaseItem:
    fields.setdefault("title", "Rounding of VAT on credit notes")
    return item_create(access=team.access(team.developer), fields=fields)


def test_adding_an_existing_change_shares_its_content_instead_of_copying_it(team, hot) -> None:
    pay = pay_item(team, description="Round half to even.")
    changes = Change.objects.count()
    included = item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    assert Change.objects.count() == changes
    assert (included.change_id, included.key, included.status_id) == (
        pay.change_id,
        "HOT-1",
        DEVELOPING,
    )
    item_update(
        access=team.access(team.developer),
        item_id=pay.pk,
        expected_version=pay.version,
        fields={"title": "Rounding of VAT on credit and debit notes"},
    )
    assert fresh(included).title == "Rounding of VAT on credit and debit notes"


def test_a_change_in_two_releases_moves_independently_in_each(team, hot) -> None:
    pay = pay_item(team)
    hot_item = item_include(access=as_in(team, team.manager, "HOT"), ref=f"ch-{pay.change_id}")
    engine.item_move(
        access=as_in(team, team.developer, "HOT"),
        item_id=hot_item.pk,
        expected_version=hot_item.version,
        direction="next",
    )
    assert (fresh(hot_item).status_id, fresh(pay).status_id) == (REVIEW, DEVELOPING)
    assert fresh(pay).version == 1  # PAY's inclusion was not touched at all
    moved = ReleaseItem.history.model.objects.filter(change_kind="moved")
    assert list(moved.values_list("id", flat=True)) == [hot_item.pk]


def test_removing_it_from_one_release_keeps_the_other_and_the_change(team, hot) -> None:
    pay = pay_item(team)
    hot_item = item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    item_delete(
        access=as_in(team, team.manager, "HOT"),
        item_id=hot_item.pk,
        expected_version=hot_item.version,
        reason="Not needed in the hotfix after all",
    )
    assert not ReleaseItem.objects.filter(pk=hot_item.pk).exists()
    assert fresh(pay).title == "Rounding of VAT on credit notes"
    assert Change.objects.filter(pk=pay.change_id).exists()
    removed = ReleaseItem.history.model.objects.get(id=hot_item.pk, change_kind="removed")
    assert removed.history_change_reason == "Not needed in the hotfix after all"


def test_adding_a_change_already_in_the_release_is_refused(team, hot) -> None:
    pay = pay_item(team)
    item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    with pytest.raises(AlreadyIncluded) as refused:
        item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    assert refused.value.message == ALREADY_INCLUDED.format(
        change=f"CH-{pay.change_id}", code="HOT", key="HOT-1"
    )
    assert ReleaseItem.objects.filter(project=hot).count() == 1


def test_a_change_only_in_releases_the_user_cannot_see_cannot_be_added(team, hot) -> None:
    secret = ProjectFactory(code="SEC", release_manager=UserFactory(username="sam"))
    MemberFactory(project=secret, user=secret.release_manager, role=Role.RELEASE_MANAGER)
    hidden = item_create(
        access=as_in(team, secret.release_manager, "SEC"), fields={"title": "Secret fix"}
    )
    for ref in (hidden.key, f"CH-{hidden.change_id}", "NOPE-1", "not a key"):
        with pytest.raises(NoSuchChange):
            item_include(access=as_in(team, team.manager, "HOT"), ref=ref)
    assert not ReleaseItem.objects.filter(project=hot).exists()


def test_editing_a_shared_change_reopens_the_gates_of_every_inclusion_past_one(
    team, hot, rules
) -> None:
    pay = item_in(team, INTEGRATION)  # came through the review gate in PAY
    hot_item = ReleaseItem.objects.create(
        project=hot, number=1, change=pay.change, status_id=DEVELOPING, position=10
    )
    other = ReleaseItem.objects.create(
        project=ProjectFactory(code="OLD"),
        number=1,
        change=pay.change,
        status_id=INTEGRATION,
        position=10,
    )
    item_update(
        access=as_in(team, team.developer, "HOT"),
        item_id=hot_item.pk,
        expected_version=hot_item.version,
        fields={"description": "Now also for debit notes."},
    )
    assert (fresh(pay).needs_reapproval, fresh(other).needs_reapproval) == (True, True)
    assert fresh(hot_item).needs_reapproval is False  # it has passed no gate in HOT
    assert (fresh(pay).round, fresh(hot_item).round) == (2, 2)  # every inclusion: a new round
    flagged = ReleaseItem.history.model.objects.get(id=pay.pk, change_kind="edited")
    assert flagged.history_change_reason == engine.EDITED_AFTER_SIGNOFF
    # The edit itself is journaled once, on the change, and shows in every release's journal.
    for item in (pay, hot_item):
        entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=item.pk)
        content = [e for e in entries if e.source == "changes" and e.kind == "edited"]
        assert [c.field for c in content[0].changes] == ["description"]


def test_priority_and_assignee_belong_to_each_release(team, hot) -> None:
    pay = pay_item(team, priority=2)
    hot_item = item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    item_update(
        access=as_in(team, team.manager, "HOT"),
        item_id=hot_item.pk,
        expected_version=hot_item.version,
        fields={"priority": 1, "assignee": team.developer},
    )
    assert (fresh(pay).priority, fresh(pay).assignee) == (2, None)
    assert (fresh(hot_item).priority, fresh(pay).version) == (1, 1)


# --- The pages -----------------------------------------------------------------------------


def include_url(code: str = "HOT") -> str:
    return f"/projects/{code}/items/include/"


def test_a_release_manager_adds_an_existing_change_from_the_board(team, hot) -> None:
    pay = pay_item(team)
    client = team.client(team.manager)
    response = client.post(include_url(), {"change": pay.key, "origin": "board"})
    assert response.status_code == 302
    assert response["Location"] == "/projects/HOT/board/"
    board = client.get("/projects/HOT/board/")
    assert "HOT-1" in board.text
    assert pay.title in board.text
    assert f"Added CH-{pay.change_id}" in board.text


def test_adding_it_twice_answers_409_with_the_reason(team, hot) -> None:
    pay = pay_item(team)
    client = team.client(team.manager)
    client.post(include_url(), {"change": pay.key})
    response = client.post(include_url(), {"change": pay.key, "origin": "list"})
    assert response.status_code == 409
    assert "is already in HOT as HOT-1" in response.text
    assert ReleaseItem.objects.filter(project=hot).count() == 1


@pytest.mark.parametrize("ref", ["", "x" * 41, "PAY-999", "CH-0"])
def test_bad_references_are_a_4xx_and_change_nothing(team, hot, ref) -> None:
    pay_item(team)
    response = team.client(team.manager).post(include_url(), {"change": ref})
    assert response.status_code in (400, 404)
    assert not ReleaseItem.objects.filter(project=hot).exists()


def test_only_release_managers_may_add_a_change(team, hot) -> None:
    pay = pay_item(team)
    assert team.client(team.developer).post(include_url(), {"change": pay.key}).status_code == 403
    assert team.client(team.outsider).post(include_url(), {"change": pay.key}).status_code == 404
    assert team.client(team.manager).get(include_url()).status_code == 405
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(team.manager)
    assert csrf.post(include_url(), {"change": pay.key}).status_code == 403
    assert not ReleaseItem.objects.filter(project=hot).exists()


def test_the_item_page_says_where_else_the_change_ships_but_only_where_the_user_may_look(
    team, hot
) -> None:
    pay = pay_item(team)
    item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    page = team.client(team.manager).get(f"/projects/{team.project.code}/items/{pay.number}/")
    assert "Also in:" in page.text
    assert 'href="/projects/HOT/items/1/"' in page.text
    assert "0 - Developing" in page.text
    # The viewer is in PAY only: HOT stays invisible to them.
    page = team.client(team.viewer).get(f"/projects/{team.project.code}/items/{pay.number}/")
    assert page.status_code == 200
    assert "HOT-1" not in page.text


def test_what_a_closed_release_shipped_keeps_its_content(team, hot) -> None:
    pay = pay_item(team)
    item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    ReleaseProject.objects.filter(code="HOT").update(lifecycle="released")

    with pytest.raises(engine.MoveNotAllowed) as refused:
        item_update(
            access=team.access(team.developer),
            item_id=pay.pk,
            expected_version=pay.version,
            fields={"title": "Rounded differently"},
        )

    assert refused.value.message == CONTENT_SHIPPED.format(change=pay.change.key, code="HOT")
    assert fresh(pay).title == "Rounding of VAT on credit notes"
    response = team.client(team.developer).post(
        f"/projects/PAY/items/{pay.number}/edit/",
        {"version": pay.version, "kind": "bug", "title": "Rounded differently", "priority": 3},
    )
    assert response.status_code == 403
    # This release's own fields still change: they are not what HOT shipped.
    item_update(
        access=team.access(team.developer),
        item_id=pay.pk,
        expected_version=pay.version,
        fields={"priority": 1},
    )
    assert fresh(pay).priority == 1


def test_no_change_is_added_to_a_closed_release(team, hot) -> None:
    pay = pay_item(team)
    ReleaseProject.objects.filter(code="HOT").update(lifecycle="closed")
    response = team.client(team.manager).post(include_url(), {"change": pay.key})
    assert response.status_code == 403
    assert not ReleaseItem.objects.filter(project=hot).exists()


def test_whoever_wrote_a_change_may_not_approve_it_in_another_release(team, hot, rules) -> None:
    from approvals.services import SELF_APPROVAL, approval_vote

    ann = UserFactory(username="ann")
    MemberFactory(project=team.project, user=ann, role=Role.DEVELOPER)
    MemberFactory(project=hot, user=ann, role=Role.APPROVER)
    pay = item_create(access=as_in(team, ann, "PAY"), fields={"title": "Ann's fix"})
    hot_item = item_include(access=as_in(team, team.manager, "HOT"), ref=pay.key)
    hot_item = engine.item_move(
        access=as_in(team, team.developer, "HOT"),
        item_id=hot_item.pk,
        expected_version=hot_item.version,
        direction="next",
    )
    assert hot_item.status_id == REVIEW

    with pytest.raises(engine.MoveNotAllowed) as refused:
        approval_vote(
            access=as_in(team, ann, "HOT"),
            item_id=hot_item.pk,
            to_state_id=INTEGRATION,
            round=hot_item.round,
            vote="approve",
        )

    assert refused.value.message == SELF_APPROVAL.format(key="HOT-1", why="you created it")
