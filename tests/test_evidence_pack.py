"""The evidence pack of a release (issue 13.4): its content, its schema, byte-identical
regeneration, its printable forms, who may download it, and its constant query count."""

import json
from pathlib import Path

import jsonschema
import pytest
from django.test import Client
from django.utils.html import escape

from evidence.models import EvidenceView, Seal
from evidence.pack import pack_build, pack_serialise
from evidence.pack_views import PACK_FORBIDDEN
from evidence.services import journal_seal
from items.services import item_delete
from tests.conftest import Team
from tests.factories import ItemFactory, ProjectFactory, UserFactory
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    INTEGRATION,
    REVIEW,
    fresh,
    item_in,
    move,
    pass_tests,
    sign_off_and_accept,
    vote,
)
from tests.test_auditor_access import make_auditor

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parents[1] / "evidence/schema/pack-v1.json").read_text())
PACK = "/projects/PAY/evidence/pack.json"
JUSTIFICATION = "P1 incident INC-4711: card payments down."


def release_story(team: Team) -> None:
    """PAY-1: approved, moved from a browser, tested, signed off and accepted. PAY-2: forced
    past its approval in an emergency, approved afterwards."""
    first = item_in(team, REVIEW, number=1, state_entered_by=team.developer)
    vote(team, team.approver, first, to=INTEGRATION, comment="Looks right.")
    browser = Client(REMOTE_ADDR="198.51.100.7")
    browser.force_login(team.developer)
    first = fresh(first)
    response = browser.post(
        "/projects/PAY/items/1/move/",
        {"version": first.version, "direction": "next", "comment": "Reviewed, integrating."},
    )
    assert response.status_code == 302
    pass_tests(team, first)
    sign_off_and_accept(team, first)
    second = item_in(team, REVIEW, number=2, state_entered_by=team.developer)
    round_forced = second.round
    move(team, team.manager, second, to=INTEGRATION, comment=JUSTIFICATION, emergency=True)
    vote(
        team,
        team.approver,
        second,
        to=INTEGRATION,
        round=round_forced,
        from_state=REVIEW,
        comment="Checked after the fact.",
    )


@pytest.fixture
def story(team: Team, rules: dict) -> Team:
    release_story(team)
    return team


def download(team: Team) -> dict:
    response = team.client(team.manager).get(PACK)
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_pack_validates_against_its_published_schema(story: Team) -> None:
    jsonschema.validate(download(story), SCHEMA)


def find(entries: list[dict], **fields: object) -> dict:
    return next(e for e in entries if all(e.get(k) == v for k, v in fields.items()))


# --- Content -----------------------------------------------------------------------------------


def test_the_pack_names_the_release_and_its_scope_with_final_states(story: Team) -> None:
    pack = download(story)

    assert pack["schema_version"] == 1
    assert pack["release"] | {"stage": None} == {
        "code": "PAY",
        "name": "Payments 4.2",
        "stage": None,
        "planned_release_date": None,
        "actual_release_date": None,
        "release_manager": "maria",
    }
    assert [(e["item"], e["state"], e["removed"]) for e in pack["scope"]] == [
        ("PAY-1", "2 - Ready for Integration", False),
        ("PAY-2", "2 - Ready for Integration", False),
    ]


def test_a_transition_says_who_when_from_where_and_why(story: Team) -> None:
    moved = find(download(story)["transitions"], item="PAY-1", kind="moved")

    assert moved["by"] == "david"
    assert moved["ip"] == "198.51.100.7"
    assert moved["reason"] == "Reviewed, integrating."
    assert (moved["from_state"], moved["to_state"]) == (
        "1 - Ready for Review",
        "2 - Ready for Integration",
    )
    assert moved["at"].endswith("+00:00")  # UTC
    assert moved["emergency"] is False


def test_approvals_and_qa_records_name_their_voters_and_testers(story: Team) -> None:
    pack = download(story)

    vote = find(pack["approvals"], item="PAY-1")
    assert (vote["vote"], vote["approver"], vote["comment"]) == ("approve", "april", "Looks right.")
    run = find(pack["test_runs"], item="PAY-1")
    assert (run["test_case"], run["result"], run["tester"]) == (
        "Limit is enforced",
        "passed",
        "quinn",
    )
    assert find(pack["signoffs"], item="PAY-1")["tester"] == "quinn"
    accepted = find(pack["acceptances"], item="PAY-1")
    assert (accepted["decision"], accepted["decided_by"]) == ("accepted", "maria")


def test_an_emergency_move_carries_its_retrospective_approval(story: Team) -> None:
    pack = download(story)

    forced = find(pack["transitions"], item="PAY-2", kind="moved")
    assert forced["emergency"] is True
    (emergency,) = pack["emergency_moves"]
    assert emergency["item"] == "PAY-2"
    assert emergency["justification"] == JUSTIFICATION
    assert emergency["moved_by"] == "maria"
    assert emergency["retrospective_status"] == "given"
    (later,) = emergency["retrospective_approvals"]
    assert (later["approver"], later["comment"]) == ("april", "Checked after the fact.")


def test_an_emergency_move_without_its_approval_is_pending(team: Team, rules: dict) -> None:
    item = item_in(team, REVIEW, state_entered_by=team.developer)
    move(team, team.manager, item, to=INTEGRATION, comment=JUSTIFICATION, emergency=True)

    (emergency,) = download(team)["emergency_moves"]

    assert emergency["retrospective_status"] == "pending"
    assert emergency["retrospective_approvals"] == []


def test_the_rules_in_force_are_in_the_pack(story: Team, rules: dict) -> None:
    pack = download(story)

    assert len(pack["rules"]) == len(rules)
    review = find(
        pack["rules"], from_state="1 - Ready for Review", to_state="2 - Ready for Integration"
    )
    assert review["approvals_required"] == 1


def test_a_removed_item_stays_in_the_scope_as_removed(team: Team) -> None:
    item = team.item()
    item_delete(access=team.access(team.manager), item_id=item.pk, expected_version=item.version)

    (entry,) = download(team)["scope"]

    assert (entry["item"], entry["removed"]) == (item.key, True)
    assert find(download(team)["transitions"], kind="removed")["item"] == item.key


def test_the_scope_names_an_assignee_who_did_nothing_else(team: Team) -> None:
    team.item(assignee=UserFactory(username="zoe"))

    (entry,) = download(team)["scope"]

    assert entry["assignee"] == "zoe"


def test_another_releases_rows_are_not_in_the_pack(story: Team) -> None:
    other = ProjectFactory(code="CRM", release_manager=story.manager)
    ItemFactory(project=other, number=1)

    pack = download(story)

    items = {e["row"]["project_id"] for e in pack["journal"] if e["table"].endswith("releaseitem")}
    assert items == {story.project.pk}
    assert "CRM-1" not in json.dumps(pack)


# --- Seals and determinism ---------------------------------------------------------------------


def test_every_row_of_the_pack_is_sealed_when_it_is_downloaded(story: Team) -> None:
    assert not Seal.objects.exists()  # the test transaction never commits: nothing sealed yet

    pack = download(story)

    assert pack["unsealed"] == []
    assert all(entry["seal"] is not None for entry in pack["journal"])
    assert {s["number"] for s in pack["seals"]} == set(
        Seal.objects.values_list("number", flat=True)
    )
    assert pack["keys"][0]["key_id"] == pack["seals"][0]["key_id"]


def test_a_pack_downloaded_twice_is_byte_identical(story: Team) -> None:
    client = story.client(story.manager)

    first, second = client.get(PACK).content, client.get(PACK).content

    assert first == second
    assert first == pack_serialise(pack=pack_build(project=story.project))
    assert b"generated" not in first


def test_the_json_is_canonical(story: Team) -> None:
    body = story.client(story.manager).get(PACK).content
    pack = json.loads(body)

    assert (
        body == json.dumps(pack, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    keys = [(e["table"], e["pk"]) for e in pack["journal"]]
    assert keys == sorted(keys)


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["pack.json", "pack.html"])
def test_the_release_manager_and_an_administrator_download_the_pack(team: Team, path: str) -> None:
    team.item()
    for user in (team.manager, team.admin):
        response = team.client(user).get(f"/projects/PAY/evidence/{path}")
        assert response.status_code == 200


@pytest.mark.parametrize("path", ["pack.json", "pack.html", "pack.pdf"])
def test_other_members_may_not_download_the_pack(team: Team, path: str) -> None:
    for user in (team.developer, team.qa, team.approver, team.viewer):
        response = team.client(user).get(f"/projects/PAY/evidence/{path}")
        assert response.status_code == 403
        assert escape(PACK_FORBIDDEN) in response.text


@pytest.mark.parametrize("path", ["pack.json", "pack.html", "pack.pdf"])
def test_an_outsider_gets_404(team: Team, path: str) -> None:
    response = team.client(team.outsider).get(f"/projects/PAY/evidence/{path}")
    assert response.status_code == 404
    assert team.client(team.admin).get(f"/projects/NOPE/evidence/{path}").status_code == 404


def test_an_auditor_downloads_the_pack_of_any_release(story: Team) -> None:
    auditor = make_auditor()
    other = ProjectFactory(code="CRM", name="CRM 7", release_manager=story.manager)
    client = story.client(auditor)

    assert client.get(PACK).content == story.client(story.manager).get(PACK).content
    assert client.get("/projects/CRM/evidence/pack.html").status_code == 200
    assert 'href="/projects/PAY/evidence/pack.html"' in client.get("/projects/PAY/").text
    reads = EvidenceView.objects.filter(history_user=auditor)
    assert sorted(reads.values_list("project_code", "what")) == [
        ("CRM", "pack.html"),
        ("PAY", "pack.json"),
    ]
    assert other.pk in set(reads.values_list("project_id", flat=True))


@pytest.mark.parametrize("path", ["pack.json", "pack.html", "pack.pdf"])
def test_every_download_is_journaled_with_who_when_and_from_where(team: Team, path: str) -> None:
    team.item()
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(team.manager)

    assert client.get(f"/projects/PAY/evidence/{path}").status_code == 200

    (read,) = EvidenceView.objects.all()
    assert (read.history_user, read.ip_address) == (team.manager, "203.0.113.9")
    assert (read.project_code, read.what) == ("PAY", path)


def test_a_refused_download_journals_no_read(team: Team) -> None:
    team.client(team.viewer).get(PACK)
    team.client(team.outsider).get(PACK)
    assert not EvidenceView.objects.exists()


def test_the_reads_of_a_pack_are_not_in_the_pack(story: Team) -> None:
    client = story.client(story.manager)
    first = client.get(PACK).content
    assert first == client.get(PACK).content  # the first read's journal row changes nothing
    assert EvidenceView.objects.count() == 2
    tables = {entry["table"] for entry in json.loads(first)["journal"]}
    assert "evidence_evidenceview" not in tables


def test_the_pack_needs_a_login_and_only_answers_get(team: Team, client: Client) -> None:
    assert client.get(PACK).status_code == 302
    assert team.client(team.manager).post(PACK).status_code == 405


def test_the_release_page_links_the_pack_for_those_who_may_download_it(team: Team) -> None:
    link = 'href="/projects/PAY/evidence/pack.html"'
    assert link in team.client(team.manager).get("/projects/PAY/").text
    assert link in team.client(team.admin).get("/projects/PAY/").text
    assert link not in team.client(team.viewer).get("/projects/PAY/").text


def test_the_schema_is_published_without_a_login(client: Client) -> None:
    response = client.get("/evidence/schema/pack-v1.json")
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content)) == SCHEMA


# --- The printable page ------------------------------------------------------------------------


def test_the_printable_page_shows_the_pack_within_the_csp(story: Team) -> None:
    response = story.client(story.manager).get("/projects/PAY/evidence/pack.html")
    html = response.text

    assert "<h1>Evidence pack: Payments 4.2 (PAY)</h1>" in html
    assert "Reviewed, integrating." in html
    assert JUSTIFICATION in html
    assert "198.51.100.7" in html
    assert '<link rel="stylesheet" href="/static/css/evidence-print.css">' in html
    assert "style=" not in html
    assert "<style" not in html
    assert "<script" not in html
    assert "script-src" in response["Content-Security-Policy"]
    seal = Seal.objects.get()
    assert seal.digest in html


# --- Queries -----------------------------------------------------------------------------------


def sealed_story(team: Team, number: int) -> None:
    """More of everything: an item approved, tested, signed off, accepted and forced."""
    item = item_in(team, REVIEW, number=number, state_entered_by=team.developer)
    vote(team, team.approver, item, to=INTEGRATION)
    move(team, team.developer, item, direction="next", comment="on")
    pass_tests(team, item)
    sign_off_and_accept(team, item)
    forced = item_in(team, REVIEW, number=number + 1, state_entered_by=team.developer)
    move(team, team.manager, forced, to=INTEGRATION, comment=JUSTIFICATION, emergency=True)
    journal_seal()


def test_building_the_pack_takes_a_constant_number_of_queries(
    team: Team, rules: dict, django_assert_num_queries
) -> None:
    # 12 sources (release, members, items, changes, votes on items and on the release,
    # emergency moves, test cases, runs, sign-offs, acceptances, rules in force), the 3 the
    # apps' sections add (commits, tickets, imports: evidence/pack_sections.py), which of
    # their rows are sealed, the state names, the user names, the seals, their schemas and
    # their leaves.
    sealed_story(team, 1)
    with django_assert_num_queries(21):
        small = pack_build(project=team.project)
    for number in range(3, 13, 2):
        sealed_story(team, number)
    with django_assert_num_queries(21):
        large = pack_build(project=team.project)
    assert len(large["journal"]) > 2 * len(small["journal"])


def test_downloading_the_pack_takes_a_constant_number_of_queries(
    team: Team, rules: dict, django_assert_num_queries
) -> None:
    sealed_story(team, 1)
    client = team.client(team.manager)
    # The session, the user, the project with the user's role, the pack's 21, and the
    # download's journal row.
    with django_assert_num_queries(25):
        client.get(PACK)
    sealed_story(team, 3)
    with django_assert_num_queries(25):
        client.get(PACK)


# --- Languages ---------------------------------------------------------------------------------


def test_a_german_reader_reads_the_journal_in_german_and_gets_the_same_pack(story: Team) -> None:
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    german.force_login(story.manager)

    journal = german.get("/projects/PAY/journal/").text

    # The journal's words follow the reader; state names are data and stay as they are.
    assert "Verschoben von 1 - Ready for Review nach 2 - Ready for Integration" in journal
    assert "Notfallverschiebung" in journal
    assert "Moved from" not in journal
    assert german.get(PACK).content == story.client(story.manager).get(PACK).content
