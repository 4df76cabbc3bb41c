"""The sections other apps add to a release's evidence pack (evidence/pack_sections.py): the
commits and merge requests linked to its items, the help-desk tickets it caused or its changes
fix, its imports. Their rows are sealed and proven like the others, they validate against the
published schema, verify offline, and cost a constant number of queries."""

import copy
import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone

from evidence.pack import pack_build, pack_serialise
from evidence.pack_sections import PackField, PackSection, pack_section_register
from evidence.services import journal_seal
from helpdesk import services as helpdesk
from helpdesk.models import Ticket
from helpdesk.services import TicketValues
from imports.models import ItemImport
from items.models import ReleaseItem
from tests.conftest import Team
from tests.factories import ItemFactory, ProjectFactory
from tests.test_evidence_pack import PACK, SCHEMA
from tests.test_evidence_pack_verify import journal_entry, run
from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import github_post, payload
from vcs.models import LinkKind, Provider, VcsLink, Webhook

pytestmark = pytest.mark.django_db

OPENED = timezone.now() - timedelta(days=3)
ROUND_FEES = "4f2c2d1b7a3e9c05e1d7f6a8b9c0d1e2f3a4b5c6"
ROUND_FEES_MESSAGE = (
    "Round fees to the cent (PAY-1)\n\nThe gateway rejected amounts with three decimals."
)
FIXES = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"


def ticket(team: Team, reference: str, *, by: object = None, **links: object) -> Ticket:
    return helpdesk.ticket_create(
        user=by or team.manager,
        values=TicketValues(
            reference=reference,
            kind="incident",
            title="Card fees off by a cent",
            opened_at=OPENED,
            **links,
        ),
    )


@pytest.fixture
def story(team: Team, github: Webhook, items: list[ReleaseItem]) -> Team:
    """PAY-1 named by a commit, PAY-2 fixed by one ("Fixes PAY-2" moved it); INC-1 caused by
    PAY-1's change, PRB-2 fixed by PAY-2's; an import of sprint.csv."""
    assert github_post(github, payload("github_push")).status_code == 200
    ticket(team, "INC-1", caused_by_release=team.project, caused_by_change=items[0].change)
    ticket(team, "PRB-2", fixed_by_change=items[1].change)
    receipt = ItemImport(
        project=team.project,
        created_by=team.manager,
        file_name="sprint.csv",
        sha256="ab" * 32,
        nonce="n-1",
        created=3,
        updated=1,
        moved=1,
    )
    receipt._history_user = team.manager
    receipt.save()
    return team


def download(team: Team) -> dict:
    response = team.client(team.manager).get(PACK)
    assert response.status_code == 200
    return json.loads(response.content)


def entries(pack: dict, section: str) -> list[dict]:
    return pack["sections"][section]["entries"]


# --- Content -----------------------------------------------------------------------------------


def test_the_pack_lists_each_linked_commit_with_its_id_author_message_url_and_time(
    story: Team,
) -> None:
    commits = {entry["item"]: entry for entry in entries(download(story), "commits")}

    assert set(commits) == {"PAY-1", "PAY-2"}
    commit = commits["PAY-1"]
    assert (commit["commit"], commit["link"], commit["provider"]) == (
        ROUND_FEES,
        "commit",
        "github",
    )
    assert commit["author"] == "Codertocat"
    assert commit["message"] == ROUND_FEES_MESSAGE
    assert commit["url"] == f"https://github.com/Codertocat/Hello-World/commit/{ROUND_FEES}"
    assert commit["when"] == "2019-05-15T20:20:30+00:00"  # as sealed: UTC
    assert commit["repository"] == "Codertocat/Hello-World"
    assert commit["ref"].startswith("vcs_historicalvcslink#")


def test_a_closing_reference_says_what_it_asked_of_the_engine(story: Team) -> None:
    fixes = next(e for e in entries(download(story), "commits") if e["commit"] == FIXES)

    assert (fixes["item"], fixes["closing_verb"], fixes["move_outcome"]) == (
        "PAY-2",
        "Fixes",
        "moved",
    )
    assert fixes["move_reason"] == "Moved to 1 - Ready for Review."
    assert fixes["by"] == "ci-bot"


def test_the_pack_lists_the_tickets_the_release_caused_or_its_changes_fix(
    story: Team, items: list[ReleaseItem]
) -> None:
    tickets = {entry["reference"]: entry for entry in entries(download(story), "tickets")}

    caused, fixed = tickets["INC-1"], tickets["PRB-2"]
    assert (caused["relation"], caused["caused_by_change"]) == ("caused", items[0].change.key)
    assert (fixed["relation"], fixed["fixed_by_change"]) == ("fixed", items[1].change.key)
    assert caused["opened"] == OPENED.astimezone(timezone.UTC).isoformat()
    assert caused["resolved"] is None
    assert (caused["type"], caused["by"]) == ("incident", "maria")


def test_a_ticket_unlinked_from_the_release_stays_as_no_longer_linked(story: Team) -> None:
    caused = Ticket.objects.get(reference="INC-1")
    helpdesk.ticket_link_cause(user=story.manager, ticket_id=caused.pk, release=None)

    (entry,) = [e for e in entries(download(story), "tickets") if e["reference"] == "INC-1"]

    assert (entry["relation"], entry["caused_by_change"]) == ("no longer linked", None)
    assert entry["kind"] == "edited"


def test_an_import_names_its_file_its_digest_and_who_imported_it(story: Team) -> None:
    (receipt,) = entries(download(story), "imports")

    assert (receipt["file_name"], receipt["sha256"]) == ("sprint.csv", "ab" * 32)
    assert (receipt["created"], receipt["updated"], receipt["moved"]) == (3, 1, 1)
    assert receipt["imported_by"] == "maria"


def test_another_releases_commits_tickets_and_imports_are_not_in_the_pack(
    story: Team, github: Webhook
) -> None:
    other = ProjectFactory(code="CRM", release_manager=story.manager)
    elsewhere = ItemFactory(project=other, number=1)
    VcsLink.objects.create(
        item=elsewhere,
        provider=Provider.GITHUB,
        kind=LinkKind.COMMIT,
        repository="octo/crm",
        ref="f" * 40,
        title="CRM only",
    )
    ticket(story, "INC-9", by=story.admin, caused_by_release=other)
    ItemImport.objects.create(project=other, file_name="crm.csv", sha256="cd" * 32, nonce="n-9")

    pack = download(story)

    assert "CRM only" not in json.dumps(pack)
    assert "INC-9" not in json.dumps(pack)
    assert "crm.csv" not in json.dumps(pack)


def test_every_row_of_the_sections_is_in_the_journal_and_sealed(story: Team) -> None:
    pack = download(story)

    journal = {f"{e['table']}#{e['pk']}": e for e in pack["journal"]}
    for section in pack["sections"].values():
        for entry in section["entries"]:
            assert journal[entry["ref"]]["seal"] is not None
    assert pack["unsealed"] == []
    tables = {e["table"] for e in pack["journal"]}
    assert {"vcs_historicalvcslink", "helpdesk_historicalticket"} <= tables
    assert "imports_historicalitemimport" in tables


# --- Schema and determinism --------------------------------------------------------------------


def test_the_pack_with_its_sections_validates_against_its_published_schema(story: Team) -> None:
    pack = download(story)
    assert pack["schema_version"] == 1
    jsonschema.validate(pack, SCHEMA)


def test_a_pack_made_before_the_sections_still_validates(story: Team) -> None:
    older = download(story)
    del older["sections"]
    jsonschema.validate(older, SCHEMA)


def test_a_pack_whose_section_no_longer_declares_the_message_is_not_of_the_schema(
    story: Team,
) -> None:
    pack = download(story)
    fields = pack["sections"]["commits"]["fields"]
    next(f for f in fields if f["name"] == "message")["column"] = None

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(pack, SCHEMA)


def test_the_pack_with_its_sections_is_byte_identical_when_downloaded_twice(story: Team) -> None:
    client = story.client(story.manager)

    first, second = client.get(PACK).content, client.get(PACK).content

    assert first == second
    assert first == pack_serialise(pack=pack_build(project=story.project))


# --- Offline verification ----------------------------------------------------------------------


def test_the_script_accepts_a_pack_with_commits_and_tickets(story: Team, tmp_path: Path) -> None:
    result = run(download(story), tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "sections commits (2), imports (1), tickets (2)" in result.stdout


def test_a_commit_message_altered_in_the_pack_fails_and_names_the_row(
    story: Team, tmp_path: Path
) -> None:
    pack = download(story)
    commit = next(e for e in entries(pack, "commits") if e["commit"] == ROUND_FEES)
    raw = json.dumps(pack).encode()
    sealed = json.dumps(ROUND_FEES_MESSAGE).encode()[1:-1]
    assert raw.count(sealed) >= 2  # its row, and the entry naming it

    result = run(raw.replace(sealed, sealed.replace(b"cent", b"euro")), tmp_path)

    assert result.returncode == 1
    assert f"FAIL row {commit['ref']}: its content and proof do not lead to the root" in (
        result.stdout
    )


def test_a_commit_message_altered_in_its_entry_only_fails_and_names_the_field(
    story: Team, tmp_path: Path
) -> None:
    pack = download(story)
    position, commit = next(
        (i, e) for i, e in enumerate(entries(pack, "commits")) if e["commit"] == ROUND_FEES
    )
    commit["message"] = "Nothing to see."

    result = run(pack, tmp_path)

    assert result.returncode == 1
    assert (
        f"FAIL sections.commits[{position}] ({commit['ref']}): 'message' is 'Nothing to see.', "
        f"its journal row says {ROUND_FEES_MESSAGE!r}"
    ) in result.stdout


def test_an_altered_ticket_row_fails_and_names_the_row(story: Team, tmp_path: Path) -> None:
    altered = copy.deepcopy(download(story))
    caused = next(e for e in entries(altered, "tickets") if e["reference"] == "INC-1")
    journal_entry(altered, caused["ref"])["row"]["caused_by_release_id"] = None

    result = run(altered, tmp_path)

    assert result.returncode == 1
    assert f"FAIL row {caused['ref']}: its content and proof" in result.stdout


def test_a_section_entry_naming_a_row_of_another_table_fails(story: Team, tmp_path: Path) -> None:
    pack = download(story)
    tickets = entries(pack, "tickets")
    tickets[0]["ref"] = entries(pack, "commits")[0]["ref"]

    result = run(pack, tmp_path)

    assert result.returncode == 1
    assert "FAIL sections.tickets[0]: names vcs_historicalvcslink#" in result.stdout
    assert "not a row of helpdesk_historicalticket" in result.stdout


# --- The printable page ------------------------------------------------------------------------


def test_the_printable_page_shows_the_commits_tickets_and_imports(story: Team) -> None:
    html = story.client(story.manager).get("/projects/PAY/evidence/pack.html").text

    assert '<h2 id="section-commits-title">Commits and merge requests</h2>' in html
    assert f'<th scope="row">{ROUND_FEES}</th>' in html
    assert "The gateway rejected amounts with three decimals." in html
    assert '<h2 id="section-tickets-title">Help-desk tickets</h2>' in html
    assert '<th scope="row">INC-1</th>' in html
    assert "sprint.csv" in html
    assert "style=" not in html


# --- The registry ------------------------------------------------------------------------------


def test_a_second_section_over_a_source_already_shown_is_refused() -> None:
    again = PackSection(name="more_commits", label="Again", source="vcs", fields=())
    with pytest.raises(ValueError, match="journal source 'vcs' is in section commits"):
        pack_section_register(again)


def test_a_field_named_like_an_entrys_own_keys_is_refused() -> None:
    clash = PackSection(
        name="clash", label="Clash", source="nowhere", fields=(PackField("ref", "Ref", "ref"),)
    )
    with pytest.raises(ValueError, match="ref name every entry"):
        pack_section_register(clash)


# --- Queries -----------------------------------------------------------------------------------


def link_and_ticket(team: Team, number: int) -> None:
    """One more item with a commit and a ticket it caused, and one more import."""
    item = ItemFactory(project=team.project, number=number)
    VcsLink.objects.create(
        item=item,
        provider=Provider.GITHUB,
        kind=LinkKind.COMMIT,
        repository="octo/pay",
        ref=f"{number:040x}",
        title=f"Commit for {item.key}",
        message=f"Commit for {item.key}",
    )
    ticket(team, f"INC-{number}", caused_by_release=team.project, caused_by_change=item.change)
    ItemImport.objects.create(
        project=team.project, file_name=f"{number}.csv", sha256="ab" * 32, nonce=f"n-{number}"
    )
    journal_seal()


def test_building_the_pack_takes_a_constant_number_of_queries_whatever_its_links_and_tickets(
    team: Team, django_assert_num_queries
) -> None:
    # The 18 of the core pack (tests/test_evidence_pack.py), and one per section: commits,
    # tickets, imports.
    link_and_ticket(team, 1)
    with django_assert_num_queries(21):
        small = pack_build(project=team.project)
    for number in range(2, 8):
        link_and_ticket(team, number)
    with django_assert_num_queries(21):
        large = pack_build(project=team.project)
    assert len(entries(large, "commits")) == 7
    assert len(entries(large, "tickets")) == 7
    assert len(large["journal"]) > 3 * len(small["journal"])
