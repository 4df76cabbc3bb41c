"""Least privilege on PostgreSQL: the application's own database role may add journal rows and
seals but never update, delete or truncate them, nor switch their triggers off; the owner role
runs migrations (docs/OPERATIONS.md). Proved with a real login as that role."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from evidence.privileges import append_only_tables, privileges_grant
from items.models import ReleaseItem
from tests.conftest import Team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APP_ROLE = "releasemgmt_app"
ITEM_JOURNAL = "items_historicalreleaseitem"
ROOT = Path(__file__).resolve().parent.parent


def ensure_app_role() -> None:
    """scripts/test-services.sh creates the role; a bare server gets it here (roles are global)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN")


@pytest.fixture
def app_db(postgres: None, team: Team) -> Iterator[psycopg.Connection]:
    """A connection to the test database as the application's role, granted as `migrate` does."""
    ensure_app_role()
    privileges_grant(role=APP_ROLE)
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        dbname=params["NAME"],
        user=APP_ROLE,
        autocommit=True,
    ) as app:
        yield app


@pytest.fixture
def journal_row(team: Team) -> int:
    item = team.item()
    return ReleaseItem.history.filter(id=item.pk).latest("history_id").history_id


def refused(app: psycopg.Connection, statement: str, params: list | None = None) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refusal:
        app.execute(statement, params)
    return str(refusal.value)


def test_the_app_role_cannot_erase_who_acted(app_db, journal_row):
    message = refused(
        app_db,
        f"UPDATE {ITEM_JOURNAL} SET history_user_id = NULL WHERE history_id = %s",  # noqa: S608
        [journal_row],
    )
    assert "permission denied" in message


def test_the_app_role_cannot_delete_journal_rows(app_db, journal_row):
    refused(app_db, f"DELETE FROM {ITEM_JOURNAL} WHERE history_id = %s", [journal_row])  # noqa: S608
    assert ReleaseItem.history.filter(history_id=journal_row).exists()


def test_the_app_role_cannot_truncate_the_journal(app_db, journal_row):
    refused(app_db, f"TRUNCATE {ITEM_JOURNAL}")
    assert ReleaseItem.history.filter(history_id=journal_row).exists()


def test_the_app_role_cannot_disable_the_append_only_trigger(app_db, journal_row):
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
        app_db.execute(f"ALTER TABLE {ITEM_JOURNAL} DISABLE TRIGGER journal_append_only")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_db.execute("SET session_replication_role = replica")


def test_every_journal_and_seal_table_refuses_update_delete_and_truncate(app_db, journal_row):
    for table in append_only_tables():
        for statement in (
            f"UPDATE {table} SET {first_column(table)} = {first_column(table)}",  # noqa: S608
            f"DELETE FROM {table}",  # noqa: S608
            f"TRUNCATE {table}",
        ):
            refused(app_db, statement)


def first_column(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position LIMIT 1",
            [table],
        )
        return cursor.fetchone()[0]


def test_the_app_role_can_still_add_journal_rows(app_db, journal_row):
    columns = [f.column for f in ReleaseItem.history.model._meta.concrete_fields]
    copied = ", ".join(column for column in columns if column != "history_id")
    app_db.execute(
        f"INSERT INTO {ITEM_JOURNAL} ({copied}) SELECT {copied} FROM {ITEM_JOURNAL} "  # noqa: S608
        "WHERE history_id = %s",
        [journal_row],
    )
    assert ReleaseItem.history.filter(history_id__gt=journal_row).exists()


def test_the_application_works_as_its_role_and_its_journal_is_sealed(app_db, team, journal_row):
    """The portal's own code, logged in as the app role: a move, its seal, a verify."""
    item = ReleaseItem.objects.get(pk=ReleaseItem.history.get(history_id=journal_row).id)
    params = connection.settings_dict
    host = f"{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    url = f"postgres://{APP_ROLE}@{host}/{params['NAME']}"
    script = (
        "from items import engine; from items.models import ReleaseItem; "
        "from projects.access import project_access; "
        "from django.contrib.auth import get_user_model; "
        "from django.core.management import call_command; "
        f"item = ReleaseItem.objects.get(pk={item.pk}); "
        f"user = get_user_model().objects.get(username='{team.developer.username}'); "
        f"engine.item_move(access=project_access(user=user, code='{team.project.code}'), "
        "item_id=item.pk, expected_version=item.version, direction='next', comment='Ready'); "
        "call_command('journal_seal'); call_command('journal_verify', '--no-progress')"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url, "DB_APP_ROLE": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "OK: every seal and every sealed journal row matches." in done.stdout
    item.refresh_from_db()
    assert item.version > 1


def privilege(table: str, kind: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [APP_ROLE, table, kind])
        return cursor.fetchone()[0]


def test_every_migrate_grants_the_app_role_least_privilege(postgres, settings):
    """Run by the owner with DB_APP_ROLE set, `migrate` (re)grants, so tables added by later
    migrations are covered without a step of their own."""
    from django.core.management import call_command

    ensure_app_role()
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    assert not privilege(ITEM_JOURNAL, "INSERT")
    settings.DB_APP_ROLE = APP_ROLE
    call_command("migrate", verbosity=0)
    assert privilege(ITEM_JOURNAL, "SELECT")
    assert privilege(ITEM_JOURNAL, "INSERT")
    for kind in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"):
        assert not privilege(ITEM_JOURNAL, kind), kind
        assert not privilege("evidence_seal", kind), kind
    for kind in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        assert privilege("items_releaseitem", kind), kind
    assert not privilege("items_releaseitem", "TRUNCATE")
