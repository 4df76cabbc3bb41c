"""The evidence pack as a PDF (WeasyPrint): it renders, and its text names the release."""

import pytest

from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.pdf_text import pdf_text
from tests.test_evidence_pack import JUSTIFICATION, release_story

pytestmark = pytest.mark.django_db


def test_the_pdf_renders_and_its_text_names_the_release(team: Team, rules: dict) -> None:
    release_story(team)

    response = team.client(team.manager).get("/projects/PAY/evidence/pack.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="PAY-evidence-pack.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    text = " ".join(pdf_text(response.content).split())
    assert "Evidence pack: Payments 4.2 (PAY)" in text
    assert JUSTIFICATION in text
    assert "198.51.100.7" in text
