"""The evidence pack of one release (issue 13, docs/EVIDENCE.md "The evidence pack"): a pure
read that gathers the release's journal rows, each with the seal that covers it and its Merkle
inclusion proof, and readable views over those rows (scope, transitions, votes, QA, emergency
moves, the rules in force), and the sections other apps registered (evidence/pack_sections.py:
commits, tickets, imports), whose rows the journal's source registry selects.

The only module of `evidence/` that knows the core release apps' models: sealing and verify find
journal tables by shape; the pack has to know which rows belong to a release. The views are
built from the rows' sealed content, so what an auditor reads is what the seals cover.

The same data always gives the same bytes (`pack_serialise`): no generation time inside,
sorted keys, fixed separators, UTC ISO times as sealed, lists ordered by table and row id.
"""

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import translation

from approvals.models import Approval, EmergencyMove, ReleaseApproval
from evidence.crypto import canonical, public_key_b64, seal_document, verification_keys
from evidence.journal_tables import JournalTable, journal_table_for_model
from evidence.models import Seal, SealedRow, SealSchema
from evidence.pack_sections import PackSection, pack_sections
from evidence.proofs import MerkleTree
from items.models import Change, ReleaseItem, ReleaseStatus, TransitionRule
from journal.selectors import source_rows_of_project
from projects.models import ReleaseMember, ReleaseProject
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun

SCHEMA_VERSION = 1
PACK_FORMAT = "releasemgmt-evidence-pack"
SCHEMA_URL_NAME = "evidence:pack_schema"

# The journal sources of a pack, by the name its views use.
MODELS = {
    "release": ReleaseProject,
    "members": ReleaseMember,
    "items": ReleaseItem,
    "changes": Change,
    "approvals": Approval,
    "release_approvals": ReleaseApproval,
    "emergency_moves": EmergencyMove,
    "test_cases": TestCase,
    "test_runs": TestRun,
    "signoffs": QASignoff,
    "acceptances": AcceptanceDecision,
    "rules": TransitionRule,
}
# Item journal rows that are transitions (a reorder or an edit keeps the state).
TRANSITION_KINDS = frozenset({"created", "moved", "removed"})

Row = dict[str, Any]


def _history(name: str) -> type:
    return MODELS[name].history.model


def _sources(*, project_id: int) -> dict[str, QuerySet]:
    """Each source's journal rows of the release, as querysets (also used as subqueries)."""
    items = _history("items").objects.filter(project_id=project_id)
    item_ids = items.values("id")
    cases = _history("test_cases").objects.filter(item_id__in=item_ids)
    rules = _history("rules").objects
    latest_rules = rules.order_by().values("id").annotate(last=Max("history_id")).values("last")
    return {
        "release": _history("release").objects.filter(id=project_id),
        "members": _history("members").objects.filter(project_id=project_id),
        "items": items,
        "changes": _history("changes").objects.filter(id__in=items.values("change_id")),
        "approvals": _history("approvals").objects.filter(item_id__in=item_ids),
        "release_approvals": _history("release_approvals").objects.filter(project_id=project_id),
        "emergency_moves": _history("emergency_moves").objects.filter(item_id__in=item_ids),
        "test_cases": cases,
        "test_runs": _history("test_runs").objects.filter(test_case_id__in=cases.values("id")),
        "signoffs": _history("signoffs").objects.filter(item_id__in=item_ids),
        "acceptances": _history("acceptances").objects.filter(item_id__in=item_ids),
        # The rules in force: each existing rule's latest journal row.
        "rules": rules.filter(history_id__in=latest_rules).exclude(history_type="-"),
    }


def _plain(table: JournalTable, record: tuple) -> Row:
    """A row as the seal hashes it (evidence.crypto.canonical), parsed back: datetimes as
    UTC ISO strings, decimals and UUIDs as strings, bytes as hex."""
    row = dict(zip(table.columns, record, strict=True))
    document = canonical(table=table.table, pk=row[table.pk], row=row)
    return json.loads(document)["row"]


def _ref(table: str, pk: int) -> str:
    return f"{table}#{pk}"


def _section_key(section: PackSection) -> str:
    # The rows are kept beside the core sources': a prefix no core source name has.
    return f"section:{section.name}"


class _Reader:
    """Reads a release's rows once and answers the views' questions about them."""

    def __init__(self, *, project: ReleaseProject) -> None:
        self.project = project
        self.project_id = project.pk
        self.tables: dict[str, JournalTable] = {}
        self.rows: dict[str, list[Row]] = {}
        self.sections = pack_sections()
        sources = _sources(project_id=project.pk)
        for section in self.sections:
            sources[_section_key(section)] = source_rows_of_project(
                name=section.source, project_id=project.pk
            )
        for name, queryset in sources.items():  # one query each
            table = journal_table_for_model(queryset.model)
            self.tables[name] = table
            records = queryset.order_by(table.pk).values_list(*table.columns)
            self.rows[name] = [_plain(table, record) for record in records]
        self.sealed = self._sealed(sources)
        self.states = dict(ReleaseStatus.objects.values_list("id", "name"))
        self.users = self._users()
        self.item_numbers = {row["id"]: row["number"] for row in self.rows["items"]}
        # Item rows written before changes existed name none: their change has the item's id.
        self.change_ids = frozenset(
            row["change_id"] if row["change_id"] is not None else row["id"]
            for row in self.rows["items"]
        )

    def _sealed(self, sources: dict[str, QuerySet]) -> dict[tuple[str, int], tuple[int, int]]:
        """(table, row id) -> (seal number, position), in one query: the sources again as
        subqueries, so the query has the same size whatever the release's size."""
        condition = Q()
        for name, queryset in sources.items():
            table = self.tables[name]
            condition |= Q(table=table.table, row_id__in=queryset.values(table.pk))
        found = SealedRow.objects.filter(condition).values_list(
            "table", "row_id", "seal_id", "position"
        )
        return {(table, row_id): (seal, position) for table, row_id, seal, position in found}

    def _users(self) -> dict[int, str]:
        columns = (
            "history_user_id",
            "approver_id",
            "tester_id",
            "decided_by_id",
            "moved_by_id",
            "assignee_id",
            "release_manager_id",
            "user_id",
        )
        ids = {
            row[column]
            for rows in self.rows.values()
            for row in rows
            for column in columns
            if row.get(column) is not None
        }
        for section in self.sections:
            for row in self.rows[_section_key(section)]:
                ids.update(row[c] for c in section.user_columns if row.get(c) is not None)
        ids.add(self.project.release_manager_id)
        return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))

    def user(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return self.users.get(user_id, f"user #{user_id}")

    def state(self, state_id: int | None) -> str | None:
        if state_id is None:
            return None
        return self.states.get(state_id, f"state #{state_id}")

    def item_key(self, item_id: int) -> str:
        number = self.item_numbers.get(item_id)
        return f"{self.project.code}-{number}" if number is not None else f"item #{item_id}"

    def entry(self, name: str, row: Row, **fields: Any) -> Row:
        """A view's entry: the journal row it comes from, and who, when, from where and why
        as sealed (scripts/verify_pack.py checks these against the row)."""
        table = self.tables[name]
        return {
            "ref": _ref(table.table, row[table.pk]),
            "at": row["history_date"],
            "by_id": row["history_user_id"],
            "by": self.user(row["history_user_id"]),
            "ip": row["ip_address"],
            "reason": row["history_change_reason"],
            "kind": row["change_kind"],
            **fields,
        }

    @staticmethod
    def latest(rows: Iterable[Row], key: str = "id") -> dict[int, Row]:
        """Each object's last journal row (rows are in history id order)."""
        return {row[key]: row for row in rows}


def _scope(reader: _Reader) -> list[Row]:
    changes = reader.latest(reader.rows["changes"])
    scope = []
    for item_id, row in sorted(reader.latest(reader.rows["items"]).items()):
        change = changes.get(row["change_id"], {})
        scope.append(
            {
                "ref": _ref(reader.tables["items"].table, row["history_id"]),
                "item": reader.item_key(item_id),
                "change": f"CH-{row['change_id']}",
                "title": change.get("title", ""),
                "change_kind": change.get("kind", ""),
                "state_id": row["status_id"],
                "state": reader.state(row["status_id"]),
                "removed": row["history_type"] == "-",
                "assignee": reader.user(row["assignee_id"]),
            }
        )
    return scope


def _transitions(reader: _Reader) -> list[Row]:
    return [
        reader.entry(
            "items",
            row,
            item=reader.item_key(row["id"]),
            from_state_id=row["from_status_id"],
            from_state=reader.state(row["from_status_id"]),
            to_state_id=row["status_id"],
            to_state=reader.state(row["status_id"]),
            emergency=row["emergency"],
        )
        for row in reader.rows["items"]
        if row["change_kind"] in TRANSITION_KINDS
    ]


def _approval(reader: _Reader, row: Row) -> Row:
    return reader.entry(
        "approvals",
        row,
        item=reader.item_key(row["item_id"]),
        from_state=reader.state(row["from_state_id"]),
        to_state=reader.state(row["to_state_id"]),
        round=row["round"],
        vote=row["vote"],
        approver=reader.user(row["approver_id"]),
        comment=row["comment"],
        withdrawn=row["withdrawn"],
        segregation_checks=row["sod_checks"],
    )


def _date(row: Row) -> datetime:
    return datetime.fromisoformat(row["history_date"])


def _emergency_moves(reader: _Reader) -> list[Row]:
    """Each emergency move, the approvals given for its transition and round after it (the
    retrospective ones), and whether enough approvals of that round stand now."""
    votes_for: dict[tuple, list[Row]] = {}
    for vote in reader.rows["approvals"]:
        move = (vote["item_id"], vote["from_state_id"], vote["to_state_id"], vote["round"])
        votes_for.setdefault(move, []).append(vote)
    moves = []
    for row in reader.rows["emergency_moves"]:
        if row["history_type"] != "+":
            continue
        votes = votes_for.get(
            (row["item_id"], row["from_state_id"], row["to_state_id"], row["round"]), []
        )
        standing = [
            vote
            for vote in reader.latest(votes).values()
            if vote["history_type"] != "-" and vote["vote"] == "approve" and not vote["withdrawn"]
        ]
        moves.append(
            reader.entry(
                "emergency_moves",
                row,
                item=reader.item_key(row["item_id"]),
                from_state=reader.state(row["from_state_id"]),
                to_state=reader.state(row["to_state_id"]),
                round=row["round"],
                moved_by=reader.user(row["moved_by_id"]),
                justification=row["justification"],
                blockers=row["blockers"],
                approvals_required=row["approvals_required"],
                retrospective_approvals=[
                    _approval(reader, vote)
                    for vote in votes
                    if vote["history_type"] == "+" and _date(vote) >= _date(row)
                ],
                retrospective_status="given"
                if len(standing) >= row["approvals_required"]
                else "pending",
            )
        )
    return moves


def _test_runs(reader: _Reader) -> list[Row]:
    cases = reader.latest(reader.rows["test_cases"])
    runs = []
    for row in reader.rows["test_runs"]:
        case = cases.get(row["test_case_id"], {})
        runs.append(
            reader.entry(
                "test_runs",
                row,
                item=reader.item_key(case["item_id"]) if case else None,
                test_case=case.get("title", f"test case #{row['test_case_id']}"),
                result=row["result"],
                tester=reader.user(row["tester_id"]),
                note=row["note"],
                evidence_url=row["evidence_url"],
            )
        )
    return runs


def _views(reader: _Reader) -> dict[str, Any]:
    return {
        "scope": _scope(reader),
        "release_journal": [
            reader.entry(
                "release",
                row,
                stage=row["lifecycle"],
                planned_release_date=row["planned_release_date"],
                actual_release_date=row["actual_release_date"],
                release_manager=reader.user(row["release_manager_id"]),
            )
            for row in reader.rows["release"]
        ],
        "members": [
            reader.entry("members", row, user=reader.user(row["user_id"]), role=row["role"])
            for row in reader.rows["members"]
        ],
        "transitions": _transitions(reader),
        "approvals": [_approval(reader, row) for row in reader.rows["approvals"]],
        "release_approvals": [
            reader.entry(
                "release_approvals",
                row,
                vote=row["vote"],
                approver=reader.user(row["approver_id"]),
                comment=row["comment"],
                withdrawn=row["withdrawn"],
                voided=row["voided"],
            )
            for row in reader.rows["release_approvals"]
        ],
        "test_runs": _test_runs(reader),
        "signoffs": [
            reader.entry(
                "signoffs",
                row,
                item=reader.item_key(row["item_id"]),
                round=row["round"],
                tester=reader.user(row["tester_id"]),
                comment=row["comment"],
                segregation_checks=row["sod_checks"],
            )
            for row in reader.rows["signoffs"]
        ],
        "acceptances": [
            reader.entry(
                "acceptances",
                row,
                item=reader.item_key(row["item_id"]),
                round=row["round"],
                decision=row["decision"],
                decided_by=reader.user(row["decided_by_id"]),
                reason_given=row["reason"],
            )
            for row in reader.rows["acceptances"]
        ],
        "emergency_moves": _emergency_moves(reader),
        "rules": [
            reader.entry(
                "rules",
                row,
                from_state=reader.state(row["from_state_id"]),
                to_state=reader.state(row["to_state_id"]),
                roles=row["roles"],
                comment_required=row["comment_required"],
                approvals_required=row["approvals_required"],
                approver_roles=row["approver_roles"],
                rejection_blocks=row["rejection_blocks"],
                requires_passing_tests=row["requires_passing_tests"],
                requires_qa_signoff=row["requires_qa_signoff"],
                requires_acceptance=row["requires_acceptance"],
                segregation_of_duties=row["segregation_of_duties"],
            )
            for row in reader.rows["rules"]
        ],
    }


def _sections(reader: _Reader) -> dict[str, Any]:
    """Each registered section: what it shows (its fields, and the journal column each repeats)
    and its entries, one per object from its last row (or one per row)."""
    found = {}
    for section in reader.sections:
        key = _section_key(section)
        table = reader.tables[key]
        rows = reader.rows[key]
        if section.per_object:
            rows = list(reader.latest(rows).values())
        entries = []
        for row in rows:
            derived = section.derive(row, reader) if section.derive else {}
            fields = {
                f.name: row[f.column] if f.column else derived.get(f.name) for f in section.fields
            }
            entries.append(reader.entry(key, row, **fields))
        found[section.name] = {
            "label": str(section.label),
            "source": section.source,
            "table": table.table,
            "fields": [
                {"name": f.name, "heading": str(f.heading), "column": f.column}
                for f in section.fields
            ],
            "entries": entries,
        }
    return found


def _evidence(reader: _Reader) -> dict[str, Any]:
    """The journal rows with their seals and proofs, the seals, their schemas and keys."""
    numbers = {seal for seal, _ in reader.sealed.values()}
    seals = list(Seal.objects.filter(number__in=numbers).order_by("number"))
    schemas = dict(
        SealSchema.objects.filter(digest__in={seal.schema_id for seal in seals}).values_list(
            "digest", "tables"
        )
    )
    leaves: dict[int, list[bytes]] = {number: [] for number in numbers}
    for number, leaf in (
        SealedRow.objects.filter(seal_id__in=numbers)
        .order_by("seal_id", "position")
        .values_list("seal_id", "leaf")
    ):
        leaves[number].append(bytes(leaf))
    trees = {number: MerkleTree(found) for number, found in leaves.items()}
    seal_schema = {seal.number: seal.schema_id for seal in seals}

    journal = []
    for name, rows in reader.rows.items():
        table = reader.tables[name]
        for row in rows:
            pk = row[table.pk]
            seal, position = reader.sealed.get((table.table, pk), (None, None))
            columns = schemas.get(seal_schema.get(seal), {}).get(table.table, table.columns)
            journal.append(
                {
                    "table": table.table,
                    "pk": pk,
                    "row": {column: row[column] for column in columns if column in row},
                    "seal": seal,
                    "index": position,
                    "proof": [node.hex() for node in trees[seal].proof(position)]
                    if seal in trees
                    else [],
                }
            )
    journal.sort(key=lambda entry: (entry["table"], entry["pk"]))

    keys = verification_keys()
    return {
        "journal": journal,
        "unsealed": [_ref(e["table"], e["pk"]) for e in journal if e["seal"] is None],
        "seals": [
            json.loads(
                seal_document(
                    number=seal.number,
                    sealed_at=seal.sealed_at,
                    previous=seal.previous,
                    root=seal.root,
                    rows=seal.rows,
                    schema=seal.schema_id,
                    backfill=seal.backfill,
                    key_id=seal.key_id,
                )
            )["row"]
            | {"digest": seal.digest, "signature": seal.signature}
            for seal in seals
        ],
        "schemas": schemas,
        "keys": [
            {"algorithm": "Ed25519", "key_id": key_id, "public_key": public_key_b64(keys[key_id])}
            for key_id in sorted({seal.key_id for seal in seals} & keys.keys())
        ],
    }


def pack_build(*, project: ReleaseProject) -> dict[str, Any]:
    """The evidence pack of one release, in a constant number of queries: 18, and one more per
    registered section (21 with commits, tickets and imports).

    Built in English whatever the reader's language: the pack is a sealed record whose bytes
    are the same for every reader (a section's label and headings may be translatable)."""
    with translation.override("en"):
        return _pack_build(project=project)


def _pack_build(*, project: ReleaseProject) -> dict[str, Any]:
    reader = _Reader(project=project)
    return {
        "schema_version": SCHEMA_VERSION,
        "format": PACK_FORMAT,
        "schema": reverse(SCHEMA_URL_NAME),
        "release": {
            "code": project.code,
            "name": project.name,
            "stage": project.lifecycle,
            "planned_release_date": project.planned_release_date.isoformat()
            if project.planned_release_date
            else None,
            "actual_release_date": project.actual_release_date.isoformat()
            if project.actual_release_date
            else None,
            "release_manager": reader.user(project.release_manager_id),
        },
        **_views(reader),
        "sections": _sections(reader),
        **_evidence(reader),
    }


def pack_unsealed(*, pack: dict[str, Any]) -> dict[str, set[int]]:
    """The pack's journal rows no seal covers yet, by table (for evidence.services.journal_seal)."""
    rows: dict[str, set[int]] = {}
    for entry in pack["journal"]:
        if entry["seal"] is None:
            rows.setdefault(entry["table"], set()).add(entry["pk"])
    return rows


def pack_serialise(*, pack: dict[str, Any]) -> bytes:
    """The canonical bytes: the same data gives the same bytes."""
    return json.dumps(pack, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
