"""The journal says what happened in a reader's words: votes, runs, sign-offs and decisions by
what they are, values by their labels and names, never the application's bookkeeping."""

import re
from html import unescape

import pytest
from django.db.models import Q
from django.utils import timezone

from approvals.services import approval_withdraw, release_vote
from conversation.journal import describe_comment
from conversation.models import Comment
from items.models import ReleaseItem
from journal.selectors import (
    ALL_SOURCES,
    ITEM_SOURCES,
    PROJECT_SOURCES,
    SOURCES,
    Change,
    ItemRows,
    JournalQuery,
    journal_entries,
    source_register,
)
from projects.models import ReleaseProject
from qa import services as qa_services
from tests.conftest import Team
from tests.factories import UserFactory
from tests.governance_fixtures import *  # noqa: F403  (the rules and approver2 fixtures)
from tests.governance_fixtures import INTEGRATION, REVIEW, item_in, vote

JOURNAL = "/projects/PAY/journal/"


def entries(html: str) -> list[str]:
    """Each journal entry as one line of text, tags stripped."""
    items = re.findall(
        r'<li class="entry kind-[a-z]+">(.*?)</li>\s*(?=<li class="entry|</ol>)', html, re.S
    )
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge">([^<]*)</span>', unescape(html))


@pytest.fixture
def evidence(team: Team, rules: dict, approver2) -> ReleaseItem:
    """Item 1 in review with a vote each way (one withdrawn), a failed and a passed run, a QA
    sign-off, an acceptance decision and a release vote."""
    item = item_in(team, REVIEW, title="Limit transfers")
    vote(team, team.approver, item, to=INTEGRATION)
    rejection = vote(team, approver2, item, to=INTEGRATION, choice="reject")
    approval_withdraw(access=team.access(approver2), item_id=item.pk, approval_id=rejection.pk)
    qa = team.access(team.qa)
    case = qa_services.qa_case_add(access=qa, item_id=item.pk, fields={"title": "Cap at 10k"})
    for result in ("failed", "passed"):
        qa_services.qa_run_record(
            access=qa, item_id=item.pk, test_case_id=case.pk, fields={"result": result}
        )
    qa_services.qa_signoff(access=qa, item_id=item.pk, round=item.round)
    qa_services.qa_acceptance_decide(
        access=team.access(team.manager),
        item_id=item.pk,
        round=item.round,
        decision="accepted",
        reason="UAT green",
    )
    ReleaseProject.objects.filter(pk=team.project.pk).update(lifecycle="planning")
    release_vote(access=team.access(team.approver), vote="approve")
    return item


def test_votes_runs_signoffs_and_decisions_are_named_by_what_they_are(
    team: Team, evidence: ReleaseItem
) -> None:
    html = team.client(team.manager).get(JOURNAL).text
    # Less the schedule's actual dates the system recorded (tests/test_planning_schedule.py).
    named = [badge for badge in badges(html) if badge != "Milestone reached"]

    assert named[:9] == [
        "Approved",  # the release vote
        "Accepted",
        "QA signed off",
        "Test run: passed",
        "Test run: failed",
        "Test case added",
        "Vote withdrawn",
        "Rejected",
        "Approved",
    ]
    lines = [line for line in entries(html) if "Schedule of PAY" not in line]
    assert "Release PAY · Approved the release" in lines[0]
    assert "PAY-1 · Acceptance decision: accepted “UAT green”" in lines[1]
    assert "PAY-1 · Test run failed: Cap at 10k" in lines[4]
    assert "PAY-1 · Withdrew the vote on the move to 2 - Ready for Integration" in lines[6]
    assert "PAY-1 · Rejected the move to 2 - Ready for Integration" in lines[7]


def test_a_withdrawal_lists_no_bookkeeping_fields(team: Team, evidence: ReleaseItem) -> None:
    found, _ = journal_entries(
        sources=PROJECT_SOURCES, query=JournalQuery(source="approvals"), project=team.project
    )

    assert (found[0].action, found[0].changes) == ("Vote withdrawn", [])


def test_an_item_edit_shows_labels_and_names_and_hides_the_round(team: Team) -> None:
    team.item(number=1, title="Fix totals", priority=3)
    nina = UserFactory(username="nina")
    client = team.client(team.developer)
    response = client.post(
        "/projects/PAY/items/1/edit/",
        {"version": 1, "kind": "incident", "title": "Fix totals", "priority": 1, "assignee": ""},
    )
    assert response.status_code == 302
    item = ReleaseItem.objects.get(number=1)
    item.assignee = nina
    item.save()

    lines = entries(team.client(team.viewer).get("/projects/PAY/items/1/journal/").text)

    assert lines[0].endswith("Edited Edited assignee : — → nina")
    # The form's save: this release's priority on the item, the kind on the shared change.
    assert lines[1].endswith("Edited Edited priority : Medium → Critical")
    assert "Content edited" in lines[2]
    assert "kind : Change request → Incident" in lines[2]
    assert "round :" not in " ".join(lines)


def test_a_project_edit_shows_the_stage_and_manager_by_their_labels(team: Team) -> None:
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

    lines = entries(team.client(team.viewer).get(JOURNAL).text)

    (line,) = [line for line in lines if "Project PAY · Edited" in line]
    assert "release manager : maria → nina" in line
    assert "lifecycle : In progress → Released" in line
    assert "actual release date : — → 2026-11-30" in line
    assert "in_progress" not in line


def test_an_edit_after_signoff_says_the_item_needs_reapproval_not_when(team: Team) -> None:
    item = team.item(number=1, title="Cap transfers")
    item.change.title = "Cap transfers at 10k"
    item.change.save()
    item.needs_reapproval = True
    item.edited_after_signoff_at, item.round = timezone.now(), item.round + 1
    item.save()

    found, _ = journal_entries(sources=PROJECT_SOURCES, query=JournalQuery(), project=team.project)

    assert found[0].changes == [Change("needs reapproval", "no", "yes")]
    assert found[1].changes == [Change("title", "Cap transfers", "Cap transfers at 10k")]


def test_rows_an_app_registers_about_one_item_each_are_in_all_three_journals() -> None:
    comments = SOURCES["comments"]  # registered by conversation as ItemRows

    assert comments.of_item(7) == Q(item_id=7)
    assert comments.of_project is not None
    assert comments.hidden == frozenset({"body_html"})
    assert {"comments", "attachments", "vcs"} <= set(ITEM_SOURCES) & set(PROJECT_SOURCES)

    # A second ready() (tests run it again) registers nothing twice.
    source_register(
        ItemRows(name="comments", label="", rank=60, model=Comment, describe=describe_comment)
    )
    assert SOURCES["comments"] is comments
    assert ALL_SOURCES.count("comments") == ITEM_SOURCES.count("comments") == 1
