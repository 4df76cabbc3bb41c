"""Comments on items: Markdown rendered inert, who may comment, append-only, journaled, and the
item page's conversation panel."""

import pytest
from django.urls import reverse

from conversation.markdown import markdown_render
from conversation.models import COMMENT_MAX, Comment, WatchChange
from conversation.services import COMMENT_EMPTY, COMMENT_TOO_LONG, comment_add
from journal.selectors import ITEM_SOURCES, JournalQuery, journal_entries
from notifications.models import Watch
from projects.models import Lifecycle
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def comment_url(team: Team, number: int = 1) -> str:
    return reverse("conversation:comment_add", kwargs={"code": "PAY", "number": number})


# --- Markdown ------------------------------------------------------------------------------


def test_a_script_tag_comes_out_as_text() -> None:
    html = markdown_render(text="<script>alert(1)</script>")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_raw_html_with_event_handlers_comes_out_as_text() -> None:
    html = markdown_render(text='<img src=x onerror="alert(1)"> <b onmouseover=x>hi</b>')
    assert "<img" not in html
    assert "<b " not in html
    assert "&lt;img" in html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#115;cript:alert(1))",
        "[x](data:text/html,hello)",
        "[x](vbscript:msgbox)",
        "[x](//evil.example/)",
        "<javascript:alert(1)>",
    ],
)
def test_dangerous_links_are_not_links(link: str) -> None:
    assert "<a " not in markdown_render(text=link)


def test_web_links_open_without_referrer_or_opener() -> None:
    html = markdown_render(text="See [the runbook](https://wiki.example/run) and **this**.")
    assert (
        '<a href="https://wiki.example/run" rel="nofollow noopener noreferrer">the runbook</a>'
        in html
    )
    assert "<strong>this</strong>" in html


def test_images_are_never_loaded() -> None:
    assert "<img" not in markdown_render(text="![pixel](https://tracker.example/p.png)")


# --- Who may comment -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "developer", "qa", "approver"])
def test_members_other_than_viewers_comment(team: Team, who: str) -> None:
    team.item(number=1)
    response = team.client(getattr(team, who)).post(comment_url(team), {"body": "Looks *good*"})
    assert response.status_code == 302
    assert response.url == "/projects/PAY/items/1/#conversation"
    comment = Comment.objects.get()
    assert comment.author == getattr(team, who)
    assert comment.body_html == "<p>Looks <em>good</em></p>\n"


def test_a_viewer_cannot_comment(team: Team) -> None:
    team.item(number=1)
    response = team.client(team.viewer).post(comment_url(team), {"body": "Hello"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_an_outsider_gets_404(team: Team) -> None:
    team.item(number=1)
    response = team.client(team.outsider).post(comment_url(team), {"body": "Hello"})
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_a_released_release_takes_no_comment(team: Team) -> None:
    team.item(number=1)
    team.project.lifecycle = Lifecycle.RELEASED
    team.project.save()
    response = team.client(team.developer).post(comment_url(team), {"body": "Late"})
    assert response.status_code == 403
    assert "released" in response.content.decode()
    assert not Comment.objects.exists()


def test_commenting_is_post_only(team: Team) -> None:
    team.item(number=1)
    assert team.client(team.developer).get(comment_url(team)).status_code == 405


def test_a_comment_on_an_unknown_item_is_404(team: Team) -> None:
    response = team.client(team.developer).post(comment_url(team, 99), {"body": "Hello"})
    assert response.status_code == 404


def test_an_empty_comment_is_refused_with_a_message(team: Team) -> None:
    team.item(number=1)
    response = team.client(team.developer).post(comment_url(team), {"body": "   "})
    assert response.status_code == 400
    assert not Comment.objects.exists()
    with pytest.raises(Exception, match=str(COMMENT_EMPTY)):
        comment_add(access=team.access(team.developer), number=1, body=" \n ")


def test_an_overlong_comment_is_refused_with_a_message(team: Team) -> None:
    team.item(number=1)
    too_long = "x" * (COMMENT_MAX + 1)
    response = team.client(team.developer).post(comment_url(team), {"body": too_long})
    assert response.status_code == 400
    assert not Comment.objects.exists()
    with pytest.raises(Exception, match=COMMENT_TOO_LONG.format(limit="10,000")):
        comment_add(access=team.access(team.developer), number=1, body=too_long)


def test_the_csrf_token_is_required(team: Team) -> None:
    from django.test import Client

    team.item(number=1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.developer)
    assert client.post(comment_url(team), {"body": "Hello"}).status_code == 403
    assert not Comment.objects.exists()


# --- Journal and page ----------------------------------------------------------------------


def test_a_comment_is_journaled_with_its_author_and_shown_in_the_item_journal(
    team: Team,
) -> None:
    item = team.item(number=1)
    team.client(team.approver).post(comment_url(team), {"body": "Why *now*?"})
    row = Comment.history.get()
    assert (row.history_user, row.change_kind, row.body) == (team.approver, "created", "Why *now*?")
    assert row.ip_address == "127.0.0.1"
    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=item.pk)
    said = [(e.action, e.summary) for e in entries if e.source == "comments"]
    assert said == [("Commented", "Why *now*?")]
    page = team.client(team.viewer).get("/projects/PAY/journal/").content.decode()
    assert "Commented" in page


def test_the_item_page_shows_comments_rendered_and_inert(team: Team) -> None:
    team.item(number=1)
    team.client(team.developer).post(
        comment_url(team), {"body": "**Done** <script>alert(1)</script> [x](javascript:alert(1))"}
    )
    page = team.client(team.viewer).get("/projects/PAY/items/1/").content.decode()
    assert "<strong>Done</strong>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    # A viewer reads but is offered no form.
    assert "Comment on PAY-1" not in page


def test_the_panel_lists_watchers_and_offers_watching(team: Team) -> None:
    item = team.item(number=1)
    Watch.objects.create(user=team.qa, item=item)
    page = team.client(team.developer).get("/projects/PAY/items/1/").content.decode()
    assert (team.qa.get_full_name() or team.qa.username) in page
    assert "Watch PAY-1" in page
    page = team.client(team.qa).get("/projects/PAY/items/1/").content.decode()
    assert "Stop watching PAY-1" in page


def test_watching_from_the_panel_goes_through_notifications(team: Team) -> None:
    item = team.item(number=1)
    url = reverse("notifications:item_watch", kwargs={"code": "PAY", "number": 1})
    assert team.client(team.viewer).post(url, {"action": "watch"}).status_code == 302
    assert Watch.objects.filter(user=team.viewer, item=item).exists()


def test_watches_started_and_stopped_are_journaled(team: Team) -> None:
    item = team.item(number=1)
    url = reverse("notifications:item_watch", kwargs={"code": "PAY", "number": 1})
    client = team.client(team.viewer)
    client.post(url, {"action": "watch"})
    client.post(url, {"action": "watch"})  # a double submit: still one watch, one row
    client.post(url, {"action": "unwatch"})
    rows = list(WatchChange.objects.order_by("history_id"))
    assert [(r.change_kind, r.history_user, r.watcher_name) for r in rows] == [
        ("created", team.viewer, "victor"),
        ("removed", team.viewer, "victor"),
    ]
    assert rows[0].ip_address == "127.0.0.1"
    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=item.pk)
    said = [(e.action, e.summary) for e in entries if e.source == "watches"]
    assert said == [
        ("Watch stopped", "victor no longer watches it"),
        ("Watching", "victor watches it (mailed when it moves or is commented on)"),
    ]
    page = team.client(team.manager).get("/projects/PAY/items/1/journal/").content.decode()
    assert "victor no longer watches it" in page


def test_a_watch_ended_by_removing_the_item_is_journaled(team: Team) -> None:
    from items.services import item_delete

    item = team.item(number=1)
    Watch.objects.create(user=team.qa, item=item)
    item_delete(
        access=team.access(team.manager), item_id=item.pk, expected_version=item.version, reason=""
    )
    assert list(
        WatchChange.objects.order_by("history_id").values_list("change_kind", "item_id")
    ) == [
        ("created", item.pk),
        ("removed", item.pk),
    ]


def _item_page_queries(team: Team) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = team.client(team.developer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/projects/PAY/items/1/").status_code == 200
    return len(queries)


def test_the_item_page_costs_the_same_queries_however_long_the_conversation(
    team: Team, settings, tmp_path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from conversation.services import attachment_add
    from tests.factories import UserFactory

    settings.MEDIA_ROOT = tmp_path
    item = team.item(number=1)
    access = team.access(team.developer)
    comment_add(access=access, number=1, body="first")
    attachment_add(access=access, number=1, upload=SimpleUploadedFile("a.txt", b"a"))
    Watch.objects.create(user=team.qa, item=item)
    _item_page_queries(team)  # the first page loads the states and rules into memory
    few = _item_page_queries(team)
    for n in range(60):
        comment_add(access=access, number=1, body=f"comment {n} with a [link](https://e.x/{n})")
        attachment_add(access=access, number=1, upload=SimpleUploadedFile(f"{n}.txt", b"x"))
        Watch.objects.create(user=UserFactory(), item=item)
    assert _item_page_queries(team) == few
    page = team.client(team.developer).get("/projects/PAY/items/1/").content.decode()
    assert "Older comments and files are in" in page


def test_the_comments_and_attachments_journals_are_append_only_and_sealed(
    team: Team, postgres: None
) -> None:
    from django.db import DatabaseError, connection, transaction

    from evidence.journal_tables import journal_table_by_name

    team.item(number=1)
    comment_add(access=team.access(team.developer), number=1, body="kept")
    tables = journal_table_by_name()
    assert {"conversation_historicalcomment", "conversation_historicalattachment"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'journal_append_only'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert {
        "conversation_historicalcomment",
        "conversation_historicalattachment",
        "conversation_watchchange",
    } <= guarded
    assert "conversation_watchchange" in tables
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM conversation_historicalcomment")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE conversation_historicalcomment SET body = 'rewritten'")
    assert Comment.history.get().body == "kept"
