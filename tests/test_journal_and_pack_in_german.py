"""A German reader reads the journal's field changes, the checks a vote or sign-off passed, and
the printable evidence pack's codes and headings in German; the English reader reads them as
before, and the pack's JSON stays the same English bytes for both."""

import re
from html import unescape

from django.test import Client
from django.utils import translation

from approvals.sod import sod_checks_said
from tests.conftest import Team
from tests.factories import UserFactory
from tests.governance_fixtures import *  # noqa: F403  (the rules fixture)
from tests.test_evidence_pack import PACK, story  # noqa: F401  (the story fixture)
from tests.test_evidence_pack_sections import story as sections_story  # noqa: F401
from tests.test_journal_words import JOURNAL, entries
from tests.vcs_support import *  # noqa: F403  (the fixtures of the sections' story)

PACK_PAGE = "/projects/PAY/evidence/pack.html"


def german(team: Team, user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(user)
    return client


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def edit_the_release(team: Team) -> None:
    nina = UserFactory(username="nina")
    response = team.client(team.manager).post(
        "/projects/PAY/edit/",
        {
            "name": "Payments 4.2",
            "lifecycle": "released",
            "release_manager": nina.pk,
            "actual_release_date": "2026-11-30",
        },
    )
    assert response.status_code == 302


def test_a_german_reader_reads_the_release_edits_field_names_in_german(team: Team) -> None:
    edit_the_release(team)

    lines = entries(german(team, team.viewer).get(JOURNAL).text)

    (line,) = [line for line in lines if "actual release date" in line or "Release-Datum" in line]
    assert "tatsächliches Release-Datum : — → 2026-11-30" in line
    assert "Release-Manager : maria → nina" in line
    assert "Lebenszyklus :" in line
    assert "actual release date" not in line


def test_an_english_reader_still_reads_the_derived_field_names(team: Team) -> None:
    edit_the_release(team)

    lines = entries(team.client(team.viewer).get(JOURNAL).text)

    (line,) = [line for line in lines if "Project PAY · Edited" in line]
    assert "actual release date : — → 2026-11-30" in line
    assert "lifecycle : In progress → Released" in line


def test_the_stored_segregation_checks_read_in_the_readers_language() -> None:
    stored = "not the author, not the assignee, not the requester"

    assert sod_checks_said(stored) == stored
    with translation.override("de"):
        assert sod_checks_said(stored) == (
            "nicht der Autor, nicht der Zuständige, nicht der Antragsteller"
        )
        assert sod_checks_said("not the implementing developer") == (
            "nicht der umsetzende Entwickler"
        )
        # An older wording the catalogue does not know shows as it was stored.
        assert sod_checks_said("checked by hand") == "checked by hand"
        assert sod_checks_said("") == ""


def test_a_german_reader_of_the_pack_page_reads_codes_as_words(story: Team) -> None:  # noqa: F811
    page = text(german(story, story.manager).get(PACK_PAGE).text)

    assert "erstellt von" in page
    assert "(IP —)" in page
    assert "created von" not in page
    assert " aus —" not in page
    assert "genehmigt" in page


def test_an_english_reader_of_the_pack_page_reads_its_codes(story: Team) -> None:  # noqa: F811
    page = text(story.client(story.manager).get(PACK_PAGE).text)

    assert re.search(r"created by \S+ from —", page)
    assert "approve" in page
    assert (
        german(story, story.manager).get(PACK).content
        == story.client(story.manager).get(PACK).content
    )


def test_a_german_reader_reads_the_sections_headings_and_relations(
    sections_story: Team,  # noqa: F811
) -> None:
    page = text(german(sections_story, sections_story.manager).get(PACK_PAGE).text)

    assert "Bezug zu diesem Release verursacht" in page
    assert "Verursacht durch Änderung" in page
    assert "Commit oder Merge Request" in page
    assert "To this release" not in page


def test_a_german_reader_reads_an_emergency_moves_blockers_as_recorded_text(
    story: Team,  # noqa: F811
) -> None:
    journal = unescape(german(story, story.manager).get(JOURNAL).text)

    # What the move skipped is stored in English: quoted as recorded, not part of the sentence.
    assert "übergangen (wie erfasst): “" in journal
    assert "vorbei an:" not in journal
