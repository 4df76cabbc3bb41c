"""Notifications: the right mail to the right people, sent by the background worker once the
change is committed; nothing for a refused or rolled-back change; a failing mail server is
retried and never undoes the move.

These tests commit for real (transaction=True) so on_commit behaves as in production, and
they run the queue with the library's own worker command.
"""

import datetime as dt
import signal
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.tasks import TaskResultStatus
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from conversation.services import ConversationError, comment_add
from items import engine
from notifications.models import Event, Preference, ReleaseMailing, SentReminder, Watch
from notifications.services import preference_update
from notifications.tasks import MAX_ATTEMPTS, RETRY_DELAYS
from projects.models import Lifecycle
from tests.conftest import Team
from tests.factories import ProjectFactory, UserFactory
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    DEVELOPING,
    INTEGRATION,
    INTEGRATION_TEST,
    REVIEW,
    fresh,
    item_in,
    move,
    vote,
)
from tests.stage_changes import stage_set

pytestmark = pytest.mark.django_db(transaction=True)


def drain() -> None:
    """Run the real worker until the queue is empty (tasks queued by tasks included)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0", verbosity=0
        )
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def sent_to(subject_part: str = "") -> list[str]:
    return sorted(a for m in mail.outbox if subject_part in m.subject for a in m.to)


def queued() -> int:
    return DBTaskResult.objects.count()


class FailingMailer(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: list) -> int:
        raise SMTPException("connection refused")


@pytest.fixture
def watcher(team: Team):
    """The QA tester watches items they are not assigned to."""
    return team.qa


# --- Item moves -------------------------------------------------------------------------------


def test_the_assignee_and_watchers_are_mailed_when_an_item_moves(
    team: Team, rules: dict, watcher
) -> None:
    item = item_in(team, DEVELOPING, assignee=team.approver)
    Watch.objects.create(user=watcher, item=item)

    move(team, team.developer, item, direction="next", comment="ready")
    drain()

    moved = [m for m in mail.outbox if "moved to" in m.subject]
    assert sorted(a for m in moved for a in m.to) == ["april@example.com", "quinn@example.com"]
    message = moved[0]
    assert message.subject.startswith(f"[PAY] {item.key} moved to 1 - Ready for Review")
    assert f"http://127.0.0.1:8000/projects/PAY/items/{item.number}/" in message.body
    assert "Comment: ready" in message.body


def test_the_mover_is_not_mailed_about_their_own_move(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING)  # assigned to the developer, who moves it
    Watch.objects.create(user=team.developer, item=item)

    move(team, team.developer, item, direction="next")
    drain()

    assert "david@example.com" not in sent_to()


def test_a_watcher_who_left_the_project_is_not_mailed(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING, assignee=None)
    Watch.objects.create(user=team.outsider, item=item)

    move(team, team.developer, item, direction="next")
    drain()

    assert sent_to("moved to") == []


def test_nothing_is_queued_or_sent_before_the_move_commits(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING, assignee=team.qa)

    with transaction.atomic():
        move(team, team.developer, item, direction="next")
        assert queued() == 0  # a worker (another process) could not see anything to send
        assert mail.outbox == []

    assert queued() == 1  # one task for the event; the worker works out who gets what
    assert mail.outbox == []  # not sent in the request either
    drain()
    assert sent_to("moved to") == ["quinn@example.com"]


def test_a_rolled_back_move_sends_nothing(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING, assignee=team.qa)

    @transaction.atomic
    def move_then_fail() -> None:
        move(team, team.developer, item, direction="next")
        raise RuntimeError("something after the move failed")

    with pytest.raises(RuntimeError):
        move_then_fail()
    drain()

    assert fresh(item).status_id == DEVELOPING
    assert queued() == 0
    assert mail.outbox == []


def test_a_refused_move_sends_nothing(team: Team, rules: dict) -> None:
    item = item_in(team, REVIEW, assignee=team.qa)  # needs an approval to move on

    with pytest.raises(engine.MoveNotAllowed):
        move(team, team.developer, item, direction="next")
    drain()

    assert queued() == 0
    assert mail.outbox == []


def test_a_bulk_move_mails_about_each_item(team: Team, rules: dict) -> None:
    one = item_in(team, DEVELOPING, number=1, assignee=team.qa)
    two = item_in(team, DEVELOPING, number=2, assignee=team.qa)

    engine.items_move_bulk(
        access=team.access(team.manager),
        versions={one.pk: one.version, two.pk: two.version},
        to_status_id=REVIEW,
    )
    drain()

    subjects = sorted(m.subject.split(" moved")[0] for m in mail.outbox if "moved to" in m.subject)
    assert subjects == [f"[PAY] {one.key}", f"[PAY] {two.key}"]


# --- Approvals --------------------------------------------------------------------------------


def test_eligible_approvers_are_asked_when_an_item_waits_for_approval(
    team: Team, rules: dict, approver2
) -> None:
    item = item_in(team, DEVELOPING)  # the developer is author and assignee

    move(team, team.developer, item, direction="next")
    drain()

    assert sent_to("Your approval is requested") == ["april@example.com", "arthur@example.com"]
    message = next(m for m in mail.outbox if "approval is requested" in m.subject)
    assert f"{item.key} to 2 - Ready for Integration" in message.subject
    assert "needs 1 approval, and your role may give it." in message.body


@pytest.mark.parametrize("template", ["approval_requested", "approval_owed"])
def test_the_approval_letters_count_one_approval_and_two_approvals_in_words(
    template: str,
) -> None:
    def letter(required: int, language: str = "en") -> str:
        context = {"actor": "Dana", "key": "PAY-1", "title": "T", "required": required}
        with translation.override(language):
            return render_to_string(f"notifications/mail/{template}.txt", context)

    one, two, german = letter(1), letter(2), letter(2, "de")

    assert "1 approval," in one or "1 approval your" in one
    assert "approval(s)" not in one
    assert "2 approvals" in two
    assert "2 Genehmigungen" in german  # passes once the lead merged nia's fragment


def test_approvers_excluded_by_segregation_of_duties_are_not_asked(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING, created_by=team.approver)  # april wrote it: she may not vote

    move(team, team.developer, item, direction="next")
    drain()

    assert sent_to("Your approval is requested") == []


def test_approvers_are_asked_for_the_approvals_an_emergency_move_skipped(
    team: Team, rules: dict
) -> None:
    item = item_in(team, REVIEW, assignee=team.qa)

    move(team, team.manager, item, to=INTEGRATION, emergency=True, comment="Outage fix")
    drain()

    assert sent_to("Approval owed") == ["april@example.com"]
    message = next(m for m in mail.outbox if "Approval owed" in m.subject)
    assert f"emergency move of {item.key} to 2 - Ready for Integration" in message.subject
    assert "Outage fix" in message.body
    moved = next(m for m in mail.outbox if "moved to" in m.subject)
    assert "EMERGENCY MOVE" in moved.body


def test_the_requester_is_told_of_an_approval(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING)
    move(team, team.developer, item, direction="next")  # david requests the next move
    drain()
    mail.outbox.clear()

    vote(team, team.approver, item, to=INTEGRATION, comment="looks good")
    drain()

    assert sent_to() == ["david@example.com"]
    assert mail.outbox[0].subject == (
        f"[PAY] {item.key} approved by {team.approver.get_full_name()}: "
        "move to 2 - Ready for Integration"
    )
    assert "Comment: looks good" in mail.outbox[0].body


def test_the_requester_is_told_of_a_rejection(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING)
    move(team, team.developer, item, direction="next")
    drain()
    mail.outbox.clear()

    vote(team, team.approver, item, to=INTEGRATION, choice="reject")
    drain()

    assert sent_to("rejected by") == ["david@example.com"]


def test_the_release_manager_is_told_of_a_release_vote(team: Team) -> None:
    from approvals.services import release_vote

    project = team.project
    project.lifecycle = Lifecycle.PLANNING
    project.save()

    release_vote(access=team.access(team.approver), vote="approve")
    drain()

    assert sent_to("Release Payments 4.2 approved") == ["maria@example.com"]


# --- Choices ----------------------------------------------------------------------------------


def test_a_user_who_turned_an_event_off_does_not_get_it(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING, assignee=team.qa)
    preference_update(user=team.approver, enabled=[Event.ITEM_MOVED])  # approvals off

    move(team, team.developer, item, direction="next")
    drain()

    assert sent_to("moved to") == ["quinn@example.com"]
    assert sent_to("Your approval is requested") == []


def test_choices_count_at_send_time(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING, assignee=team.qa)
    move(team, team.developer, item, direction="next")

    preference_update(user=team.qa, enabled=[])  # turned off while the mail was queued
    drain()

    assert sent_to("moved to") == []
    assert Preference.objects.get(user=team.qa).muted == list(Event.values)


# --- Failures ---------------------------------------------------------------------------------


def test_a_failing_mail_server_is_retried_and_the_move_stays(
    team: Team, rules: dict, settings
) -> None:
    item = item_in(team, INTEGRATION, assignee=team.qa)  # on to a state needing no approval
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingMailer"}}

    move(team, team.developer, item, direction="next")
    before = timezone.now()
    drain()

    assert fresh(item).status_id == INTEGRATION_TEST  # the move stays
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED, task_path__endswith="deliver")
    assert "connection refused" in failed.exception_class_path + str(failed.traceback)
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after >= before + dt.timedelta(seconds=RETRY_DELAYS[0])

    # The server is back and the retry is due: the mail goes.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    drain()

    assert sent_to("moved to") == ["quinn@example.com"]
    assert fresh(item).status_id == INTEGRATION_TEST


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(
    team: Team, rules: dict, settings
) -> None:
    item = item_in(team, INTEGRATION, assignee=team.qa)  # on to a state needing no approval
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingMailer"}}
    move(team, team.developer, item, direction="next")

    for _ in range(MAX_ATTEMPTS + 1):
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
        drain()

    deliveries = DBTaskResult.objects.filter(task_path__endswith="deliver")
    assert deliveries.count() == MAX_ATTEMPTS
    assert not deliveries.filter(status=TaskResultStatus.READY).exists()
    assert fresh(item).status_id == INTEGRATION_TEST


# --- Releases ---------------------------------------------------------------------------------


def test_a_release_going_live_is_announced_to_its_distribution_list(team: Team) -> None:
    item_in(team, DEVELOPING, number=1, title="Faster payouts")
    item_in(team, DEVELOPING, number=2, title="Fix rounding", kind="bug")
    ReleaseMailing.objects.create(
        project=team.project, distribution_list="ops@example.com, cab@example.com"
    )
    project = team.project

    stage_set(project, Lifecycle.RELEASED)
    stage_set(project, Lifecycle.RELEASED)  # saved again while released: announced once
    drain()

    assert sent_to("is live") == ["cab@example.com", "ops@example.com"]
    body = mail.outbox[0].body
    # Its release notes, published as it went live (tests/test_release_notes.py).
    assert "## Fixes\n\n- **PAY-2** Fix rounding" in body
    assert "## Changes\n\n- **PAY-1** Faster payouts" in body
    assert "http://127.0.0.1:8000/projects/PAY/" in body


def test_a_release_without_a_distribution_list_goes_live_quietly(team: Team) -> None:
    stage_set(team.project, Lifecycle.RELEASED)
    drain()

    assert mail.outbox == []


def test_a_german_go_live_mail_names_the_kinds_in_german(team: Team, settings) -> None:
    from django.utils import translation

    from notifications.letters import release_live_letters
    from notifications.tasks import deliver

    item_in(team, DEVELOPING, number=1, title="Faster payouts")  # a change request
    ReleaseMailing.objects.create(project=team.project, distribution_list="cab@example.com")
    with translation.override("en"):  # the worker builds the letters in English
        (letter,) = release_live_letters({"project_id": team.project.pk})
    settings.LANGUAGE_CODE = "de"  # a bare address reads the installation's language

    deliver.call(**letter)

    assert "Änderungsantrag:\n  - PAY-1 Faster payouts" in mail.outbox[0].body
    assert "Change request" not in mail.outbox[0].body


def test_members_are_reminded_once_n_days_before_the_go_live(team: Team, settings) -> None:
    settings.NOTIFY_DAYS_BEFORE_GO_LIVE = 3
    project = team.project
    project.planned_release_date = timezone.localdate() + dt.timedelta(days=3)
    project.save()

    call_command("notify_due", verbosity=0)
    call_command("notify_due", verbosity=0)  # run again (cron twice): nothing twice
    drain()

    assert sent_to("goes live in 3 days") == MEMBERS
    assert SentReminder.objects.count() == 1


def test_no_reminder_for_a_release_due_on_another_day(team: Team, settings) -> None:
    settings.NOTIFY_DAYS_BEFORE_GO_LIVE = 3
    project = team.project
    project.planned_release_date = timezone.localdate() + dt.timedelta(days=4)
    project.save()

    call_command("notify_due", verbosity=0)
    drain()

    assert mail.outbox == []


def test_users_without_an_address_are_skipped(team: Team, rules: dict) -> None:
    nobody = UserFactory(username="noaddress", email="")
    item = item_in(team, DEVELOPING, assignee=nobody)

    move(team, team.developer, item, direction="next")
    drain()

    assert sent_to("moved to") == []
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).exists()


# --- Freezes ----------------------------------------------------------------------------------

MEMBERS = [
    "april@example.com",
    "david@example.com",
    "maria@example.com",
    "quinn@example.com",
    "victor@example.com",
]


def freeze(*, started: dt.timedelta, project=None, name: str = "Year end"):
    from planning.models import FreezeKind, FreezeWindow

    now = timezone.now()
    return FreezeWindow.objects.create(
        name=name,
        project=project,
        kind=FreezeKind.ONE_OFF,
        time_zone="UTC",
        starts_at=now - started,
        ends_at=now + dt.timedelta(days=2),
        reason="Trading peak",
    )


def test_members_are_told_once_when_a_freeze_begins(team: Team) -> None:
    freeze(started=dt.timedelta(minutes=10))

    call_command("notify_due", verbosity=0)
    call_command("notify_due", verbosity=0)  # the timer's next run: not again
    drain()

    assert sent_to("Freeze “Year end” in force until") == MEMBERS
    assert "Reason: Trading peak" in mail.outbox[0].body
    assert "installation-wide" in mail.outbox[0].body


def test_a_release_is_not_told_of_another_releases_freeze(team: Team) -> None:
    other = ProjectFactory(code="HR", release_manager=team.manager)
    freeze(started=dt.timedelta(minutes=10), project=other)

    call_command("notify_due", verbosity=0)
    drain()

    assert mail.outbox == []  # HR has no members; PAY is not frozen


def test_a_freeze_that_began_long_ago_is_not_announced(team: Team) -> None:
    freeze(started=dt.timedelta(days=3))

    call_command("notify_due", verbosity=0)
    drain()

    assert mail.outbox == []


def test_the_schedules_go_live_window_counts_over_the_planned_release_date(
    team: Team, settings
) -> None:
    from planning.models import ReleaseSchedule

    settings.NOTIFY_DAYS_BEFORE_GO_LIVE = 3
    project = team.project
    project.planned_release_date = timezone.localdate() + dt.timedelta(days=10)  # outdated
    project.save()
    day = timezone.localdate() + dt.timedelta(days=3)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(22, 30)))
    schedule, _ = ReleaseSchedule.objects.get_or_create(project=project)
    schedule.go_live_start, schedule.go_live_end = starts, starts + dt.timedelta(hours=2)
    schedule.save()

    call_command("notify_due", verbosity=0)
    drain()

    assert sent_to("goes live in 3 days") == MEMBERS


# --- Each recipient's language and time zone ------------------------------------------------


def test_each_recipient_reads_the_mail_in_their_own_language(team: Team, rules: dict) -> None:
    from accounts.models import AccountSettings

    item = item_in(team, DEVELOPING, assignee=team.approver)
    Watch.objects.create(user=team.qa, item=item)
    AccountSettings.objects.create(user=team.approver, language="de")
    AccountSettings.objects.create(user=team.qa, language="en")

    move(team, team.developer, item, direction="next", comment="ready")
    drain()

    german = next(m for m in mail.outbox if m.to == ["april@example.com"])
    english = next(m for m in mail.outbox if m.to == ["quinn@example.com"])
    assert german.subject.startswith(f"[PAY] {item.key} nach 1 - Ready for Review verschoben")
    assert "Kommentar: ready" in german.body
    assert english.subject.startswith(f"[PAY] {item.key} moved to 1 - Ready for Review")
    assert "Comment: ready" in english.body


def test_a_freeze_mail_gives_its_times_in_the_recipients_zone(team: Team) -> None:
    from accounts.models import AccountSettings

    AccountSettings.objects.create(user=team.qa, time_zone="Asia/Tokyo")
    window = freeze(started=dt.timedelta(minutes=10))

    call_command("notify_due", verbosity=0)
    drain()

    tokyo = window.ends_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    to_quinn = next(m for m in mail.outbox if m.to == ["quinn@example.com"])
    assert f"until {tokyo:%Y-%m-%d %H:%M} JST" in to_quinn.subject
    assert f"until {tokyo:%Y-%m-%d %H:%M} JST" in to_quinn.body
    to_david = next(m for m in mail.outbox if m.to == ["david@example.com"])
    assert f"until {window.ends_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" in to_david.subject


# --- Comments ---------------------------------------------------------------------------------


def comment(team: Team, user, body: str = "Looks **good** <b>now</b>"):
    url = reverse("conversation:comment_add", kwargs={"code": "PAY", "number": 1})
    return team.client(user).post(url, {"body": body})


def test_the_assignee_and_watchers_but_not_the_author_are_mailed_of_a_comment(team: Team) -> None:
    item = item_in(team, DEVELOPING, assignee=team.approver)
    for user in (team.qa, team.viewer, team.developer):
        Watch.objects.create(user=user, item=item)

    assert comment(team, team.developer).status_code == 302
    drain()

    assert sent_to("commented on") == [
        "april@example.com",
        "quinn@example.com",
        "victor@example.com",
    ]
    message = mail.outbox[0]
    author = team.developer.get_full_name()
    assert message.subject == f"[PAY] {author} commented on {item.key}: {item.title}"
    assert f'{author} commented on {item.key} "{item.title}":' in message.body
    assert f"http://127.0.0.1:8000/projects/PAY/items/{item.number}/#conversation" in message.body


def test_the_mail_quotes_the_comment_as_plain_text_never_as_html(team: Team) -> None:
    item_in(team, DEVELOPING, assignee=team.qa)

    comment(team, team.developer, "First **line** <script>alert(1)</script>\n\n- a & b")
    drain()

    (message,) = mail.outbox
    assert "> First **line** <script>alert(1)</script>\n>\n> - a & b\n" in message.body
    assert "<strong>" not in message.body
    assert "&lt;" not in message.body
    assert "&amp;" not in message.body


def test_a_user_who_turned_comments_off_is_not_mailed_of_them(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING, assignee=team.approver)
    Watch.objects.create(user=team.qa, item=item)
    preference_update(user=team.qa, enabled=[e for e in Event.values if e != Event.COMMENT_ADDED])

    comment(team, team.developer)
    move(team, team.developer, item, direction="next")
    drain()

    assert sent_to("commented on") == ["april@example.com"]
    assert "quinn@example.com" in sent_to("moved to")  # only comments are off


def test_the_preferences_page_offers_turning_comments_off(team: Team) -> None:
    response = team.client(team.qa).get(reverse("notifications:preferences"))

    assert "An item I am assigned to or watch is commented on" in response.text
    assert f'value="{Event.COMMENT_ADDED}"' in response.text


def test_a_comment_is_queued_only_once_it_commits(team: Team) -> None:
    item_in(team, DEVELOPING, assignee=team.qa)

    with transaction.atomic():
        comment_add(access=team.access(team.developer), number=1, body="ready")
        assert queued() == 0

    assert queued() == 1  # one task for the comment; the worker works out who gets it
    assert mail.outbox == []
    drain()
    assert sent_to("commented on") == ["quinn@example.com"]


def test_a_rolled_back_or_refused_comment_sends_nothing(team: Team) -> None:
    item_in(team, DEVELOPING, assignee=team.qa)

    @transaction.atomic
    def comment_then_fail() -> None:
        comment_add(access=team.access(team.developer), number=1, body="ready")
        raise RuntimeError("something after the comment failed")

    with pytest.raises(RuntimeError):
        comment_then_fail()
    with pytest.raises(ConversationError):
        comment_add(access=team.access(team.developer), number=1, body="  ")
    assert comment(team, team.viewer).status_code == 403
    drain()

    assert queued() == 0
    assert mail.outbox == []


def test_posting_a_comment_costs_the_same_queries_however_many_watch(team: Team) -> None:
    item = item_in(team, DEVELOPING, assignee=team.qa)
    counts = []
    for watchers in (1, 8):
        for n in range(watchers - Watch.objects.filter(item=item).count()):
            Watch.objects.create(user=UserFactory(username=f"watcher{watchers}-{n}"), item=item)
        with CaptureQueriesContext(connection) as queries:
            assert comment(team, team.developer).status_code == 302
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert queued() == 2  # one task per comment, whatever the number of watchers


def test_a_letter_reads_its_recipients_language_and_zone_with_them_in_one_query(
    team: Team, django_assert_num_queries
) -> None:
    from accounts.models import AccountSettings
    from notifications.tasks import deliver

    AccountSettings.objects.create(user=team.qa, language="de", time_zone="Europe/Berlin")
    letter = {
        "event": Event.RELEASE_DUE,
        "subject": "[{code}] {name} goes live tomorrow ({date})",
        "template": "notifications/mail/release_due.txt",
        "context": {
            "code": "PAY",
            "name": "Payments",
            "release": "PAY",
            "days": 1,
            "date": "2026-12-02",
            "url": "http://127.0.0.1:8000/projects/PAY/",
        },
        "user_id": team.qa.pk,
    }

    # The user with their settings (one join), then their muted events.
    with django_assert_num_queries(2):
        deliver.call(**letter)

    assert mail.outbox[0].to == ["quinn@example.com"]
