"""Offline verification of an evidence pack (issue 13.5): scripts/verify_pack.py, standard
library only, accepts an intact pack and names the row, seal or field of an altered one."""

import copy
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidence.crypto import canonical, leaf_hash, merkle_root, public_key_b64, signing_key
from evidence.proofs import MerkleTree, proof_root
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.test_evidence_pack import PACK, release_story

SCRIPT = Path(__file__).parents[1] / "scripts" / "verify_pack.py"
_spec = importlib.util.spec_from_file_location("verify_pack", SCRIPT)
verify_pack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verify_pack)


def public_key() -> str:
    return public_key_b64(signing_key().public_key())


@pytest.fixture
def pack(team: Team, rules: dict) -> dict:
    release_story(team)
    return json.loads(team.client(team.manager).get(PACK).content)


def run(pack: dict | bytes, tmp_path: Path, *keys: str) -> subprocess.CompletedProcess:
    """The script as an auditor runs it: its own process, isolated (-I) and without
    site-packages (-S), so it can import nothing but the standard library."""
    path = tmp_path / "pack.json"
    path.write_bytes(pack if isinstance(pack, bytes) else json.dumps(pack).encode())
    arguments = [arg for key in keys or (public_key(),) for arg in ("--public-key", key)]
    return subprocess.run(  # noqa: S603  (this interpreter, the script, a file we wrote)
        [sys.executable, "-I", "-S", str(SCRIPT), str(path), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def journal_entry(pack: dict, ref: str) -> dict:
    table, pk = ref.split("#")
    return next(e for e in pack["journal"] if (e["table"], e["pk"]) == (table, int(pk)))


# --- An intact pack ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_script_accepts_an_intact_pack(pack: dict, tmp_path: Path) -> None:
    result = run(pack, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK release PAY:")
    assert f"{len(pack['journal'])} journal rows" in result.stdout


@pytest.mark.django_db
def test_the_script_reads_the_key_from_hex_or_from_the_exported_seal_file(
    pack: dict, tmp_path: Path
) -> None:
    raw = signing_key().public_key().public_bytes_raw()
    exported = tmp_path / "journal-seal.json"
    exported.write_text(json.dumps({"public_key": public_key(), "algorithm": "Ed25519"}))

    assert run(pack, tmp_path, raw.hex()).returncode == 0
    assert run(pack, tmp_path, str(exported)).returncode == 0


def test_the_script_imports_only_the_standard_library() -> None:
    probe = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('vp', {str(SCRIPT)!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(  # noqa: S603  (this interpreter, a fixed probe)
        [sys.executable, "-I", "-S", "-c", probe], capture_output=True, text=True, check=True
    )
    imported = set(result.stdout.split())
    assert imported, result.stderr
    assert imported - {"__main__"} <= set(sys.stdlib_module_names) | set(sys.builtin_module_names)


# --- Altered packs ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_byte_changed_in_a_row_fails_and_names_the_row(pack: dict, tmp_path: Path) -> None:
    moved = next(t for t in pack["transitions"] if t["reason"] == "Reviewed, integrating.")
    raw = json.dumps(pack).encode()
    assert raw.count(b"Reviewed, integrating.") == 2  # the row, and the transition naming it

    result = run(raw.replace(b"Reviewed, integrating.", b"Reviewed, integrating!"), tmp_path)

    assert result.returncode == 1
    assert (
        f"FAIL row {moved['ref']}: its content and proof do not lead to the root" in result.stdout
    )


@pytest.mark.django_db
def test_an_altered_row_fails_even_when_its_view_agrees(pack: dict, tmp_path: Path) -> None:
    altered = copy.deepcopy(pack)
    vote = altered["approvals"][0]
    journal_entry(altered, vote["ref"])["row"]["approver_id"] = 999

    result = run(altered, tmp_path)

    assert result.returncode == 1
    assert f"FAIL row {vote['ref']}: its content and proof" in result.stdout


@pytest.mark.django_db
def test_a_view_that_contradicts_its_row_fails_and_names_the_field(
    pack: dict, tmp_path: Path
) -> None:
    altered = copy.deepcopy(pack)
    position, moved = next(
        (i, t) for i, t in enumerate(altered["transitions"]) if t["ip"] == "198.51.100.7"
    )
    moved["ip"] = "10.0.0.1"

    result = run(altered, tmp_path)

    assert result.returncode == 1
    assert (
        f"FAIL transitions[{position}] ({moved['ref']}): 'ip' is '10.0.0.1', "
        "its journal row says '198.51.100.7'"
    ) in result.stdout


@pytest.mark.django_db
def test_an_altered_seal_fails_and_names_the_seal(pack: dict, tmp_path: Path) -> None:
    altered = copy.deepcopy(pack)
    seal = altered["seals"][0]
    seal["rows"] += 1

    result = run(altered, tmp_path)

    assert result.returncode == 1
    assert f"FAIL seal {seal['number']}: its fields no longer hash to its digest" in result.stdout


@pytest.mark.django_db
def test_a_seal_re_signed_with_another_key_fails(pack: dict, tmp_path: Path) -> None:
    altered = copy.deepcopy(pack)
    seal = altered["seals"][0]
    seal["signature"] = Ed25519PrivateKey.generate().sign(bytes.fromhex(seal["digest"])).hex()

    result = run(altered, tmp_path)

    assert result.returncode == 1
    assert f"FAIL seal {seal['number']}: the signature does not match its digest" in result.stdout


@pytest.mark.django_db
def test_an_altered_proof_fails_and_names_the_row(pack: dict, tmp_path: Path) -> None:
    altered = copy.deepcopy(pack)
    entry = next(e for e in altered["journal"] if e["proof"])
    entry["proof"][0] = hashlib.sha256(b"forged").hexdigest()

    result = run(altered, tmp_path)

    assert result.returncode == 1
    ref = f"{entry['table']}#{entry['pk']}"
    assert f"FAIL row {ref}: its content and proof do not lead to the root" in result.stdout


@pytest.mark.django_db
def test_a_row_moved_to_another_leaf_index_fails(pack: dict, tmp_path: Path) -> None:
    altered = copy.deepcopy(pack)
    entry = next(e for e in altered["journal"] if e["index"] == 0)
    entry["index"] = 1

    result = run(altered, tmp_path)

    assert result.returncode == 1
    assert f"FAIL row {entry['table']}#{entry['pk']}:" in result.stdout


@pytest.mark.django_db
def test_a_pack_checked_with_another_key_fails(pack: dict, tmp_path: Path) -> None:
    stranger = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()

    result = run(pack, tmp_path, stranger)

    assert result.returncode == 1
    assert "not a key given" in result.stdout


@pytest.mark.django_db
def test_an_unsealed_row_fails(pack: dict, tmp_path: Path) -> None:
    altered = copy.deepcopy(pack)
    entry = altered["journal"][0]
    entry.update(seal=None, index=None, proof=[])

    result = run(altered, tmp_path)

    assert result.returncode == 1
    ref = f"{entry['table']}#{entry['pk']}"
    assert f"FAIL row {ref}: not covered by any seal (unsealed)" in result.stdout


def test_garbage_or_a_bad_key_cannot_be_verified(tmp_path: Path) -> None:
    assert run(b"not json", tmp_path).returncode == 2
    assert run({"schema_version": 99}, tmp_path).returncode == 2
    result = run({"schema_version": 1}, tmp_path, "too-short")
    assert result.returncode == 2
    assert "not a 32-byte key" in result.stderr


# --- The script's cryptography against the portal's ------------------------------------------


def test_the_scripts_ed25519_agrees_with_the_cryptography_library() -> None:
    for number in range(8):
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes_raw()
        message = hashlib.sha256(str(number).encode()).digest()
        signature = key.sign(message)

        assert verify_pack.ed25519_verify(public, message, signature)
        assert not verify_pack.ed25519_verify(public, message + b"x", signature)
        forged = bytes([signature[0] ^ 1]) + signature[1:]
        assert not verify_pack.ed25519_verify(public, message, forged)


def test_the_scripts_ed25519_passes_rfc_8032_test_vector_1() -> None:
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
        "701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert verify_pack.ed25519_verify(public, b"", signature)


def test_the_scripts_canonical_form_and_hashes_are_the_portals() -> None:
    row = {"history_date": "2026-12-01T10:00:00+00:00", "title": "Zahlung über 5 €", "n": 3}
    assert verify_pack.canonical("t", 7, row) == canonical(table="t", pk=7, row=row)
    assert verify_pack.leaf_hash(b"x") == leaf_hash(b"x")


def test_every_inclusion_proof_leads_to_the_seals_root() -> None:
    for size in range(1, 40):
        leaves = [leaf_hash(str(i).encode()) for i in range(size)]
        tree = MerkleTree(leaves)
        assert tree.root == merkle_root(leaves)
        for index in range(size):
            path = tree.proof(index)
            assert proof_root(leaf=leaves[index], index=index, size=size, path=path) == tree.root
            assert verify_pack.proof_root(leaves[index], index, size, path) == tree.root
