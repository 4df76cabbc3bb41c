"""The latest seal's digest on the journal pages, and its export to keep elsewhere."""

import base64
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.html import escape

from evidence.models import Seal
from evidence.services import journal_seal
from evidence.views import ONLY_SUPERUSERS


def test_the_journal_pages_show_the_latest_seals_digest(team):
    item = team.item()
    journal_seal()
    seal = Seal.objects.order_by("-number").first()
    for url in ("/projects/PAY/journal/", f"/projects/PAY/items/{item.number}/journal/"):
        page = team.client(team.viewer).get(url).text
        assert f'<code title="{seal.digest}">{seal.digest[:16]}…</code>' in page
        assert f"seal {seal.number} of" in page
        assert "Export the seal" not in page  # administrators export it
    page = team.client(team.admin).get("/journal/").text
    assert seal.digest in page
    assert "/journal/seal.json" in page


def test_an_unsealed_journal_says_so(team):
    page = team.client(team.viewer).get("/projects/PAY/journal/").text
    assert "Not sealed yet" in page


def test_the_exported_seal_carries_what_an_auditor_needs_to_check_it(team):
    team.item()
    journal_seal()
    seal = Seal.objects.order_by("-number").first()
    response = team.client(team.admin).get("/journal/seal.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f"journal-seal-{seal.number}.json" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["seal"]["digest"] == seal.digest
    assert document["seal"]["root"] == seal.root
    assert document["algorithm"] == "Ed25519"
    raw = base64.urlsafe_b64decode(document["public_key"] + "=")
    Ed25519PublicKey.from_public_bytes(raw).verify(
        bytes.fromhex(document["seal"]["signature"]), bytes.fromhex(seal.digest)
    )


def test_only_administrators_export_the_seal(team):
    for user in (team.manager, team.viewer, team.outsider):
        response = team.client(user).get("/journal/seal.json")
        assert response.status_code == 403
        assert escape(ONLY_SUPERUSERS) in response.text


def test_the_seal_export_needs_a_login_and_only_answers_get(team, client):
    response = client.get("/journal/seal.json")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert team.client(team.admin).post("/journal/seal.json").status_code == 405
