"""Least privilege on PostgreSQL: the application's role (DB_APP_ROLE) may read and write the
application's tables, but journal and seal rows only read and insert: no UPDATE, DELETE or
TRUNCATE, and, not owning them, it cannot disable their triggers. The owner role runs
migrations; after each `migrate` this re-applies the grants, so a table added later (a new
tracked model's journal) is covered without a step of its own (docs/OPERATIONS.md)."""

from typing import Any

from django.conf import settings
from django.db import connections
from psycopg import sql

from evidence.journal_tables import journal_tables

SEAL_TABLES = ["evidence_seal", "evidence_sealedrow", "evidence_sealschema"]


def append_only_tables() -> list[str]:
    return sorted({item.table for item in journal_tables()} | set(SEAL_TABLES))


def privileges_grant(*, role: str, using: str = "default") -> None:
    """Grant `role` what the application needs, and no more. Idempotent; run as the owner."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    role_name = sql.Identifier(role)
    append_only = [sql.Identifier(table) for table in append_only_tables()]
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role_name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            role_name
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role_name),
        sql.SQL(
            "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}"
        ).format(role_name),
        sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(
            sql.SQL(", ").join(append_only), role_name
        ),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(cursor.cursor))


def privileges_grant_after_migrate(using: str = "default", **kwargs: Any) -> None:
    role = settings.DB_APP_ROLE
    if role and connections[using].vendor == "postgresql":
        privileges_grant(role=role, using=using)
