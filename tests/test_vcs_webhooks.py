"""GitHub and GitLab webhooks: signed deliveries link the commits and merge requests that name
item keys; bad signatures, bad bodies and replays write nothing."""

import hashlib
import hmac
import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from items.models import ReleaseItem
from journal.selectors import ITEM_SOURCES, PROJECT_SOURCES, JournalQuery, journal_entries
from tests.conftest import Team
from tests.factories import ItemFactory, ProjectFactory
from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import (
    GITHUB_REPO,
    GITLAB_REPO,
    SECRET,
    fresh,
    github_post,
    gitlab_post,
    payload,
)
from vcs.keys import closing_keys, item_keys
from vcs.models import Delivery, LinkKind, Outcome, VcsLink, Webhook
from vcs.views import BAD_JSON, BAD_SIGNATURE, BODY_MAX, UNKNOWN_HOOK

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not Delivery.objects.exists() and not VcsLink.objects.exists()


# --- What is linked ---------------------------------------------------------------------


def test_a_github_push_links_each_commit_to_the_items_it_names(github: Webhook, items) -> None:
    response = github_post(github, payload("github_push"))

    assert response.status_code == 200
    first = VcsLink.objects.get(item=items[0])
    assert (first.kind, first.repository, first.ref[:7]) == ("commit", GITHUB_REPO, "4f2c2d1")
    assert first.title == "Round fees to the cent (PAY-1)"
    assert first.author == "Codertocat"
    assert first.url.startswith("https://github.com/Codertocat/Hello-World/commit/4f2c2d1")
    assert first.happened_at.isoformat() == "2019-05-15T20:20:30+00:00"
    assert first.branch == "master"
    assert VcsLink.objects.get(item=items[1]).author == "Mona Lisa (monalisa)"
    assert not VcsLink.objects.filter(item=items[2]).exists()


def test_a_github_pull_request_links_by_its_title_and_body(github: Webhook, items) -> None:
    response = github_post(github, payload("github_pull_request_closed"), event="pull_request")

    assert response.status_code == 200
    pull = VcsLink.objects.get(item=items[2])
    assert (pull.kind, pull.ref, pull.short_ref, pull.state) == (
        "merge_request",
        "2",
        "#2",
        "merged",
    )
    assert pull.url == "https://github.com/Codertocat/Hello-World/pull/2"
    assert VcsLink.objects.get(item=items[0]).title == "Closes PAY-3: show fees on the receipt"


def test_a_gitlab_push_and_merge_request_are_linked(gitlab: Webhook, items) -> None:
    assert gitlab_post(gitlab, payload("gitlab_push")).status_code == 200
    merge_request = payload("gitlab_merge_request")
    response = gitlab_post(
        gitlab, merge_request, event="Merge Request Hook", delivery="another-event"
    )

    assert response.status_code == 200
    commit = VcsLink.objects.get(item=items[0])
    assert (commit.repository, commit.author) == (GITLAB_REPO, "Jordi Mallach")
    mr = VcsLink.objects.get(item=items[2])
    assert (mr.repository, mr.short_ref, mr.state) == ("gitlabhq/gitlab-test", "!1", "opened")
    assert mr.author == "Administrator (root)"


def test_a_merge_request_edited_later_updates_its_link_and_journals_it(
    gitlab: Webhook, items
) -> None:
    merge_request = payload("gitlab_merge_request")
    gitlab_post(gitlab, merge_request, event="Merge Request Hook", delivery="open")
    merge_request["object_attributes"].update(title="Viewport for PAY-3", action="update")
    gitlab_post(gitlab, merge_request, event="Merge Request Hook", delivery="update")

    link = VcsLink.objects.get(item=items[2])
    assert link.title == "Viewport for PAY-3"
    assert link.history.count() == 2


def test_a_commit_is_linked_once_however_often_it_is_pushed(github: Webhook, items) -> None:
    github_post(github, payload("github_push"), delivery="first")
    github_post(github, payload("github_push"), delivery="second")

    assert VcsLink.objects.filter(item=items[0]).count() == 1
    assert Delivery.objects.count() == 2


def test_keys_in_releases_the_service_account_is_not_a_member_of_are_not_linked(
    github: Webhook, items
) -> None:
    other = ProjectFactory(code="CRM")
    hidden = ItemFactory(project=other, number=1)
    push = payload("github_push")
    push["commits"][0]["message"] = "Touches CRM-1 and PAY-1 and PAY-99"

    response = github_post(github, push)

    assert response.status_code == 200
    assert not VcsLink.objects.filter(item=hidden).exists()
    assert VcsLink.objects.filter(item=items[0]).exists()
    summary = Delivery.objects.get().summary
    assert "ci-bot is not a member of a release CRM" in summary
    assert "PAY-99: not linked: there is no such item." in summary


def test_only_http_urls_from_a_payload_are_kept(github: Webhook, items) -> None:
    push = payload("github_push")
    push["commits"][0]["url"] = "javascript:alert(1)"

    github_post(github, push)

    assert VcsLink.objects.get(item=items[0]).url == ""


def test_a_link_is_journaled_in_the_items_and_the_releases_journal(
    github: Webhook, items, team: Team
) -> None:
    github_post(github, payload("github_push"))

    entries, _ = journal_entries(sources=ITEM_SOURCES, query=JournalQuery(), item_id=items[0].pk)
    linked = [e for e in entries if e.source == "vcs"]
    assert [(e.action, e.subject, e.user.username) for e in linked] == [
        ("Commit linked", "PAY-1", "ci-bot")
    ]
    assert linked[0].summary == (
        f"Commit 4f2c2d1 in {GITHUB_REPO}: Round fees to the cent (PAY-1) (by Codertocat)"
    )
    release, _ = journal_entries(
        sources=PROJECT_SOURCES, query=JournalQuery(source="vcs"), project=team.project
    )
    assert {e.subject for e in release} == {"PAY-1", "PAY-2"}
    page = team.client(team.viewer).get("/projects/PAY/journal/")
    assert "Commit 4f2c2d1 in Codertocat/Hello-World" in page.content.decode()


def test_the_link_journal_is_append_only(github: Webhook, items, postgres: None) -> None:
    github_post(github, payload("github_push"))
    row = VcsLink.history.model.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vcs_historicalvcslink SET title = 'x' WHERE history_id = %s", [row.history_id]
        )


# --- Signatures, replays and bad input ---------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=deadbeef", "sha256=not-hex"],
    ids=["missing", "wrong digest", "other algorithm", "garbage"],
)
def test_a_bad_github_signature_gets_401_and_writes_nothing(
    github: Webhook, items, signature: str
) -> None:
    response = github_post(github, payload("github_push"), signature=signature)

    assert response.status_code == 401
    assert response.json()["detail"] == BAD_SIGNATURE
    assert nothing_written()


def test_a_body_signed_with_another_secret_gets_401(github: Webhook, items) -> None:
    response = github_post(github, payload("github_push"), secret="another-secret-0123456789")

    assert response.status_code == 401
    assert nothing_written()


@pytest.mark.parametrize("token", [None, "", "wrong-token-0123456789"])
def test_a_missing_or_wrong_gitlab_token_gets_401(gitlab: Webhook, items, token) -> None:
    response = gitlab_post(gitlab, payload("gitlab_push"), token=token)

    assert response.status_code == 401
    assert nothing_written()


def test_a_signed_body_changed_on_the_way_gets_401(github: Webhook, items) -> None:
    push = payload("github_push")
    signed = json.dumps(push).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    push["commits"][1]["message"] = "Fixes PAY-3"

    response = github_post(github, push, signature=signature)

    assert response.status_code == 401
    assert nothing_written()


def test_an_unknown_inactive_or_other_providers_hook_gets_404(
    github: Webhook, gitlab: Webhook, items
) -> None:
    assert github_post(Webhook(pk=9999), payload("github_push")).status_code == 404
    assert github_post(gitlab, payload("github_push")).status_code == 404  # a GitLab hook's id
    github.active = False
    github.save()
    response = github_post(github, payload("github_push"))

    assert response.status_code == 404
    assert response.json()["detail"] == UNKNOWN_HOOK
    assert nothing_written()


def test_a_delivery_received_twice_is_recorded_once(github: Webhook, items) -> None:
    first = github_post(github, payload("github_push"), delivery="same")
    again = github_post(github, payload("github_push"), delivery="same")

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert Delivery.objects.count() == 1
    assert VcsLink.objects.count() == 2
    assert VcsLink.history.model.objects.filter(change_kind="created").count() == 2
    assert fresh(items[1]).version == 2  # "Fixes PAY-2" moved it once, not twice


def test_gitlab_retries_are_recognised_by_their_idempotency_key(gitlab: Webhook, items) -> None:
    client = Client()
    for attempt in ("1", "2"):
        client.post(
            f"/hooks/gitlab/{gitlab.pk}/",
            data=payload("gitlab_push"),
            content_type="application/json",
            headers={
                "X-Gitlab-Event": "Push Hook",
                "X-Gitlab-Token": SECRET,
                "Idempotency-Key": "908a6d9e-45fd-46c8-97e6-c4f350f219dd",
                "X-Gitlab-Webhook-Attempt-Number": attempt,
            },
        )

    assert Delivery.objects.get().delivery_id == "908a6d9e-45fd-46c8-97e6-c4f350f219dd"


def test_a_delivery_without_an_id_is_recognised_by_its_body(gitlab: Webhook, items) -> None:
    gitlab_post(gitlab, payload("gitlab_push"), delivery=None)
    gitlab_post(gitlab, payload("gitlab_push"), delivery=None)

    assert Delivery.objects.get().delivery_id.startswith("sha256:")


@pytest.mark.parametrize("event", ["issues", "ping", "star"])
def test_an_event_not_used_is_recorded_as_ignored(github: Webhook, items, event: str) -> None:
    response = github_post(github, {"zen": "Keep it logically awesome."}, event=event)

    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert (delivery.event, delivery.outcome) == (event, Outcome.IGNORED)
    assert not VcsLink.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b""],
    ids=["broken", "not utf-8", "empty"],
)
def test_a_body_that_is_not_json_gets_400_and_writes_nothing(
    github: Webhook, items, body: bytes
) -> None:
    response = github_post(github, body)

    assert response.status_code == 400
    assert response.json()["detail"] == BAD_JSON
    assert nothing_written()


@pytest.mark.parametrize(
    ("event", "body", "problem"),
    [
        ("push", [], "“the payload” is not an object"),
        ("push", {"commits": []}, "“repository” is not an object"),
        ("push", {"repository": {"full_name": "a/b"}, "commits": "x"}, "“commits” is not a list"),
        ("push", {"repository": {"full_name": "a/b"}, "commits": [{"message": "PAY-1"}]}, "“id”"),
        ("pull_request", {"repository": {"full_name": "a/b"}}, "“pull_request” is not"),
    ],
)
def test_a_payload_not_shaped_like_its_event_gets_400_and_writes_nothing(
    github: Webhook, items, event: str, body: object, problem: str
) -> None:
    response = github_post(github, body, event=event)

    assert response.status_code == 400
    assert problem in response.json()["detail"]
    assert nothing_written()


def test_a_gitlab_merge_request_without_attributes_gets_400(gitlab: Webhook, items) -> None:
    body = payload("gitlab_merge_request")
    del body["object_attributes"]

    response = gitlab_post(gitlab, body, event="Merge Request Hook")

    assert response.status_code == 400
    assert nothing_written()


def test_a_missing_event_header_gets_400(github: Webhook, items) -> None:
    response = github_post(github, payload("github_push"), event="")

    assert response.status_code == 400
    assert nothing_written()


def test_a_body_over_the_limit_gets_413_and_writes_nothing(github: Webhook, items) -> None:
    response = github_post(github, b"{" + b" " * BODY_MAX + b"}")

    assert response.status_code == 413
    assert nothing_written()


def test_only_post_is_accepted(github: Webhook) -> None:
    assert Client().get(f"/hooks/github/{github.pk}/").status_code == 405


def test_the_hooks_need_no_login_and_no_csrf_token(github: Webhook, items) -> None:
    strict = Client(enforce_csrf_checks=True)

    assert github_post(github, payload("github_push"), client=strict).status_code == 200


def test_a_deactivated_service_account_links_nothing(github: Webhook, bot, items) -> None:
    bot.is_active = False
    bot.save()

    response = github_post(github, payload("github_push"))

    assert response.status_code == 200
    assert not VcsLink.objects.exists()
    assert "deactivated" in Delivery.objects.get().summary


# --- Keys and closing verbs ---------------------------------------------------------------


def test_keys_are_project_codes_and_numbers() -> None:
    text = "PAY-12 and CORE2-3, not pay-4, P-5, PAY-0 or XPAY-12x; PAY-12 again"
    assert item_keys(text) == [("PAY", 12), ("CORE2", 3)]


@pytest.mark.parametrize(
    ("text", "closed"),
    [
        ("Fixes PAY-12", {("PAY", 12): "Fixes"}),
        (
            "closes: PAY-12, PAY-14 and CRM-3",
            {("PAY", 12): "closes", ("PAY", 14): "closes", ("CRM", 3): "closes"},
        ),
        ("RESOLVED PAY-1", {("PAY", 1): "RESOLVED"}),
        ("fix: PAY-7 rounding", {("PAY", 7): "fix"}),
        ("Refs PAY-12", {}),
        ("Prefix PAY-12", {}),
        ("fix: round fees (PAY-1)", {}),
        ("Closes the gap in PAY-12", {}),
    ],
)
def test_closing_references_are_a_verb_then_keys(text: str, closed: dict) -> None:
    assert closing_keys(text) == closed


def test_pushes_read_at_most_two_hundred_commits(github: Webhook, items) -> None:
    push = payload("github_push")
    commit = push["commits"][0]
    push["commits"] = [dict(commit, id=f"{n:040x}", message="no key") for n in range(250)]

    github_post(github, push)

    assert "Only the first 200 commits" in Delivery.objects.get().summary


def test_links_are_kept_by_kind(github: Webhook, items) -> None:
    github_post(github, payload("github_push"))
    github_post(github, payload("github_pull_request_closed"), event="pull_request", delivery="pr")

    kinds = set(VcsLink.objects.filter(item=items[0]).values_list("kind", flat=True))
    assert kinds == {LinkKind.COMMIT, LinkKind.MERGE_REQUEST}
    assert ReleaseItem.objects.count() == 3
