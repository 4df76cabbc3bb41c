#!/usr/bin/env python3
"""Verify a release's evidence pack offline: python3 verify_pack.py PACK.json --public-key KEY

Standard library only (Python >= 3.10), no database and no portal: copy this file and the pack
anywhere. For each journal row of the pack it recomputes the row's leaf hash from its content,
walks its Merkle inclusion proof up to the root of the seal that covers it, recomputes that
seal's digest and checks the seal's Ed25519 signature with the public key given (RFC 8032,
implemented below). It also checks each seal's column schema, and that every readable entry
of the pack (transitions, approvals...) says who, when, from where and why exactly as its row,
and that each entry of the apps' sections (commits, tickets...) repeats the columns its section
declares exactly as its row holds them.

KEY is the seal key's public half, from outside the pack (the journal's /journal/seal.json
export, `manage.py journal_seal --export`, or the audit team's copy): URL-safe base64 or hex,
or a file holding either or the seal.json export. Repeat --public-key for retired keys.

Exit status: 0 the pack is intact; 1 something fails (each failure names the row, seal or
field); 2 the pack or the key cannot be read. docs/EVIDENCE.md describes the format.
"""

import argparse
import base64
import binascii
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

# --- Hashing, exactly as the portal's evidence/crypto.py -----------------------------------


def canonical(table: str, pk: int, row: dict[str, Any]) -> bytes:
    """A row's canonical content: {"pk", "row", "table"} as JSON, keys sorted at every level,
    no spaces, UTF-8 unescaped. The pack's rows already hold each value as the portal hashed
    it (datetimes as UTC ISO 8601 strings, decimals and UUIDs as strings, bytes as hex)."""
    document = {"table": table, "pk": pk, "row": row}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(content: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + content).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def proof_root(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """The root an RFC 6962 audit path leads to (RFC 9162 section 2.1.3.2), or None."""
    if index >= size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            node = node_hash(sibling, node)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


SEAL_FIELDS = ("number", "sealed_at", "previous", "root", "rows", "schema", "backfill", "key_id")


def seal_digest(seal: dict[str, Any]) -> str:
    """SHA-256 of the seal's canonical content (its fields but the digest and signature)."""
    row = {field: seal[field] for field in SEAL_FIELDS}
    return hashlib.sha256(canonical("evidence_seal", seal["number"], row)).hexdigest()


def schema_digest(tables: dict[str, list[str]]) -> str:
    # Python's default separators (", " and ": "), as the portal computes it.
    return hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


# --- Ed25519 verification (RFC 8032 section 6, the reference code) -------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)


def _add(a: Point, b: Point) -> Point:
    pa, pb = (a[1] - a[0]) * (b[1] - b[0]) % P, (a[1] + a[0]) * (b[1] + b[0]) % P
    c, d = 2 * a[3] * b[3] * D % P, 2 * a[2] * b[2] % P
    e, f, g, h = pb - pa, d - c, d + c, pb + pa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar > 0:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _equal(a: Point, b: Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _decompress(data: bytes) -> Point | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
BASE: Point = (_GX, _GY, 1, _GX * _GY % P)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, BASE), _add(r, _mul(h, a)))


# --- The pack ------------------------------------------------------------------------------

# Readable views whose entries name their journal row ("ref"), and the row column each of an
# entry's who/when/where/why fields repeats.
VIEWS = (
    "release_journal",
    "members",
    "transitions",
    "approvals",
    "release_approvals",
    "test_runs",
    "signoffs",
    "acceptances",
    "emergency_moves",
    "rules",
)
ENTRY_COLUMNS = {
    "at": "history_date",
    "by_id": "history_user_id",
    "ip": "ip_address",
    "reason": "history_change_reason",
    "kind": "change_kind",
}


class Unreadable(Exception):
    """The pack or the key cannot be read at all (exit 2)."""


def _public_key(text: str) -> bytes:
    path = Path(text)
    if len(text) < 200 and path.is_file():
        text = path.read_text().strip()
        if text.startswith("{"):
            text = json.loads(text)["public_key"]
    text = text.strip()
    try:
        raw = bytes.fromhex(text) if len(text) == 64 else base64.urlsafe_b64decode(text + "==")
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise Unreadable(f"--public-key {text[:70]!r}: not a 32-byte key in hex or base64")
    return raw


def _hex(value: Any, what: str, failures: list[str]) -> bytes | None:
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        failures.append(f"{what}: not hexadecimal")
        return None


def verify_seals(pack: dict, keys: dict[str, bytes], failures: list[str]) -> dict[int, dict]:
    """The seals that are intact, by number; a failure for each one that is not."""
    good = {}
    for seal in pack["seals"]:
        number = seal.get("number")
        label = f"seal {number}"
        try:
            digest = seal_digest(seal)
        except (KeyError, TypeError):
            failures.append(f"{label}: a field is missing")
            continue
        tables = pack["schemas"].get(seal["schema"])
        if digest != seal["digest"]:
            failures.append(f"{label}: its fields no longer hash to its digest (seal altered)")
        elif tables is None or schema_digest(tables) != seal["schema"]:
            failures.append(
                f"{label}: its column schema {seal['schema'][:16]} is missing or altered"
            )
        elif seal["key_id"] not in keys:
            failures.append(f"{label}: signed by key {seal['key_id']}, not a key given")
        elif not ed25519_verify(
            keys[seal["key_id"]],
            _hex(seal["digest"], label, failures) or b"",
            _hex(seal["signature"], f"{label} signature", failures) or b"",
        ):
            failures.append(f"{label}: the signature does not match its digest")
        else:
            good[number] = seal
    return good


def verify_rows(pack: dict, seals: dict[int, dict], failures: list[str]) -> dict[str, dict]:
    """Each journal row against its seal; returns the rows by ref."""
    numbers = {seal.get("number") for seal in pack["seals"]}
    rows = {}
    for entry in pack["journal"]:
        table, pk, row = entry["table"], entry["pk"], entry["row"]
        label = f"row {table}#{pk}"
        rows[f"{table}#{pk}"] = row
        number = entry["seal"]
        if number is None:
            failures.append(f"{label}: not covered by any seal (unsealed)")
            continue
        if number not in numbers:
            failures.append(f"{label}: its seal {number} is not in the pack")
            continue
        seal = seals.get(number)
        if seal is None:
            continue  # the seal's own failure is reported
        columns = pack["schemas"][seal["schema"]].get(table)
        if columns is None or sorted(row) != sorted(columns):
            failures.append(f"{label}: its columns are not those seal {number} covers")
            continue
        path = [_hex(node, f"{label} proof", failures) for node in entry["proof"]]
        if None in path:
            continue
        leaf = leaf_hash(canonical(table, pk, row))
        root = proof_root(leaf, entry["index"], seal["rows"], path)
        if root is None or root.hex() != seal["root"]:
            failures.append(
                f"{label}: its content and proof do not lead to the root of seal {number} "
                "(the row, its index or its proof was altered)"
            )
    return rows


def _check_entry(
    where: str, entry: dict, rows: dict[str, dict], columns: dict[str, str], failures: list[str]
) -> None:
    """An entry against the row it names: each field in `columns` repeats that column."""
    row = rows.get(entry.get("ref"))
    if row is None:
        failures.append(f"{where}: names {entry.get('ref')}, which is not in the journal")
        return
    for field, column in columns.items():
        # A column added after the row was sealed is not in it: nothing sealed to compare.
        if column in row and entry.get(field) != row[column]:
            failures.append(
                f"{where} ({entry['ref']}): '{field}' is {entry.get(field)!r}, "
                f"its journal row says {row[column]!r}"
            )


def verify_views(pack: dict, rows: dict[str, dict], failures: list[str]) -> None:
    def check(where: str, entry: dict) -> None:
        _check_entry(where, entry, rows, ENTRY_COLUMNS, failures)

    for view in VIEWS:
        for position, entry in enumerate(pack[view]):
            check(f"{view}[{position}]", entry)
            for inner, vote in enumerate(entry.get("retrospective_approvals", [])):
                check(f"{view}[{position}].retrospective_approvals[{inner}]", vote)
    for position, entry in enumerate(pack["scope"]):
        if entry.get("ref") not in rows:
            failures.append(f"scope[{position}]: names {entry.get('ref')}, not in the journal")


def verify_sections(pack: dict, rows: dict[str, dict], failures: list[str]) -> list[str]:
    """The apps' sections (optional, schema version 1 since they were added): each entry's
    who/when/where/why and every field its section says repeats a column. Returns their names.
    The declarations travel in the pack: validating it against the published JSON Schema
    catches a section whose declaration was cut down."""
    checked = []
    for name, section in sorted(pack.get("sections", {}).items()):
        declared = {f["name"]: f["column"] for f in section["fields"] if f.get("column")}
        columns = declared | ENTRY_COLUMNS  # a declaration cannot loosen who/when/where/why
        for position, entry in enumerate(section["entries"]):
            where = f"sections.{name}[{position}]"
            table = section["table"]
            if not str(entry.get("ref")).startswith(f"{table}#"):
                failures.append(f"{where}: names {entry.get('ref')}, not a row of {table}")
                continue
            _check_entry(where, entry, rows, columns, failures)
        checked.append(f"{name} ({len(section['entries'])})")
    return checked


def verify_pack(pack: Any, public_keys: list[bytes]) -> tuple[list[str], str]:
    """The failures (empty: intact) and a one-line summary."""
    if not isinstance(pack, dict) or pack.get("schema_version") != SCHEMA_VERSION:
        raise Unreadable(f"not an evidence pack of schema version {SCHEMA_VERSION}")
    missing = [k for k in ("journal", "seals", "schemas", "scope", *VIEWS) if k not in pack]
    if missing:
        raise Unreadable(f"the pack lacks {', '.join(missing)}")
    keys = {key_id(key): key for key in public_keys}
    failures: list[str] = []
    seals = verify_seals(pack, keys, failures)
    rows = verify_rows(pack, seals, failures)
    verify_views(pack, rows, failures)
    sections = verify_sections(pack, rows, failures)
    release = pack.get("release", {}).get("code", "?")
    summary = (
        f"release {release}: {len(pack['journal'])} journal rows in {len(pack['seals'])} seals, "
        f"signed by {', '.join(sorted(keys))}"
    )
    if sections:
        summary += f"; sections {', '.join(sections)}"
    return failures, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pack", help="the evidence pack (JSON)")
    parser.add_argument(
        "--public-key", action="append", required=True, help="hex, base64 or a file"
    )
    options = parser.parse_args(argv)
    try:
        keys = [_public_key(text) for text in options.public_key]
        try:
            pack = json.loads(Path(options.pack).read_bytes())
        except (OSError, ValueError) as error:
            raise Unreadable(f"{options.pack}: {error}") from None
        failures, summary = verify_pack(pack, keys)
    except Unreadable as error:
        print(f"cannot verify: {error}", file=sys.stderr)
        return 2
    except (KeyError, TypeError, AttributeError) as error:
        print(f"cannot verify: the pack is malformed ({error!r})", file=sys.stderr)
        return 2
    for failure in failures:
        print(f"FAIL {failure}")
    if failures:
        print(f"{len(failures)} failure(s); {summary}")
        return 1
    print(f"OK {summary}: every row is covered by a signed seal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
