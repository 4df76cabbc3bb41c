"""Closing references ("Fixes PAY-2") on the default branch or in a merged merge request move
the item forward one state, as the webhook's service account, through the engine: its role,
the transition rules and their gates decide; a refusal is recorded, the delivery still
succeeds."""

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils.translation import trans_real

from items.models import ReleaseItem, ReleaseStatus
from items.policy import NO_RIGHT_TO_MOVE
from items.rules import rule_seed_defaults
from journal.selectors import ITEM_SOURCES, JournalQuery, journal_entries
from projects.models import Lifecycle, ReleaseMember
from projects.roles import Role
from tests.conftest import Team
from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import fresh, github_post, gitlab_post, payload
from vcs.models import Delivery, MoveOutcome, VcsLink, Webhook

pytestmark = pytest.mark.django_db

DEVELOPING, READY_FOR_REVIEW, READY_FOR_INTEGRATION = 4500, 4540, 4550


def put(item: ReleaseItem, state_id: int) -> None:
    item.status = ReleaseStatus.objects.get(pk=state_id)
    item.save()


def test_fixes_on_the_default_branch_moves_the_item_forward_one_state(
    github: Webhook, items
) -> None:
    response = github_post(github, payload("github_push"))

    assert response.status_code == 200
    assert fresh(items[1]).status_id == READY_FOR_REVIEW
    assert fresh(items[0]).status_id == DEVELOPING  # named, not closed
    link = VcsLink.objects.get(item=items[1])
    assert (link.move_verb, link.move_outcome) == ("Fixes", MoveOutcome.MOVED)
    assert link.move_reason == "Moved to 1 - Ready for Review."
    assert response.json()["moves"] == [
        {
            "item": "PAY-2",
            "ref": "0d1a26e",
            "outcome": "moved",
            "reason": "Moved to 1 - Ready for Review.",
        }
    ]


def test_the_move_is_journaled_as_the_service_account_with_the_reference(
    github: Webhook, items
) -> None:
    github_post(github, payload("github_push"))

    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=items[1].pk)
    moved = next(e for e in entries if e.source == "items" and e.kind == "moved")
    assert moved.user.username == "ci-bot"
    assert moved.reason == (
        "Fixes PAY-2 in commit 0d1a26e (Codertocat/Hello-World) by Mona Lisa (monalisa)"
    )
    request = next(e for e in entries if e.source == "vcs" and e.action.startswith("Move"))
    assert request.action == "Move requested: moved"
    assert request.summary == "“Fixes” in Commit 0d1a26e in Codertocat/Hello-World: moved"
    assert request.reason == "Moved to 1 - Ready for Review."
    assert request.changes == []  # the summary and the reason say it all


@pytest.fixture
def german_commit_label():
    """German that differs from the English label (today's catalogue keeps "Commit")."""
    catalog = trans_real.translation("de")._catalog
    saved = catalog.get("Commit")
    catalog["Commit"] = "Einspielung"
    yield
    catalog["Commit"] = saved


def test_a_delivery_received_in_german_stores_the_move_comment_in_english(
    github: Webhook, items, german_commit_label
) -> None:
    github_post(github, payload("github_push"), client=Client(headers={"Accept-Language": "de"}))

    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=items[1].pk)
    moved = next(e for e in entries if e.source == "items" and e.kind == "moved")
    assert moved.reason == (
        "Fixes PAY-2 in commit 0d1a26e (Codertocat/Hello-World) by Mona Lisa (monalisa)"
    )


def test_a_push_to_another_branch_links_but_moves_nothing_until_it_reaches_the_default(
    github: Webhook, items
) -> None:
    push = payload("github_push")
    push["ref"] = "refs/heads/feature/refunds"
    github_post(github, push, delivery="feature")

    link = VcsLink.objects.get(item=items[1])
    assert (link.branch, link.move_outcome) == ("feature/refunds", "")
    assert fresh(items[1]).status_id == DEVELOPING

    github_post(github, payload("github_push"), delivery="merged")

    link.refresh_from_db()
    assert (link.branch, link.move_outcome) == ("master", MoveOutcome.MOVED)
    assert fresh(items[1]).status_id == READY_FOR_REVIEW


def test_a_tag_push_moves_nothing(github: Webhook, items) -> None:
    push = payload("github_push")
    push["ref"] = "refs/tags/v1.0"

    github_post(github, push)

    assert fresh(items[1]).status_id == DEVELOPING


def test_a_merged_pull_request_moves_and_the_push_of_its_merge_does_not_move_it_again(
    github: Webhook, items
) -> None:
    github_post(github, payload("github_pull_request_closed"), event="pull_request", delivery="pr")
    assert fresh(items[2]).status_id == READY_FOR_REVIEW

    push = payload("github_push")
    push["commits"][1]["message"] = "Merge pull request #2\n\nCloses PAY-3: show fees"
    github_post(github, push, delivery="push")

    assert fresh(items[2]).status_id == READY_FOR_REVIEW
    commit = VcsLink.objects.get(item=items[2], kind="commit")
    assert commit.move_outcome == MoveOutcome.ALREADY
    assert commit.move_reason == (
        "PAY-3 was already moved by a closing reference (#2) and has not moved or changed since."
    )


def test_a_closing_reference_after_rework_moves_the_item_again(github: Webhook, items) -> None:
    github_post(github, payload("github_push"), delivery="first")
    item = fresh(items[1])
    put(item, DEVELOPING)  # sent back for rework
    item.round += 1
    item.save()
    push = payload("github_push")
    push["commits"][1].update(id="1" * 40, message="Fixes PAY-2 again")

    github_post(github, push, delivery="second")

    assert fresh(items[1]).status_id == READY_FOR_REVIEW


def test_a_pull_request_closed_without_merging_moves_nothing(github: Webhook, items) -> None:
    closed = payload("github_pull_request_closed")
    closed["pull_request"].update(merged=False, merged_at=None)

    github_post(github, closed, event="pull_request")

    assert fresh(items[2]).status_id == DEVELOPING
    assert VcsLink.objects.get(item=items[2]).state == "closed"


def test_a_pull_request_merged_into_another_branch_moves_nothing(github: Webhook, items) -> None:
    merged = payload("github_pull_request_closed")
    merged["pull_request"]["base"]["ref"] = "release/4.1"

    github_post(github, merged, event="pull_request")

    assert fresh(items[2]).status_id == DEVELOPING


def test_a_gitlab_merge_request_moves_when_merged_not_when_opened(gitlab: Webhook, items) -> None:
    merge_request = payload("gitlab_merge_request")
    gitlab_post(gitlab, merge_request, event="Merge Request Hook", delivery="open")
    assert fresh(items[2]).status_id == DEVELOPING

    merge_request["object_attributes"].update(action="merge", state="merged")
    gitlab_post(gitlab, merge_request, event="Merge Request Hook", delivery="merge")

    assert fresh(items[2]).status_id == READY_FOR_REVIEW
    link = VcsLink.objects.get(item=items[2])
    assert (link.state, link.move_verb, link.move_outcome) == ("merged", "Resolves", "moved")


def test_a_gitlab_push_to_the_default_branch_moves_what_it_fixes(gitlab: Webhook, items) -> None:
    gitlab_post(gitlab, payload("gitlab_push"))

    assert fresh(items[1]).status_id == READY_FOR_REVIEW
    assert VcsLink.objects.get(item=items[1]).move_verb == "fixes"


# --- The rules decide ---------------------------------------------------------------------


def test_the_default_rules_let_a_developer_account_move_developing_to_review(
    github: Webhook, items
) -> None:
    rule_seed_defaults()

    github_post(github, payload("github_push"))

    assert fresh(items[1]).status_id == READY_FOR_REVIEW


def test_a_move_the_rules_refuse_is_recorded_with_the_engines_reason_and_answered_200(
    github: Webhook, items
) -> None:
    rule_seed_defaults()
    put(items[1], READY_FOR_REVIEW)  # on to integration needs an approval first

    response = github_post(github, payload("github_push"))

    assert response.status_code == 200
    assert fresh(items[1]).status_id == READY_FOR_REVIEW
    link = VcsLink.objects.get(item=items[1])
    assert link.move_outcome == MoveOutcome.REFUSED
    assert "cannot move to “2 - Ready for Integration” yet" in link.move_reason
    assert "approval" in link.move_reason
    (move,) = Delivery.objects.get().moves
    assert (move["outcome"], move["reason"]) == ("refused", link.move_reason)
    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=items[1].pk)
    assert not [e for e in entries if e.source == "items" and e.kind == "moved"]
    assert next(e.action for e in entries if e.source == "vcs") == "Move requested: refused"


def test_a_role_the_rules_do_not_name_is_refused(github: Webhook, bot, team: Team, items) -> None:
    rule_seed_defaults()
    ReleaseMember.objects.filter(user=bot).update(role=Role.QA_TESTER)

    github_post(github, payload("github_push"))

    link = VcsLink.objects.get(item=items[1])
    assert link.move_outcome == MoveOutcome.REFUSED
    assert "may not move items" in link.move_reason
    assert fresh(items[1]).status_id == DEVELOPING


def test_a_viewer_service_account_links_but_never_moves(
    github: Webhook, bot: AbstractBaseUser, items
) -> None:
    ReleaseMember.objects.filter(user=bot).update(role=Role.VIEWER)

    github_post(github, payload("github_push"))

    link = VcsLink.objects.get(item=items[1])
    assert link.move_outcome == MoveOutcome.REFUSED
    assert link.move_reason == NO_RIGHT_TO_MOVE.format(code="PAY")
    assert fresh(items[1]).status_id == DEVELOPING


def test_an_item_of_a_released_release_is_linked_but_not_moved(
    github: Webhook, team: Team, items
) -> None:
    team.project.lifecycle = Lifecycle.RELEASED
    team.project.save()

    github_post(github, payload("github_push"))

    link = VcsLink.objects.get(item=items[1])
    assert link.move_outcome == MoveOutcome.REFUSED
    assert "released" in link.move_reason
    assert fresh(items[1]).status_id == DEVELOPING


def test_an_item_in_the_last_state_is_refused_past_the_end(github: Webhook, items) -> None:
    put(items[1], 4595)

    github_post(github, payload("github_push"))

    assert VcsLink.objects.get(item=items[1]).move_reason == (
        "PAY-2 is already in the last state, “7 - Closed”."
    )
