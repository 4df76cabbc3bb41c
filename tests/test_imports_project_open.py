"""manage.py import_project_open: a ]project-open[ export (fixtures/project_open_sample) becomes
release projects and items, through the services and the engine, mapping both status id
series, reporting what it cannot map, and changing nothing when run again."""

import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from imports.project_open import Row, status_map
from items.models import Change, Kind, Priority, ReleaseItem
from projects.models import ReleaseMember, ReleaseProject
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "project_open_sample"


@pytest.fixture
def people(states):
    return {
        "maria": UserFactory(username="maria"),
        "david": UserFactory(username="dchen", email="david@example.com"),  # found by e-mail
        "root": UserFactory(username="root", is_superuser=True, is_staff=True),
    }


def _run(directory: Path = SAMPLE, user: str = "root") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_project_open", str(directory), user=user, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _item(code: str, po_id: int) -> ReleaseItem:
    return ReleaseItem.objects.select_related("change", "status", "assignee").get(
        project__code=code, change__external_key=f"po:{po_id}"
    )


def test_release_projects_are_created_with_their_managers(people):
    _run()
    payments = ReleaseProject.objects.get(code="PO9001")
    assert payments.name == "Payments 4.2"
    assert payments.release_manager == people["maria"]
    assert str(payments.planned_release_date) == "2009-06-30"
    # Its lead (po user 8869) has no account: the importer manages it.
    assert ReleaseProject.objects.get(code="PO9002").release_manager == people["root"]


def test_both_status_id_series_map_to_our_states(people):
    _run()
    assert _item("PO9001", 9101).status.name == "0 - Developing"  # 4500
    assert _item("PO9001", 9102).status.name == "1 - Ready for Review"  # 27040
    assert _item("PO9001", 9201).status.name == "7 - Closed"  # 27095
    assert _item("PO9001", 9202).status.name == "5 - Ready for Production"  # 4585
    assert _item("PO9002", 9101).status.name == "2 - Ready for Integration"  # 27050


def test_the_second_series_maps_by_its_place_without_the_categories_file(states):
    mapping = status_map(categories={}, states=states)
    assert [mapping[i].name for i in (27000, 27085, 27095)] == [
        "0 - Developing",
        "5 - Ready for Production",
        "7 - Closed",
    ]
    renamed = {27040: Row(line=2, cells={"category": "1-Review", "category_type": ""})}
    renamed[27040].cells["category_type"] = "Intranet Release Status"
    assert status_map(categories=renamed, states=states)[27040].name == "1 - Ready for Review"


def test_po_ids_are_kept_as_external_keys_and_one_change_ships_in_two_releases(people):
    _run()
    shared = Change.objects.get(external_key="po:9101")
    assert shared.inclusions.count() == 2
    assert shared.title == "Rounding error in JPY invoices"
    assert shared.description == "Invoices in JPY are rounded to two decimals; JPY has none."
    assert shared.kind == Kind.BUG


def test_kinds_priorities_and_assignees_come_from_tickets_and_tasks(people):
    _run()
    bug, feature, task = _item("PO9001", 9101), _item("PO9001", 9102), _item("PO9001", 9201)
    incident = _item("PO9002", 9103)
    assert (bug.kind, bug.priority, bug.assignee) == (Kind.BUG, Priority.CRITICAL, people["david"])
    assert (feature.kind, feature.priority, feature.assignee) == (
        Kind.FEATURE,
        Priority.MEDIUM,
        None,
    )
    assert (task.kind, task.assignee) == (Kind.TASK, people["david"])
    assert (incident.kind, incident.priority) == (Kind.INCIDENT, Priority.LOW)
    # An assignee works in the release: made a developer there.
    assert ReleaseMember.objects.filter(
        project__code="PO9001", user=people["david"], role="developer"
    ).exists()


def test_what_cannot_be_mapped_is_reported(people):
    out, _ = _run()
    assert "unknown release status id 12345 for ]po[ item 9103 in PO9002" in out
    assert "release project 9003 is not a release project of im_projects.csv" in out
    assert "item 9999 (a ticket or task) is not in im_projects.csv" in out
    assert "]po[ user 8869 (Ben Miller) has no account here" in out
    # The item with the unknown status is still imported, in the first state.
    assert _item("PO9002", 9103).status.name == "0 - Developing"


def test_the_journal_tells_the_story_back_dated(people):
    _run()
    bug = _item("PO9001", 9101)
    created = bug.history.earliest("history_id")
    assert created.history_date == datetime(2009, 3, 3, 8, 15, tzinfo=UTC)
    assert created.history_user == people["root"]
    assert created.history_change_reason == "Imported from ]project-open[ (im_release_items line 2)"
    closed = _item("PO9001", 9201)
    moved = closed.history.filter(change_kind="moved").get()
    assert moved.from_status_id == 4500
    assert moved.status_id == 4595
    assert moved.history_change_reason.startswith("Imported from ]project-open[")


def test_a_second_run_creates_and_changes_nothing(people):
    _run()
    before = (
        ReleaseProject.objects.count(),
        Change.objects.count(),
        ReleaseItem.objects.count(),
        ReleaseItem.history.count(),
        Change.history.count(),
        ReleaseMember.objects.count(),
    )
    out, _ = _run()
    after = (
        ReleaseProject.objects.count(),
        Change.objects.count(),
        ReleaseItem.objects.count(),
        ReleaseItem.history.count(),
        Change.history.count(),
        ReleaseMember.objects.count(),
    )
    assert after == before
    assert "Release projects created: 0" in out
    assert (
        "Items created: 0, added to another release: 0, updated: 0, moved: 0, unchanged: 6" in out
    )


def test_a_changed_export_updates_what_changed_only(people, tmp_path):
    _run()
    changed = tmp_path / "export"
    shutil.copytree(SAMPLE, changed)
    items = changed / "im_release_items.csv"
    items.write_text(
        items.read_text().replace("70001,9001,9101,4500,10", "70001,9001,9101,4540,10")
    )
    out, _ = _run(changed)
    assert "updated: 0, moved: 1, unchanged: 5" in out
    assert _item("PO9001", 9101).status.name == "1 - Ready for Review"


def test_a_progress_bar_is_shown_on_stderr(people):
    _, err = _run()
    assert "] 6/6 release items" in err
    assert "[" + "#" * 30 + "]" in err


@pytest.mark.parametrize(
    ("remove", "message"),
    [("im_release_items.csv", "im_release_items.csv is missing"), (None, "lacks the column")],
)
def test_an_unreadable_export_is_fatal_and_writes_nothing(people, tmp_path, remove, message):
    broken = tmp_path / "export"
    shutil.copytree(SAMPLE, broken)
    if remove:
        (broken / remove).unlink()
    else:
        (broken / "im_projects.csv").write_text("project_id,project_name\n9001,Payments\n")
    with pytest.raises(CommandError, match=message):
        _run(broken)
    assert not ReleaseProject.objects.exists()


def test_the_import_runs_only_as_an_administrator(people, tmp_path):
    with pytest.raises(CommandError, match="administrator"):
        _run(user="maria")
    with pytest.raises(CommandError, match="no user"):
        _run(user="nobody")
    with pytest.raises(CommandError, match="not a directory"):
        _run(tmp_path / "absent")
    assert not ReleaseProject.objects.exists()


def test_under_transition_rules_items_walk_state_by_state_and_stop_at_a_gate(people):
    from items.rules import rule_seed_defaults

    rule_seed_defaults()
    out, _ = _run()
    closed = _item("PO9001", 9201)
    assert closed.status.name == "1 - Ready for Review"  # the next rule needs an approval
    assert list(closed.history.filter(change_kind="moved").values_list("status_id", flat=True)) == [
        4540
    ]
    assert "stopped in “1 - Ready for Review” on its way to “7 - Closed”" in out
    again, _ = _run()
    assert "moved: 0, unchanged: 6" in again
