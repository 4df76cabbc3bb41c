"""The cryptography of seals: canonical row content, leaf and node hashes (RFC 6962 style,
so a pack can carry inclusion proofs), seal digests and their Ed25519 signatures."""

import base64
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
BAD_SIGNING_KEY = (
    "SEAL_SIGNING_KEY must be 32 bytes in URL-safe base64 (manage.py journal_seal --new-key)."
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot seal a {type(value).__name__}")


def canonical(*, table: str, pk: int, row: dict[str, Any]) -> bytes:
    """Every column of the row, with its table and key: sorted JSON, UTC ISO datetimes."""
    document = {"table": table, "pk": pk, "row": row}
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    ).encode()


def leaf_hash(content: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + content).digest()


def merkle_root(leaves: Iterable[bytes]) -> bytes:
    """The root of the leaves in order; a lone node at the end of a level goes up as is.
    Streams: keeps one pending node per level (log n of them), never the whole list."""
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees
    for leaf in leaves:
        node, height = leaf, 0
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            node, height = hashlib.sha256(NODE_PREFIX + left + node).digest(), height + 1
        stack.append((height, node))
    if not stack:
        return hashlib.sha256(b"").digest()
    _, node = stack.pop()
    while stack:  # fold the smaller right-hand subtrees into the bigger left ones
        _, left = stack.pop()
        node = hashlib.sha256(NODE_PREFIX + left + node).digest()
    return node


def seal_document(
    *,
    number: int,
    sealed_at: datetime,
    previous: str,
    root: str,
    rows: int,
    schema: str,
    backfill: bool,
    key_id: str,
) -> bytes:
    return canonical(
        table="evidence_seal",
        pk=number,
        row={
            "number": number,
            "sealed_at": sealed_at,
            "previous": previous,
            "root": root,
            "rows": rows,
            "schema": schema,
            "backfill": backfill,
            "key_id": key_id,
        },
    )


def schema_digest(tables: dict[str, list[str]]) -> str:
    return hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()


@cache
def _private_key(setting: str) -> Ed25519PrivateKey:
    try:
        seed = base64.urlsafe_b64decode(setting + "=" * (-len(setting) % 4))
    except ValueError:
        raise ImproperlyConfigured(BAD_SIGNING_KEY) from None
    if len(seed) != 32:
        raise ImproperlyConfigured(BAD_SIGNING_KEY)
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    return _private_key(settings.SEAL_SIGNING_KEY)


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def public_key_b64(key: Ed25519PublicKey) -> str:
    return base64.urlsafe_b64encode(public_key_bytes(key)).decode().rstrip("=")


def verification_keys() -> dict[str, Ed25519PublicKey]:
    """The current key's public half, plus retired ones (SEAL_VERIFY_KEYS) for older seals."""
    keys = [signing_key().public_key()]
    for text in settings.SEAL_VERIFY_KEYS:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        keys.append(Ed25519PublicKey.from_public_bytes(raw))
    return {key_id_of(key): key for key in keys}


def signature_valid(*, key: Ed25519PublicKey, digest: str, signature: str) -> bool:
    try:
        key.verify(bytes.fromhex(signature), bytes.fromhex(digest))
    except (InvalidSignature, ValueError):
        return False
    return True
