"""Reading seals: the latest one (shown on the journal pages, exported for safekeeping)."""

from typing import Any

from evidence.crypto import public_key_b64, signing_key
from evidence.models import Seal


def seal_latest() -> Seal | None:
    return Seal.objects.order_by("-number").first()


def seal_digests_present(*, digests: list[str]) -> set[str]:
    return set(Seal.objects.filter(digest__in=digests).values_list("digest", flat=True))


def seal_export(*, seal: Seal | None) -> dict[str, Any]:
    """What to keep outside the database: with it, a later verify proves the journal up to
    this seal is the one that was exported (docs/EVIDENCE.md)."""
    key = signing_key().public_key()
    if seal is None:
        return {"seal": None, "public_key": public_key_b64(key), "algorithm": "Ed25519"}
    return {
        "seal": {
            "number": seal.number,
            "sealed_at": seal.sealed_at.isoformat(),
            "digest": seal.digest,
            "previous": seal.previous,
            "root": seal.root,
            "rows": seal.rows,
            "schema": seal.schema_id,
            "backfill": seal.backfill,
            "key_id": seal.key_id,
            "signature": seal.signature,
        },
        "public_key": public_key_b64(key),
        "algorithm": "Ed25519",
    }
