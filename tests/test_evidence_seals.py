"""Sealed history: every journal row of every tracked model is covered by exactly one signed
seal, written as the application runs, and `journal_verify` names whatever was changed behind
the application's back (docs/EVIDENCE.md)."""

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from evidence.crypto import leaf_hash, merkle_root, signing_key
from evidence.journal_tables import journal_tables
from evidence.models import Seal, SealedRow
from evidence.services import journal_seal
from evidence.verify import journal_verify
from items import engine
from items.models import ReleaseItem
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, UserFactory

ITEM_TABLE = "items_historicalreleaseitem"


def unsealed_rows() -> dict[str, int]:
    """How many rows of each journal table no seal covers."""
    counts = {}
    for item in journal_tables():
        sealed = SealedRow.objects.filter(table=item.table).values_list("row_id", flat=True)
        left = item.model._base_manager.exclude(pk__in=sealed).count()
        if left:
            counts[item.table] = left
    return counts


def verify() -> tuple[int, str]:
    """journal_verify's exit status (0 or 1) and its report."""
    out = io.StringIO()
    try:
        call_command("journal_verify", "--no-progress", stdout=out)
    except CommandError as error:
        return 1, out.getvalue() + str(error)
    return 0, out.getvalue()


def move(team: Team, item: ReleaseItem) -> None:
    item.refresh_from_db()
    engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
        comment="Ready",
    )


@pytest.fixture
def sealed(postgres, team):
    """A project with items, one moved, and all of it sealed; returns the moved item."""
    item = team.item()
    ItemFactory(project=team.project)
    move(team, item)
    journal_seal()
    assert unsealed_rows() == {}
    return item


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def disable_trigger(table: str, trigger: str) -> None:
    """What a superuser (or the table's owner) can do: switch the append-only trigger off."""
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while checks are pending
    raw(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")


def test_the_journal_tables_are_found_not_listed():
    tables = {item.table for item in journal_tables()}
    assert {
        ITEM_TABLE,
        "items_historicalreleasestatus",
        "projects_historicalreleaseproject",
        "projects_historicalreleasemember",
        "journal_historicaluser",
        "journal_historicalgroup",
        "journal_accesschange",
    } <= tables
    assert "evidence_evidenceview" in tables  # the journal of pack downloads
    assert not tables & {"evidence_seal", "evidence_sealedrow", "evidence_sealschema"}


@pytest.mark.django_db(transaction=True)
def test_a_move_is_sealed_when_it_commits(postgres, team):
    journal_seal()
    item = team.item()
    move(team, item)
    row = ReleaseItem.history.filter(id=item.pk).latest("history_id")
    sealed = SealedRow.objects.get(table=ITEM_TABLE, row_id=row.history_id)
    assert sealed.seal.rows >= 1
    assert not sealed.seal.backfill
    assert unsealed_rows() == {}  # no sweep needed: each commit sealed its own rows


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sealed_for_a_transaction_that_rolls_back(postgres, team):
    journal_seal()
    seals = Seal.objects.count()

    def create_then_fail() -> None:
        with transaction.atomic():
            team.item()
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert Seal.objects.count() == seals
    team.item()  # the next transaction is sealed as usual
    assert Seal.objects.count() == seals + 1


def test_rows_written_in_bulk_are_sealed_by_journal_seal(postgres, team):
    journal_seal()
    user = UserFactory(username="bulk")
    team.project  # noqa: B018
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="auditors")
    user.groups.add(group)  # journaled as AccessChange rows by bulk_create: no save signal
    assert "journal_accesschange" in unsealed_rows()
    out = io.StringIO()
    call_command("journal_seal", stdout=out)
    assert "Sealed" in out.getvalue()
    assert unsealed_rows() == {}
    assert verify()[0] == 0


def test_each_seal_is_signed_chained_and_its_root_covers_its_rows(sealed):
    seals = list(Seal.objects.order_by("number"))
    assert [seal.number for seal in seals] == list(range(1, len(seals) + 1))
    public = signing_key().public_key()
    for before, seal in zip([None, *seals], seals, strict=False):
        assert seal.previous == (before.digest if before else "")
        public.verify(bytes.fromhex(seal.signature), bytes.fromhex(seal.digest))
        leaves = SealedRow.objects.filter(seal=seal).order_by("position")
        assert merkle_root(bytes(row.leaf) for row in leaves).hex() == seal.root
        assert leaves.count() == seal.rows


def test_a_sealed_journal_verifies(sealed):
    status, report = verify()
    assert status == 0, report
    assert "OK: every seal and every sealed journal row matches." in report


def test_a_journal_row_updated_behind_the_back_is_named(sealed):
    row = ReleaseItem.history.filter(id=sealed.pk).latest("history_id")
    seal = SealedRow.objects.get(table=ITEM_TABLE, row_id=row.history_id).seal_id
    disable_trigger(ITEM_TABLE, "journal_append_only")
    raw(f"UPDATE {ITEM_TABLE} SET history_user_id = NULL WHERE history_id = %s", [row.history_id])  # noqa: S608
    status, report = verify()
    assert status == 1
    assert f"{ITEM_TABLE} row {row.history_id}: changed since seal {seal}" in report


def test_a_journal_row_deleted_behind_the_back_is_named(sealed):
    row = ReleaseItem.history.filter(id=sealed.pk).latest("history_id")
    seal = SealedRow.objects.get(table=ITEM_TABLE, row_id=row.history_id).seal_id
    disable_trigger(ITEM_TABLE, "journal_append_only")
    raw(f"DELETE FROM {ITEM_TABLE} WHERE history_id = %s", [row.history_id])  # noqa: S608
    status, report = verify()
    assert status == 1
    assert f"{ITEM_TABLE} row {row.history_id}: deleted (sealed in seal {seal})" in report


def test_a_back_dated_journal_row_inserted_behind_the_back_is_named(sealed):
    row = ReleaseItem.history.filter(id=sealed.pk).earliest("history_id")
    disable_trigger(ITEM_TABLE, "journal_append_only")  # not needed to insert; as the issue says
    columns = [f.column for f in ReleaseItem.history.model._meta.concrete_fields]
    copied = ", ".join(c for c in columns if c not in {"history_id", "history_date"})
    raw(
        f"INSERT INTO {ITEM_TABLE} ({copied}, history_date) SELECT {copied}, "  # noqa: S608
        f"history_date - interval '2 days' FROM {ITEM_TABLE} WHERE history_id = %s",
        [row.history_id],
    )
    forged = ReleaseItem.history.latest("history_id").history_id
    status, report = verify()
    assert status == 1
    assert f"{ITEM_TABLE} row {forged}: inserted behind the application's back" in report


def test_an_altered_seal_is_named(sealed):
    seal = Seal.objects.order_by("number").last()
    disable_trigger("evidence_seal", "evidence_append_only")
    raw(
        "UPDATE evidence_seal SET sealed_at = sealed_at - interval '1 day' WHERE number = %s",
        [seal.number],
    )
    status, report = verify()
    assert status == 1
    assert f"seal {seal.number} was altered" in report


def test_a_re_signed_seal_with_another_key_is_named(sealed):
    seal = Seal.objects.order_by("number").first()
    disable_trigger("evidence_seal", "evidence_append_only")
    raw("UPDATE evidence_seal SET signature = %s WHERE number = %s", ["00" * 64, seal.number])
    status, report = verify()
    assert status == 1
    assert f"seal {seal.number}: the signature does not match its digest" in report


def test_a_deleted_seal_is_named(sealed, team):
    team.item()
    journal_seal()
    team.item()
    journal_seal()
    numbers = list(Seal.objects.order_by("number").values_list("number", flat=True))
    assert len(numbers) >= 3
    middle = numbers[-2]
    raw("SET session_replication_role = replica")  # a superuser: no triggers, no foreign keys
    raw("DELETE FROM evidence_sealedrow WHERE seal_id = %s", [middle])
    raw("DELETE FROM evidence_seal WHERE number = %s", [middle])
    raw("SET session_replication_role = DEFAULT")
    status, report = verify()
    assert status == 1
    assert f"seal {middle} is missing (deleted)" in report
    assert "inserted behind the application's back" not in report  # its rows are recent


def test_a_sealed_row_record_altered_is_named(sealed):
    record = SealedRow.objects.order_by("id").first()
    disable_trigger("evidence_sealedrow", "evidence_append_only")
    raw("UPDATE evidence_sealedrow SET leaf = %s WHERE id = %s", [b"\0" * 32, record.pk])
    status, report = verify()
    assert status == 1
    assert f"seal {record.seal_id}: its sealed rows no longer give its Merkle root" in report


def test_a_deleted_latest_seal_is_named_against_its_exported_digest(sealed):
    seal = Seal.objects.order_by("number").last()
    raw("SET session_replication_role = replica")
    raw("DELETE FROM evidence_sealedrow WHERE seal_id = %s", [seal.number])
    raw("DELETE FROM evidence_seal WHERE number = %s", [seal.number])
    raw("SET session_replication_role = DEFAULT")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("journal_verify", "--no-progress", "--expect", seal.digest, stdout=out)
    assert f"the expected seal {seal.digest} is not in the chain" in out.getvalue()


def test_a_row_written_late_with_an_old_date_is_reported(sealed, team):
    """A row inserted with the app's own INSERT right but back-dated gets sealed by the next
    sweep; verify still says it was sealed long after its date (a warning: imports do this)."""
    row = ReleaseItem.history.filter(id=sealed.pk).earliest("history_id")
    columns = [f.column for f in ReleaseItem.history.model._meta.concrete_fields]
    copied = ", ".join(column for column in columns if column not in {"history_id", "history_date"})
    raw(
        f"INSERT INTO {ITEM_TABLE} ({copied}, history_date) SELECT {copied}, "  # noqa: S608
        f"now() - interval '30 days' FROM {ITEM_TABLE} WHERE history_id = %s",
        [row.history_id],
    )
    forged = ReleaseItem.history.latest("history_id").history_id
    journal_seal()
    status, report = verify()
    assert status == 0
    assert f"WARN row-late: {ITEM_TABLE} row {forged}: dated" in report


def test_verify_counts_each_row_once_and_reports_rows_awaiting_their_seal(sealed, team):
    team.item()  # inside the test's transaction: no commit, so not sealed yet
    findings, summary = journal_verify()
    assert findings == []
    assert summary.pending >= 1


def test_a_verify_on_a_large_journal_holds_constant_memory(postgres, team, monkeypatch):
    """Streams: ten times the rows (in seals of one size: a seal's leaves are held to check its
    root) do not change the memory held; a verify that kept the rows would grow with them."""
    import tracemalloc

    monkeypatch.setattr("evidence.verify.CHUNK", 20)

    def peak(extra: int) -> int:
        for _ in range(extra // 50):
            for _ in range(50):
                MemberFactory(project=team.project)
            journal_seal()
        tracemalloc.start()
        journal_verify()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small = peak(100)
    large = peak(1000)
    assert large < small * 1.5


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_have_every_committed_row_sealed_exactly_once(postgres, team):
    """Writers commit in any order while sweeps run beside them: no row is missed or sealed
    twice (a unique constraint would refuse a second seal of a row)."""
    journal_seal()
    items = [team.item() for _ in range(6)]
    journal_seal()
    barrier = threading.Barrier(len(items) + 2)
    crashes: list[BaseException] = []

    def writer(item: ReleaseItem) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(3):
                move(team, item)
                team.item()
        except BaseException as error:
            crashes.append(error)
        finally:
            connection.close()

    def sweeper() -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(10):
                journal_seal()
        except BaseException as error:
            crashes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(item,)) for item in items]
    threads += [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashes == []
    assert unsealed_rows() == {}  # each commit sealed its own rows; nothing waits for a sweep
    total = sum(item.model._base_manager.count() for item in journal_tables())
    assert SealedRow.objects.count() == total
    numbers = list(Seal.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert verify()[0] == 0


def test_leaves_hash_the_canonical_row_not_the_model(sealed):
    """The leaf is the hash of the row's columns as stored, so it can be recomputed offline."""
    from evidence.crypto import canonical

    item = next(table for table in journal_tables() if table.table == ITEM_TABLE)
    record = SealedRow.objects.filter(table=ITEM_TABLE).first()
    values = item.model._base_manager.filter(pk=record.row_id).values(*item.columns).get()
    expected = leaf_hash(canonical(table=ITEM_TABLE, pk=record.row_id, row=values))
    assert bytes(record.leaf) == expected


@pytest.mark.django_db(transaction=True)
def test_in_batch_mode_a_request_only_queues_its_rows_for_the_sealer_thread(
    postgres, team, settings
):
    """Production: the request pays for the note; the process's sealer thread seals every
    queued row of many transactions in one seal."""
    from evidence.signals import journal_sealing_flush

    journal_seal()
    settings.JOURNAL_SEALING = "batch"
    settings.SEAL_BATCH_SECONDS = 3600  # the thread waits; the test flushes
    seals = Seal.objects.count()
    items = [team.item() for _ in range(3)]
    move(team, items[0])
    assert Seal.objects.count() == seals
    assert ITEM_TABLE in unsealed_rows()
    journal_sealing_flush()
    assert Seal.objects.count() == seals + 1  # four transactions, one seal
    assert unsealed_rows() == {}
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_with_sealing_off_rows_wait_for_journal_seal(postgres, team, settings):
    journal_seal()
    settings.JOURNAL_SEALING = "off"
    team.item()
    assert ITEM_TABLE in unsealed_rows()
    journal_seal()
    assert unsealed_rows() == {}
