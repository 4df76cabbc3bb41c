"""Item services: create, update and delete release items, each journaled."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied

from items import engine
from items.models import Change, Kind, Priority, ReleaseItem, ReleaseStatus
from items.services import item_create, item_delete, item_update
from journal.models import ChangeKind
from projects.access import NOT_ALLOWED, READ_ONLY, project_access
from projects.roles import Role
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory

pytestmark = pytest.mark.django_db

History = ReleaseItem.history.model


def create(team: Team, title: str = "Fix rounding", **fields: object) -> ReleaseItem:
    return item_create(access=team.access(team.developer), fields={"title": title, **fields})


# item_create ----------------------------------------------------------------------------------


def test_items_are_numbered_from_one_within_their_project(team: Team, states):
    items = [create(team, f"Item {n}") for n in range(3)]
    assert [item.key for item in items] == ["PAY-1", "PAY-2", "PAY-3"]
    team.project.refresh_from_db()
    assert team.project.next_item_number == 4


def test_each_project_has_its_own_numbers(team: Team, states):
    create(team)
    other = ProjectFactory(code="CRM")
    MemberFactory(project=other, user=team.developer, role=Role.DEVELOPER)
    item = item_create(
        access=project_access(user=team.developer, code="CRM"), fields={"title": "CRM one"}
    )
    assert item.key == "CRM-1"


def test_a_number_is_never_reused_after_a_delete(team: Team, states):
    create(team, "One")
    second = create(team, "Two")
    item_delete(
        access=team.access(team.manager), item_id=second.pk, expected_version=second.version
    )
    assert create(team, "Three").key == "PAY-3"


def test_a_new_item_starts_in_the_first_state(team: Team, states):
    assert create(team).status_id == 4500


def test_a_new_item_starts_in_the_first_enabled_state_when_4500_is_disabled(team: Team, states):
    developing = ReleaseStatus.objects.get(pk=4500)
    developing.enabled = False
    developing.save()
    assert create(team).status_id == 4540


def test_creating_an_item_with_no_enabled_state_is_refused_and_uses_no_number(team: Team, states):
    for status in states:
        status.enabled = False
        status.save()
    with pytest.raises(engine.EngineError) as excinfo:
        create(team)
    assert excinfo.value.message == engine.NO_STATE_ENABLED
    states[0].enabled = True
    states[0].save()
    assert create(team).key == "PAY-1"


def test_a_new_item_goes_to_the_bottom_of_its_column(team: Team, states):
    team.item(status=states[0], number=100, position=70)
    team.item(status=states[0], number=101, position=30)
    team.item(status=states[1], number=102, position=500)  # another column does not count
    assert create(team).position == 80


def test_the_first_item_of_a_column_gets_position_ten(team: Team, states):
    assert create(team).position == engine.POSITION_STEP


def test_create_keeps_the_given_fields(team: Team, states):
    item = create(
        team,
        "Patch OpenSSL",
        kind=Kind.BUG,
        priority=Priority.CRITICAL,
        external_key="JIRA-1",
        assignee=team.qa,
        number=999,  # not an editable field: ignored
    )
    item.refresh_from_db()
    assert (item.title, item.kind, item.priority) == ("Patch OpenSSL", Kind.BUG, Priority.CRITICAL)
    assert (item.external_key, item.assignee, item.created_by) == (
        "JIRA-1",
        team.qa,
        team.developer,
    )
    assert (item.number, item.version) == (1, 1)


def test_create_is_journaled_as_created_by_the_actor(team: Team, states):
    item = create(team)
    [row] = History.objects.filter(id=item.pk)
    assert row.change_kind == ChangeKind.CREATED
    assert row.history_user == team.developer
    assert row.status_id == 4500
    assert row.from_status_id is None


def test_a_back_dated_create_keeps_its_date(team: Team, states):
    when = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    item = item_create(access=team.access(team.manager), fields={"title": "Old"}, at=when)
    assert History.objects.get(id=item.pk).history_date == when


@pytest.mark.parametrize("role", ["qa", "approver", "viewer"])
def test_members_without_the_edit_right_may_not_create_items(team: Team, states, role):
    with pytest.raises(PermissionDenied) as excinfo:
        item_create(access=team.access(getattr(team, role)), fields={"title": "Nope"})
    assert str(excinfo.value) == (NOT_ALLOWED if role == "qa" else READ_ONLY)
    assert not ReleaseItem.objects.exists()
    team.project.refresh_from_db()
    assert team.project.next_item_number == 1


# item_update ----------------------------------------------------------------------------------


def test_update_changes_the_fields_bumps_the_version_and_journals_edited(team: Team, states):
    item = create(team)
    updated = item_update(
        access=team.access(team.manager),
        item_id=item.pk,
        expected_version=1,
        fields={"title": "Fix rounding of VAT", "priority": Priority.HIGH},
    )
    item.refresh_from_db()
    assert (item.title, item.priority, item.version) == ("Fix rounding of VAT", Priority.HIGH, 2)
    assert updated.version == 2
    row = History.objects.filter(id=item.pk).latest("history_id")
    assert row.change_kind == ChangeKind.EDITED
    assert row.history_user == team.manager
    assert (row.priority, row.status_id) == (Priority.HIGH, item.status_id)
    # The content is journaled once, on the change (which every release's journal shows).
    content = Change.history.model.objects.filter(id=item.change_id).latest("history_id")
    assert (content.change_kind, content.title) == (ChangeKind.EDITED, "Fix rounding of VAT")
    assert content.history_user == team.manager


def test_update_without_a_change_writes_nothing(team: Team, states):
    item = create(team)
    rows = History.objects.count()
    item_update(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=1,
        fields={"title": item.title},
    )
    item.refresh_from_db()
    assert item.version == 1
    assert History.objects.count() == rows


def test_update_cannot_change_the_state(team: Team, states):
    item = create(team)
    item_update(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=1,
        fields={"title": "New title", "status": states[5], "status_id": states[5].id},
    )
    item.refresh_from_db()
    assert item.status_id == 4500


def test_update_with_a_stale_version_is_refused(team: Team, states):
    item = create(team)
    rows = History.objects.count()
    with pytest.raises(engine.StaleItem) as excinfo:
        item_update(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=0,
            fields={"title": "Too late"},
        )
    assert excinfo.value.status_code == 409
    assert excinfo.value.message == engine.STALE.format(key="PAY-1")
    item.refresh_from_db()
    assert (item.title, item.version) == ("Fix rounding", 1)
    assert History.objects.count() == rows


def test_update_after_a_move_from_the_same_page_is_stale(team: Team, states):
    item = create(team)
    engine.item_move(
        access=team.access(team.qa), item_id=item.pk, expected_version=1, direction="next"
    )
    with pytest.raises(engine.StaleItem):
        item_update(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=1,
            fields={"title": "Too late"},
        )


@pytest.mark.parametrize("role", ["qa", "approver", "viewer"])
def test_members_without_the_edit_right_may_not_update_items(team: Team, states, role):
    item = create(team)
    rows = History.objects.count()
    with pytest.raises(PermissionDenied) as excinfo:
        item_update(
            access=team.access(getattr(team, role)),
            item_id=item.pk,
            expected_version=1,
            fields={"title": "Nope"},
        )
    assert str(excinfo.value) == (NOT_ALLOWED if role == "qa" else READ_ONLY)
    item.refresh_from_db()
    assert (item.title, item.version) == ("Fix rounding", 1)
    assert History.objects.count() == rows


def test_update_of_an_item_of_another_project_is_not_found(team: Team, states):
    other = ItemFactory(project=ProjectFactory(code="CRM"), status=states[0], title="Theirs")
    with pytest.raises(engine.ItemNotFound) as excinfo:
        item_update(
            access=team.access(team.manager),
            item_id=other.pk,
            expected_version=other.version,
            fields={"title": "Mine"},
        )
    assert excinfo.value.status_code == 404
    other.refresh_from_db()
    assert other.title == "Theirs"


# item_delete ----------------------------------------------------------------------------------


def test_delete_removes_the_item_but_keeps_its_journal(team: Team, states):
    item = create(team)
    engine.item_move(
        access=team.access(team.developer), item_id=item.pk, expected_version=1, direction="next"
    )
    key = item_delete(
        access=team.access(team.manager),
        item_id=item.pk,
        expected_version=2,
        reason="  Out of scope  ",
    )
    assert key == "PAY-1"
    assert not ReleaseItem.objects.filter(pk=item.pk).exists()
    rows = list(History.objects.filter(id=item.pk).order_by("history_id"))
    assert [row.change_kind for row in rows] == [
        ChangeKind.CREATED,
        ChangeKind.MOVED,
        ChangeKind.REMOVED,
    ]
    removed = rows[-1]
    assert removed.history_type == "-"
    assert removed.history_user == team.manager
    assert removed.history_change_reason == "Out of scope"


@pytest.mark.parametrize("role", ["developer", "qa", "approver", "viewer"])
def test_only_release_managers_may_delete_items(team: Team, states, role):
    item = create(team)
    rows = History.objects.count()
    with pytest.raises(PermissionDenied) as excinfo:
        item_delete(access=team.access(getattr(team, role)), item_id=item.pk, expected_version=1)
    assert str(excinfo.value) == (READ_ONLY if role in ("approver", "viewer") else NOT_ALLOWED)
    assert ReleaseItem.objects.filter(pk=item.pk).exists()
    assert History.objects.count() == rows


def test_a_superuser_may_delete_items(team: Team, states):
    item = create(team)
    item_delete(access=team.access(team.admin), item_id=item.pk, expected_version=1)
    assert not ReleaseItem.objects.filter(pk=item.pk).exists()


def test_delete_with_a_stale_version_is_refused(team: Team, states):
    item = create(team)
    with pytest.raises(engine.StaleItem) as excinfo:
        item_delete(access=team.access(team.manager), item_id=item.pk, expected_version=3)
    assert excinfo.value.message == engine.STALE.format(key="PAY-1")
    assert ReleaseItem.objects.filter(pk=item.pk).exists()
    assert not History.objects.filter(change_kind=ChangeKind.REMOVED).exists()
