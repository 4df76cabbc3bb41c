"""Journal pages stay right when history ids collide across tables and after deletions.

Each history table numbers its rows itself, so on a fresh database the rows of different
tables share ids: an edit must be diffed against the row before it in its own table. And a
journal outlives what it describes: a deleted project's rows render, named as they were.
"""

import re
from html import unescape

import pytest
from django.db import connection

from approvals.models import ReleaseApproval
from items.models import Change as ItemChange
from items.models import ReleaseStatus
from journal.selectors import (
    ALL_SOURCES,
    ITEM_SOURCES,
    PROJECT_SOURCES,
    SOURCES,
    Change,
    JournalQuery,
    journal_entries,
)
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import Role
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory

DEVELOPING = 4500


def entries(html: str) -> list[str]:
    """Each journal entry as one line of text, tags stripped."""
    items = re.findall(
        r'<li class="entry kind-[a-z]+">(.*?)</li>\s*(?=<li class="entry|</ol>)', html, re.S
    )
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def align_history_ids() -> None:
    """Every journal table numbers its next rows from the same id, as on a fresh database."""
    tables = [source.model._meta.db_table for source in SOURCES.values()]
    with connection.cursor() as cursor:
        sequences = []
        for table in tables:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'history_id')", [table])
            (sequence,) = cursor.fetchone()
            if sequence:
                sequences.append(sequence)
        cursor.execute(
            "SELECT max(last_value) FROM pg_sequences WHERE schemaname || '.' || sequencename "
            "= ANY(%s)",
            [sequences],
        )
        (highest,) = cursor.fetchone()
        for sequence in sequences:
            cursor.execute("SELECT setval(%s, %s)", [sequence, highest + 1000])


def saved(obj, **changes):
    """Save `obj` (a journal row of its own), then apply `changes` and save again."""
    obj.save()
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def diffs(found) -> dict[str, list[Change]]:
    """The newest edit of each source and subject: what it changed."""
    newest: dict[str, list[Change]] = {}
    for e in found:
        if e.kind == "edited":
            newest.setdefault(f"{e.source} {e.subject}", e.changes)
    return newest


# --- Point 1: ids of different tables collide --------------------------------------------


def test_global_journal_renders_a_state_rename_and_a_project_rename_with_colliding_ids(
    postgres, team: Team
) -> None:
    align_history_ids()
    admin = team.client(team.admin)
    ReleaseStatus.objects.get(pk=DEVELOPING).save()  # both tables' previous rows: same id
    ReleaseProject.objects.get(pk=team.project.pk).save()
    renamed = admin.post(
        f"/admin/items/releasestatus/{DEVELOPING}/change/",
        {"name": "0 - In development", "position": 0, "enabled": "on", "description": ""},
    )
    manager = team.client(team.manager)
    edited = manager.post(
        "/projects/PAY/edit/",
        {
            "name": "Payments 4.3",
            "lifecycle": "planning",
            "release_manager": team.manager.pk,
            "release_approvals_required": 1,
        },
    )
    assert (renamed.status_code, edited.status_code) == (302, 302)
    state_rows = ReleaseStatus.history.filter(id=DEVELOPING).order_by("-history_id")[:2]
    project_rows = ReleaseProject.history.filter(id=team.project.pk).order_by("-history_id")[:2]
    assert [r.history_id for r in state_rows] == [r.history_id for r in project_rows]

    response = admin.get("/journal/")

    assert response.status_code == 200
    lines = entries(response.text)
    assert "Project PAY · Edited name : Payments 4.2 → Payments 4.3" in lines[0]
    assert "State 4500 · Edited name : 0 - Developing → 0 - In development" in lines[1]


def test_project_journal_diffs_each_row_against_its_own_tables_row(postgres, team: Team) -> None:
    item = team.item(number=1, title="Old title")
    member = ReleaseMember.objects.get(user=team.viewer)
    vote = ReleaseApproval.objects.create(
        project=team.project, approver=team.approver, vote="approve"
    )
    align_history_ids()
    saved(ItemChange.objects.get(pk=item.change_id), title="New title")
    saved(member, role=Role.QA_TESTER)
    saved(ReleaseProject.objects.get(pk=team.project.pk), description="Now described")
    saved(vote, withdrawn=True, comment="Changed my mind")

    found, _ = journal_entries(sources=PROJECT_SOURCES, query=JournalQuery(), project=team.project)

    assert diffs(found) == {
        "changes PAY-1": [Change("title", "Old title", "New title")],
        "members Member victor": [Change("role", "Viewer", "QA tester")],
        "projects Project PAY": [Change("description", "—", "Now described")],
        "release Release PAY": [Change("comment", "—", "Changed my mind")],
    }
    page = entries(team.client(team.viewer).get("/projects/PAY/journal/").text)
    assert any(
        "PAY-1 · Content edited" in line and "title : Old title → New title" in line
        for line in page
    )
    assert any(
        "Member victor · Role set to QA tester role : Viewer → QA tester" in line for line in page
    )


def test_item_journal_diffs_each_row_against_its_own_tables_row(postgres, team: Team) -> None:
    from qa.models import TestCase

    item = team.item(number=1, title="Old title")
    case = TestCase.objects.create(item=item, title="Limit", created_by=team.qa)
    align_history_ids()
    saved(ItemChange.objects.get(pk=item.change_id), title="New title")
    saved(case, title="Limit is enforced")

    found, _ = journal_entries(
        sources=ITEM_SOURCES, query=JournalQuery(), project=team.project, item_id=item.pk
    )

    assert diffs(found) == {
        "changes PAY-1": [Change("title", "Old title", "New title")],
        "tests PAY-1": [Change("title", "Limit", "Limit is enforced")],
    }


# --- Point 2: a deleted project's journal --------------------------------------------------


@pytest.fixture
def deleted_project(team: Team) -> Team:
    """OPS had items with a journal; they were removed and the project deleted in the admin."""
    ops = ProjectFactory(code="OPS", name="Operations", release_manager=team.manager)
    MemberFactory(project=ops, user=team.manager, role=Role.RELEASE_MANAGER)
    ItemFactory(project=ops, number=1, title="Rotate keys")
    ReleaseProject.objects.filter(pk=ops.pk).update(next_item_number=2)
    manager = team.client(team.manager)
    assert manager.post("/projects/OPS/items/1/delete/", {"version": 1}).status_code == 302
    response = team.client(team.admin).post(
        f"/admin/projects/releaseproject/{ops.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ReleaseProject.objects.filter(code="OPS").exists()
    return team


def test_global_journal_renders_a_deleted_projects_rows_named_as_they_were(
    deleted_project: Team,
) -> None:
    response = deleted_project.client(deleted_project.admin).get("/journal/")

    assert response.status_code == 200
    lines = entries(response.text)
    assert lines[0].endswith("Project OPS · Deleted")
    assert any("OPS-1 · Removed: Rotate keys" in line for line in lines)
    assert any("OPS-1 · Created in 0 - Developing: Rotate keys" in line for line in lines)
    # No link to a journal page that no longer exists, and PAY's links are untouched.
    assert "/projects/OPS/" not in response.text


def test_a_deleted_projects_rows_name_it_in_every_source(deleted_project: Team) -> None:
    found, _ = journal_entries(sources=ALL_SOURCES, query=JournalQuery(source="items"))

    ops = [e for e in found if e.subject.startswith("OPS-")]
    assert [(e.subject, e.subject_url, e.summary) for e in ops] == [
        ("OPS-1", None, "Removed: Rotate keys"),
        ("OPS-1", None, "Created in 0 - Developing: Rotate keys"),
    ]


def test_a_live_projects_rows_keep_their_links_beside_a_deleted_ones(
    deleted_project: Team,
) -> None:
    deleted_project.item(number=1, title="Keep")

    found, _ = journal_entries(sources=ALL_SOURCES, query=JournalQuery(source="items"))

    assert found[0].subject_url == "/projects/PAY/items/1/journal/"
