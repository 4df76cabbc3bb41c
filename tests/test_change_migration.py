"""The migration to "one change, several releases" keeps every item, its journal (content history
included) and its approvals and QA records."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

LAST_BEFORE = ("items", "0007_release_status_production")
FIRST_AFTER = ("items", "0008_change_model")


def before():
    """Every app at its newest migration that does not need the change model yet."""
    graph = MigrationExecutor(connection).loader.graph
    others = [
        leaf
        for leaf in graph.leaf_nodes()
        if leaf[0] != "items" and FIRST_AFTER not in graph.forwards_plan(leaf)
    ]
    return [LAST_BEFORE, *others]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_item_its_journal_and_its_approvals() -> None:
    old = migrate(before())
    User = old.get_model("auth", "User")
    State = old.get_model("items", "ReleaseStatus")
    Project = old.get_model("projects", "ReleaseProject")
    Item = old.get_model("items", "ReleaseItem")
    ItemHistory = old.get_model("items", "HistoricalReleaseItem")
    Approval = old.get_model("approvals", "Approval")
    TestCase = old.get_model("qa", "TestCase")

    dev = User.objects.create(username="dev")
    approver = User.objects.create(username="approver")
    developing = State.objects.create(id=4500, name="0 - Developing", position=0)
    review = State.objects.create(id=4540, name="1 - Ready for Review", position=10)
    project = Project.objects.create(
        code="PAY", name="Payments", next_item_number=3, release_manager=dev
    )
    t0 = timezone.now() - timedelta(days=10)
    content = {
        "kind": "bug",
        "title": "Rounding of VAT",
        "description": "Round half up.",
        "external_key": "JIRA-1",
        "external_url": "https://jira.example/JIRA-1",
    }
    live = Item.objects.create(
        project=project, number=1, status=review, position=10, version=3, round=3,
        created_by=dev, created_at=t0, **{**content, "title": "Rounding of VAT on credit notes"},
    )  # fmt: skip
    gone_id = live.pk + 1

    def journal(item_id, n, kind, history_type, status, **fields):
        row = {
            "id": item_id,
            "project_id": project.pk,
            "number": 1 if item_id == live.pk else 2,
            "status_id": status.pk,
            "position": 10,
            "priority": 3,
            "version": n + 1,
            "round": n + 1,
            "created_by_id": dev.pk,
            "created_at": t0,
            "updated_at": t0 + timedelta(hours=n),
            "history_date": t0 + timedelta(hours=n),
            "history_user_id": dev.pk,
            "history_type": history_type,
            "history_change_reason": f"reason {item_id}/{n}",
            "ip_address": f"10.0.0.{n + 1}",
            "change_kind": kind,
            **content,
            **fields,
        }
        return ItemHistory.objects.create(**row)

    journal(live.pk, 0, "created", "+", developing)
    journal(live.pk, 1, "moved", "~", review, from_status_id=developing.pk)
    journal(live.pk, 2, "edited", "~", review, title="Rounding of VAT on credit notes")
    journal(gone_id, 0, "created", "+", developing, title="Dropped idea")
    journal(gone_id, 1, "removed", "-", developing, title="Dropped idea")
    Approval.objects.create(
        item=live,
        from_state=review,
        to_state=developing,
        round=3,
        approver=approver,
        vote="approve",
    )
    TestCase.objects.create(item=live, title="VAT is rounded", created_by=dev)
    journal_rows = ItemHistory.objects.count()

    migrate(latest())

    from approvals.models import Approval as NewApproval
    from items.models import Change, ReleaseItem
    from journal.selectors import ITEM_SOURCES, JournalQuery, journal_entries
    from projects.models import ReleaseProject
    from qa.models import TestCase as NewTestCase

    item = ReleaseItem.objects.select_related("change").get(pk=live.pk)
    assert (item.change_id, item.status_id, item.version, item.round) == (live.pk, 4540, 3, 3)
    assert (item.title, item.kind, item.description) == (
        "Rounding of VAT on credit notes",
        "bug",
        "Round half up.",
    )
    assert (item.external_key, item.external_url) == (
        content["external_key"],
        content["external_url"],
    )
    assert item.change.created_by_id == dev.pk
    assert Change.objects.get(pk=gone_id).title == "Dropped idea"  # a removed item's change
    assert ReleaseItem.history.model.objects.count() == journal_rows  # no journal row lost
    assert NewApproval.objects.get().item_id == item.pk
    assert NewTestCase.objects.get().item_id == item.pk

    # The content history moved to the change's journal, as it was: created, then the edit.
    history = list(Change.history.model.objects.filter(id=live.pk).order_by("history_date"))
    assert [(h.change_kind, h.title) for h in history] == [
        ("created", "Rounding of VAT"),
        ("edited", "Rounding of VAT on credit notes"),
    ]
    edit = history[1]
    assert (edit.history_user_id, edit.ip_address) == (dev.pk, "10.0.0.3")
    assert (edit.history_date, edit.history_change_reason) == (
        t0 + timedelta(hours=2),
        f"reason {live.pk}/2",
    )

    # The item's journal page reads as before: created with its title, moved, the edit's diff.
    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=item.pk)
    said = [(e.source, e.summary) for e in entries]
    assert ("items", "Created in 0 - Developing: Rounding of VAT on credit notes") in said
    assert ("items", "Moved from 0 - Developing to 1 - Ready for Review") in said
    edited = next(e for e in entries if e.source == "changes" and e.kind == "edited")
    assert [(c.field, c.old, c.new) for c in edited.changes] == [
        ("title", "Rounding of VAT", "Rounding of VAT on credit notes")
    ]
    removed, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=gone_id)
    assert ("items", "Removed: Dropped idea") in [(e.source, e.summary) for e in removed]

    # New changes are numbered after the migrated ones.
    fresh = Change.objects.create(title="After the migration")
    assert fresh.pk > gone_id
    assert ReleaseProject.objects.get(code="PAY").next_item_number == 3

    if connection.vendor == "postgresql":  # the change journal is append-only from the start
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Change.history.model.objects.filter(id=live.pk).update(title="rewritten")
