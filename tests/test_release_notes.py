"""Release notes: generated from the release's items, grouped by kind (features, fixes,
changes, known issues); the release manager adds an introduction and known issues and hides
internal items; shown as a page, downloadable as Markdown and HTML; published — kept as
published and journaled — when the release goes live."""

import datetime
import zoneinfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from items.models import Change, Kind, ReleaseItem
from projects.models import Lifecycle, ReleaseProject
from projects.services import project_update
from releases.models import NotesItemPlacement, Placement, PublishedNotes, ReleaseNotes
from releases.notes_selectors import md_escape, notes_generate, notes_markdown
from releases.notes_services import (
    NOTES_FROZEN,
    NOTES_STALE,
    UNKNOWN_ITEM,
    UNKNOWN_PLACEMENT,
    release_notes_update,
)
from releases.notes_views import BAD_FORMAT, BAD_VERSION
from releases.services import release_reopen
from tests.conftest import Team
from tests.factories import ItemFactory
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import DEVELOPING, PRODUCTION, item_in
from tests.stage_changes import admin_project_post, stage_set

pytestmark = pytest.mark.django_db

NOTES = "/projects/PAY/notes/"


@pytest.fixture
def items(team: Team) -> dict[str, ReleaseItem]:
    """One item of each kind, all shipped (in 5 - Ready for Production)."""
    found = {}
    for number, (kind, title, external) in enumerate(
        [
            (Kind.FEATURE, "Pay by instalments", "JIRA-1"),
            (Kind.BUG, "Rounding error on refunds", "JIRA-2"),
            (Kind.INCIDENT, "Timeouts at month end", ""),
            (Kind.PROBLEM, "Slow statement export", ""),
            (Kind.CHANGE_REQUEST, "New fee schedule", "CR-7"),
            (Kind.TASK, "Upgrade the build server", ""),
        ],
        start=1,
    ):
        found[kind] = item_in(
            team, PRODUCTION, number=number, kind=kind, title=title, external_key=external
        )
    return found


def save_notes(team: Team, *, client: Client | None = None, **data: str) -> object:
    notes = ReleaseNotes.objects.filter(project=team.project).first()
    body = {"introduction": "", "known_issues": "", "revision": notes.revision if notes else 0}
    body.update(data)
    return (client or team.client(team.manager)).post(NOTES, body)


def go_live(team: Team) -> None:
    """Release PAY through the portal's service, as its release manager."""
    project_update(access=team.access(team.manager), fields={"lifecycle": Lifecycle.RELEASED})


def section_keys(snapshot: dict) -> dict[str, list[str]]:
    return {s["name"]: [i["key"] for i in s["items"]] for s in snapshot["sections"]}


# --- Generated, grouped by kind ---------------------------------------------------------


def test_items_are_grouped_by_kind_with_key_title_and_external_key(team: Team, items) -> None:
    snapshot = notes_generate(project=team.project)

    assert section_keys(snapshot) == {
        "features": ["PAY-1"],
        "fixes": ["PAY-2", "PAY-3", "PAY-4"],
        "changes": ["PAY-5", "PAY-6"],
    }
    feature = snapshot["sections"][0]["items"][0]
    assert (feature["key"], feature["title"], feature["external_key"]) == (
        "PAY-1",
        "Pay by instalments",
        "JIRA-1",
    )


def test_the_notes_page_shows_the_items_by_kind(team: Team, items) -> None:
    response = team.client(team.viewer).get(NOTES)

    assert response.status_code == 200
    page = response.text
    assert page.index(">Features<") < page.index("PAY-1") < page.index(">Fixes<")
    assert page.index(">Fixes<") < page.index("Rounding error on refunds") < page.index(">Changes<")
    assert page.index(">Changes<") < page.index("New fee schedule (CR-7)")
    assert "Draft, generated" in page


def test_a_draft_marks_items_not_shipped_yet(team: Team) -> None:
    item_in(team, DEVELOPING, number=1, kind=Kind.FEATURE, title="Half done")

    page = team.client(team.manager).get(NOTES).text

    assert "not shipped yet: in 0 - Developing" in page


def test_the_project_page_links_to_the_notes(team: Team) -> None:
    page = team.client(team.viewer).get("/projects/PAY/").text

    assert 'href="/projects/PAY/notes/"' in page


# --- The release manager's part ---------------------------------------------------------


def test_the_manager_adds_an_introduction_hides_an_item_and_lists_a_known_issue(
    team: Team, items
) -> None:
    task, problem = items[Kind.TASK], items[Kind.PROBLEM]

    response = save_notes(
        team,
        introduction="Payments 4.2 brings instalments.\n\nThanks to all.",
        known_issues="Exports may be slow on Mondays.",
        **{f"placement-{task.pk}": Placement.HIDDEN, f"placement-{problem.pk}": "known_issue"},
    )

    assert response.status_code == 302
    snapshot = notes_generate(project=team.project)
    assert section_keys(snapshot) == {
        "features": ["PAY-1"],
        "fixes": ["PAY-2", "PAY-3"],
        "changes": ["PAY-5"],
        "known_issues": ["PAY-4"],
    }
    page = team.client(team.viewer).get(NOTES).text
    assert "<p>Payments 4.2 brings instalments.</p>" in page
    assert "Exports may be slow on Mondays." in page
    assert "Upgrade the build server" not in page


def test_every_change_of_the_managers_part_is_journaled(team: Team, items) -> None:
    task = items[Kind.TASK]
    save_notes(team, introduction="Hello", **{f"placement-{task.pk}": Placement.HIDDEN})
    save_notes(team, introduction="Hello", **{f"placement-{task.pk}": ""})

    notes = ReleaseNotes.history.filter(project=team.project).order_by("history_id")
    assert [(row.introduction, row.revision, row.history_user) for row in notes] == [
        ("Hello", 1, team.manager),
        ("Hello", 2, team.manager),
    ]
    placements = NotesItemPlacement.history.filter(item_id=task.pk).order_by("history_id")
    assert [(row.history_type, row.placement) for row in placements] == [
        ("+", Placement.HIDDEN),
        ("-", Placement.HIDDEN),
    ]
    assert not NotesItemPlacement.objects.exists()


def test_the_introduction_cannot_inject_html(team: Team) -> None:
    save_notes(team, introduction='<script src="/x.js"></script><a href="https://evil">x</a>')

    page = team.client(team.viewer).get(NOTES).text

    assert '<script src="/x.js">' not in page
    assert "&lt;script src=&quot;/x.js&quot;&gt;" in page
    assert '<a href="https://evil">' not in page


@pytest.mark.parametrize("user", ["developer", "qa", "approver", "viewer"])
def test_only_a_release_manager_edits_the_notes(team: Team, user: str) -> None:
    response = save_notes(team, client=team.client(getattr(team, user)), introduction="Mine")

    assert response.status_code == 403
    assert not ReleaseNotes.objects.exists()


def test_members_without_the_right_see_no_form(team: Team) -> None:
    assert "Edit the release notes" not in team.client(team.viewer).get(NOTES).text
    assert "Edit the release notes" in team.client(team.manager).get(NOTES).text


def test_an_outsider_gets_404_for_the_page_the_downloads_and_the_form(team: Team) -> None:
    client = team.client(team.outsider)

    assert client.get(NOTES).status_code == 404
    assert client.get(NOTES + "?format=md").status_code == 404
    assert save_notes(team, client=client, introduction="x").status_code == 404
    assert not ReleaseNotes.objects.exists()


def test_the_page_needs_a_login(team: Team) -> None:
    response = Client().get(NOTES)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_saving_needs_a_csrf_token(team: Team) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.manager)

    response = client.post(NOTES, {"introduction": "x", "known_issues": "", "revision": 0})

    assert response.status_code == 403
    assert not ReleaseNotes.objects.exists()


def test_a_stale_form_is_refused_with_409_and_changes_nothing(team: Team) -> None:
    save_notes(team, introduction="First")

    response = team.client(team.manager).post(
        NOTES, {"introduction": "Overwrites", "known_issues": "", "revision": 0}
    )

    assert response.status_code == 409
    assert NOTES_STALE.format(code="PAY") in response.text
    assert ReleaseNotes.objects.get().introduction == "First"


def test_an_over_long_introduction_is_a_400_and_changes_nothing(team: Team) -> None:
    response = save_notes(team, introduction="x" * 5_001)

    assert response.status_code == 400
    assert "at most 5000 characters" in response.text
    assert not ReleaseNotes.objects.exists()


def test_an_item_of_another_release_is_refused(team: Team, items) -> None:
    foreign = ItemFactory().pk  # an item of another release

    response = save_notes(team, introduction="x", **{f"placement-{foreign}": Placement.HIDDEN})

    assert response.status_code == 400
    assert UNKNOWN_ITEM.format(item=foreign, code="PAY") in response.text
    assert not ReleaseNotes.objects.exists()
    assert not NotesItemPlacement.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("placement-1x", "hidden", "is not an item's placement field"),
        ("placement-", "hidden", "is not an item's placement field"),
        ("placement-{pk}", "shown", UNKNOWN_PLACEMENT.format(placement="shown")),
    ],
)
def test_odd_placement_input_is_a_400(team: Team, items, field: str, value: str, message) -> None:
    field = field.format(pk=items[Kind.TASK].pk)

    response = save_notes(team, introduction="x", **{field: value})

    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.text
    assert not ReleaseNotes.objects.exists()


def test_the_service_refuses_an_unknown_placement(team: Team, items) -> None:
    from releases.notes_services import NotesError

    with pytest.raises(NotesError) as refused:
        release_notes_update(
            access=team.access(team.manager),
            introduction="",
            known_issues="",
            placements={items[Kind.TASK].pk: "shown"},
            revision=0,
        )

    assert refused.value.message == UNKNOWN_PLACEMENT.format(placement="shown")


# --- Downloads --------------------------------------------------------------------------


def test_markdown_download(team: Team, items) -> None:
    response = team.client(team.viewer).get(NOTES + "?format=md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="PAY-release-notes-draft.md"'
    text = response.content.decode()
    assert text.startswith("# Release notes: Payments 4.2 (PAY)\n")
    assert "## Features\n\n- **PAY-1** Pay by instalments (JIRA-1)\n" in text
    assert "## Fixes\n\n- **PAY-2** Rounding error on refunds (JIRA-2)\n" in text


def test_html_download_is_a_standalone_document_without_scripts(team: Team, items) -> None:
    response = team.client(team.viewer).get(NOTES + "?format=html")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="PAY-release-notes-draft.html"'
    html = response.content.decode()
    assert html.startswith("<!doctype html>")
    assert '<h2 id="notes-features-title">Features</h2>' in html
    assert "<script" not in html
    assert "<link" not in html
    assert "style=" not in html


@pytest.mark.parametrize("fmt", ["pdf", "MD", "md;rm -rf", "x" * 200])
def test_an_unknown_format_is_a_400_with_a_message(team: Team, fmt: str) -> None:
    response = team.client(team.viewer).get(NOTES, {"format": fmt})

    assert response.status_code == 400
    assert BAD_FORMAT.format(format=fmt[:20]).split("“")[0] in response.text


@pytest.mark.parametrize("version", ["one", "-1", "1.5", "9" * 30])
def test_an_odd_version_is_a_400(team: Team, version: str) -> None:
    response = team.client(team.viewer).get(NOTES, {"version": version})

    assert response.status_code == 400
    assert BAD_VERSION.split("“")[0] in response.text


def test_a_version_never_published_is_a_400(team: Team) -> None:
    response = team.client(team.viewer).get(NOTES, {"version": "3"})

    assert response.status_code == 400
    assert "PAY has no published release notes version 3." in response.text


def test_titles_cannot_inject_markdown_links_images_or_html(team: Team) -> None:
    item_in(
        team,
        PRODUCTION,
        number=1,
        kind=Kind.BUG,
        title="[click](https://evil) ![i](x.png) <img src=x onerror=alert(1)> **b** `c`",
        external_key="](javascript:x)",
    )

    text = notes_markdown(snapshot=notes_generate(project=team.project), stamp="s")

    line = next(line for line in text.splitlines() if line.startswith("- **PAY-1**"))
    # With "[", "]", "<" and ">" escaped, no link, image or tag can start.
    assert line == (
        r"- **PAY-1** \[click\](https://evil) !\[i\](x.png) \<img src=x onerror=alert(1)\>"
        r" \*\*b\*\* \`c\` (\](javascript:x))"
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# Heading", r"\# Heading"),
        ("- list", r"\- list"),
        ("1. numbered", r"1\. numbered"),
        ("    code block", "code block"),
        ("> quote", r"\> quote"),
        ("a_b*c", r"a\_b\*c"),
        ("back\\slash", r"back\\slash"),
        ("plain text (really).", "plain text (really)."),
        ("12) item", r"12\) item"),
        ("R&D &amp; &#60;", r"R&D \&amp; \&#60;"),
        ("a | b ~~c~~", r"a \| b \~\~c\~\~"),
    ],
)
def test_markdown_escaping(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


# --- Published when the release goes live -----------------------------------------------


def test_going_live_publishes_the_notes_journaled(team: Team, items) -> None:
    save_notes(team, introduction="Instalments at last.")

    go_live(team)

    published = PublishedNotes.objects.get(project=team.project)
    assert published.version == 1
    assert published.published_by == team.manager
    assert published.published_by_name == "maria"
    assert published.snapshot["introduction"] == "Instalments at last."
    assert section_keys(published.snapshot)["features"] == ["PAY-1"]
    assert "Published " in published.markdown
    assert "by maria (version 1)." in published.markdown
    assert "- **PAY-1** Pay by instalments (JIRA-1)" in published.markdown
    journal = PublishedNotes.history.get(project=team.project)
    assert journal.history_user == team.manager
    assert journal.history_change_reason == "Published when the release went live"


def test_the_published_text_is_in_the_installations_zone_whoever_publishes(
    team: Team, items
) -> None:
    # What accounts.middleware does for a publisher whose session holds Asia/Tokyo.
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        go_live(team)

    published = PublishedNotes.objects.get(project=team.project)
    at = published.published_at.astimezone(datetime.UTC)  # settings.TIME_ZONE in the tests
    assert f"_Published {at:%Y-%m-%d %H:%M} UTC by maria (version 1)._" in published.markdown
    assert "JST" not in published.markdown


def test_the_page_shows_the_published_version_not_a_live_regeneration(team: Team, items) -> None:
    go_live(team)
    # Anything changing the items afterwards (here directly, past every guard) does not
    # change what was published.
    Change.objects.filter(inclusions=items[Kind.FEATURE].pk).update(title="Renamed afterwards")

    response = team.client(team.viewer).get(NOTES)

    assert "by maria (version 1)." in response.text
    assert "Pay by instalments" in response.text
    assert "Renamed afterwards" not in response.text
    assert "Edit the release notes" not in team.client(team.manager).get(NOTES).text
    md = team.client(team.viewer).get(NOTES + "?format=md")
    assert md["Content-Disposition"] == 'attachment; filename="PAY-release-notes-v1.md"'
    assert md.content.decode() == PublishedNotes.objects.get().markdown


def test_a_released_release_refuses_edits_of_its_notes(team: Team, items) -> None:
    go_live(team)

    response = save_notes(team, introduction="Too late")

    assert response.status_code == 403
    assert NOTES_FROZEN.format(code="PAY") in response.text
    assert not ReleaseNotes.objects.filter(introduction="Too late").exists()


def test_releasing_again_after_a_reopening_publishes_a_second_version(team: Team, items) -> None:
    go_live(team)
    release_reopen(access=team.access(team.manager), reason="Hotfix for refunds")
    page = team.client(team.manager).get(NOTES).text
    assert "Draft, generated" in page
    assert "Version 1" in page
    save_notes(team, introduction="With the hotfix.")

    go_live(team)

    assert list(PublishedNotes.objects.values_list("version", flat=True)) == [2, 1]
    page = team.client(team.viewer).get(NOTES).text
    assert "With the hotfix." in page
    assert "(version 2)." in page
    first = team.client(team.viewer).get(NOTES, {"version": "1"}).text
    assert "With the hotfix." not in first
    assert "(version 1)." in first


def test_an_edit_of_a_released_release_publishes_nothing_more(team: Team, items) -> None:
    go_live(team)
    project_update(
        access=team.access(team.manager),
        fields={"lifecycle": Lifecycle.CLOSED, "description": "Done"},
    )

    assert PublishedNotes.objects.count() == 1


def test_closing_straight_away_also_publishes(team: Team, items) -> None:
    project_update(access=team.access(team.manager), fields={"lifecycle": Lifecycle.CLOSED})

    assert PublishedNotes.objects.get().version == 1


def test_a_refused_release_publishes_nothing(team: Team) -> None:
    item_in(team, DEVELOPING, number=1)

    response = team.client(team.manager).post(
        "/projects/PAY/edit/",
        {
            "name": "Payments 4.2",
            "lifecycle": Lifecycle.RELEASED,
            "release_manager": team.manager.pk,
        },
    )

    assert response.status_code == 400
    assert not PublishedNotes.objects.exists()


def test_the_admin_path_publishes_too(team: Team, items) -> None:
    response = admin_project_post(team, Lifecycle.RELEASED)

    assert response.status_code == 302
    published = PublishedNotes.objects.get()
    assert published.published_by == team.admin
    assert f"by {team.admin.get_username()}" in published.markdown


def test_a_stage_change_by_the_system_publishes_as_the_system(team: Team, items) -> None:
    stage_set(ReleaseProject.objects.get(code="PAY"), Lifecycle.RELEASED)

    published = PublishedNotes.objects.get()
    assert published.published_by is None
    assert "by the system" in published.markdown


@pytest.mark.usefixtures("postgres")
def test_published_notes_cannot_be_changed_or_deleted_in_the_database(team: Team, items) -> None:
    save_notes(team, introduction="Hello", **{f"placement-{items[Kind.TASK].pk}": "hidden"})
    go_live(team)
    published = PublishedNotes.objects.get()

    for sql in (
        "UPDATE releases_publishednotes SET markdown = 'forged'",
        "DELETE FROM releases_publishednotes",
        "UPDATE releases_historicalpublishednotes SET markdown = 'forged'",
        "UPDATE releases_historicalreleasenotes SET introduction = 'forged'",
        "DELETE FROM releases_historicalnotesitemplacement",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)

    assert PublishedNotes.objects.get().markdown == published.markdown


# --- The go-live mail carries the published notes ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_go_live_mail_carries_the_published_notes(team: Team, items) -> None:
    from django.core import mail

    from notifications.models import ReleaseMailing
    from tests.test_notifications import drain

    ReleaseMailing.objects.create(project=team.project, distribution_list="cab@example.com")
    save_notes(
        team,
        introduction="Instalments at last.",
        **{f"placement-{items[Kind.TASK].pk}": Placement.HIDDEN},
    )

    go_live(team)
    drain()

    (letter,) = mail.outbox
    assert letter.to == ["cab@example.com"]
    assert "Instalments at last." in letter.body
    assert "## Features\n\n- **PAY-1** Pay by instalments (JIRA-1)" in letter.body
    assert "by maria (version 1)." in letter.body
    assert "Upgrade the build server" not in letter.body  # hidden from the notes


def test_a_release_live_before_notes_existed_is_announced_with_its_items(team: Team) -> None:
    from notifications.letters import release_live_letters
    from notifications.models import ReleaseMailing

    item_in(team, PRODUCTION, number=1, kind=Kind.BUG, title="Fix rounding")
    ReleaseMailing.objects.create(project=team.project, distribution_list="cab@example.com")

    (letter,) = release_live_letters({"project_id": team.project.pk})

    assert letter["context"]["notes"] == ""
    assert letter["context"]["kinds"] == [("bug", ["PAY-1 Fix rounding"])]  # labelled when sent


def test_a_release_with_published_notes_cannot_be_deleted(team: Team) -> None:
    from django.db.models import ProtectedError

    project = ReleaseProject.objects.get(code="PAY")
    stage_set(project, Lifecycle.RELEASED)

    with pytest.raises(ProtectedError):
        project.delete()

    assert PublishedNotes.objects.filter(project__code="PAY").exists()


# --- On the release's journal page ---------------------------------------------------------


def test_the_releases_journal_shows_the_notes_changes_and_their_publication(
    team: Team, items
) -> None:
    save_notes(
        team,
        introduction="Instalments at last.",
        **{f"placement-{items[Kind.TASK].pk}": Placement.HIDDEN},
    )
    go_live(team)

    page = team.client(team.viewer).get("/projects/PAY/journal/").text

    assert "Release notes of PAY" in page
    assert "Introduction and known issues written" in page
    assert "PAY-6 hidden from the notes" in page
    assert "Version 1 published as the release went live" in page


# --- Odd input never fails with 500, and a refusal changes nothing --------------------------


def _notes_state() -> tuple:
    return (
        list(ReleaseNotes.objects.values_list("introduction", "known_issues", "revision")),
        sorted(NotesItemPlacement.objects.values_list("item_id", "placement")),
        ReleaseNotes.history.count(),
        NotesItemPlacement.history.count(),
    )


def test_random_posts_to_the_notes_never_fail_with_500_and_refusals_change_nothing(
    team: Team, items
) -> None:
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    task = items[Kind.TASK].pk
    keys = ["introduction", "known_issues", "revision", f"placement-{task}", "placement-x"]
    odd = st.one_of(
        st.text(max_size=40),
        st.sampled_from(["", "0", "-1", "hidden", "known_issue", "\x00", "9" * 30, "x" * 5_001]),
    )
    client = Client(raise_request_exception=False)
    client.force_login(team.manager)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(body=st.dictionaries(st.sampled_from(keys), st.one_of(odd, st.lists(odd, max_size=3))))
    @example(body={"revision": "0", "introduction": "a\x00b"})
    @example(body={"revision": "0", f"placement-{task}": "hidden", "known_issues": "x" * 5_001})
    @example(body={"revision": "0", f"placement-{task + 10_000}": "hidden"})
    @example(body={"revision": str(2**70)})
    def check(body: dict) -> None:
        before = _notes_state()
        response = client.post(NOTES, body)
        assert response.status_code < 500, (body, response.status_code)
        if response.status_code >= 400:
            assert _notes_state() == before, body
            assert response.content

    check()
