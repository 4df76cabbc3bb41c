"""API tokens: hashed at rest, scoped, expiring, revocable, rate-limited, and every use
journaled; made by their user on the account page or by an administrator (also for service
accounts, which act through their own memberships)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from api.authentication import EXPIRED, REVOKED
from api.models import ApiToken, ApiTokenUse, Scope, ServiceAccount
from api.permissions import READ_ONLY_TOKEN
from api.services import token_create, token_revoke
from evidence.journal_tables import journal_tables
from evidence.models import SealedRow
from evidence.services import journal_seal
from items.models import ReleaseItem
from projects.roles import Role
from tests.api_fixtures import *  # noqa: F403  (the fixtures)
from tests.api_fixtures import ApiClient, if_match, make_token
from tests.conftest import Team
from tests.factories import MemberFactory
from tests.governance_fixtures import DEVELOPING, REVIEW, fresh
from tests.test_api import assert_problem

pytestmark = pytest.mark.django_db


def test_only_the_sha256_of_a_token_is_stored(team: Team) -> None:
    secret = make_token(team.developer, name="laptop")
    token = ApiToken.objects.get()

    assert secret.startswith("rmt_")
    assert len(secret) > 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret[len(token.prefix) :] not in str(
        list(ApiToken.objects.values()) + list(ApiToken.history.values())
    )
    assert not hasattr(ApiToken.history.model, "digest")  # not even the hash is journaled


def test_a_read_token_reads_but_may_not_write(team: Team) -> None:
    item = team.item(number=1)
    client = ApiClient(make_token(team.developer, scope=Scope.READ))

    read = client.get(f"/api/v1/releases/PAY/items/{item.number}/")
    write = client.post(
        f"/api/v1/releases/PAY/items/{item.number}/move/", {"direction": "next"}, **if_match(1)
    )

    assert read.status_code == 200
    assert_problem(write, 403, READ_ONLY_TOKEN)
    assert fresh(item).status_id == DEVELOPING


def test_an_expired_token_is_refused_and_its_attempt_journaled(team: Team) -> None:
    secret = make_token(team.developer)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = ApiClient(secret).get("/api/v1/states/")

    assert_problem(response, 401, EXPIRED)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert ApiTokenUse.objects.get().status == 401


def test_a_revoked_token_is_refused_from_the_next_request(team: Team) -> None:
    secret = make_token(team.developer)
    client = ApiClient(secret)
    assert client.get("/api/v1/states/").status_code == 200

    token_revoke(actor=team.developer, token_id=ApiToken.objects.get().pk)

    assert_problem(client.get("/api/v1/states/"), 401, REVOKED)
    assert ApiToken.history.latest("history_id").history_change_reason == "Revoked"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer rmt_short", "Bearer nottoken", "Bearer " + "x" * 300],
)
def test_a_malformed_or_unknown_token_is_a_401_problem(team: Team, header: str) -> None:
    response = Client().get("/api/v1/states/", headers={"Authorization": header})

    assert_problem(response, 401)
    assert not ApiTokenUse.objects.exists()


def test_a_wrong_secret_with_a_real_prefix_is_refused(team: Team) -> None:
    secret = make_token(team.developer)
    forged = secret[:12] + "A" * (len(secret) - 12)

    assert_problem(ApiClient(forged).get("/api/v1/states/"), 401)


def test_every_use_is_journaled_with_who_which_token_what_and_the_answer(team: Team) -> None:
    item = team.item(number=1)
    client = ApiClient(make_token(team.developer, name="deploy pipeline"))

    client.get("/api/v1/states/")
    client.post(f"/api/v1/releases/PAY/items/{item.number}/move/", {"direction": "next"})

    uses = list(ApiTokenUse.objects.order_by("history_id"))
    token = ApiToken.objects.get()
    assert [(u.method, u.path, u.status) for u in uses] == [
        ("GET", "/api/v1/states/", 200),
        ("POST", "/api/v1/releases/PAY/items/1/move/", 428),
    ]
    assert {(u.history_user, u.token_id, u.token_prefix, u.token_name) for u in uses} == {
        (team.developer, token.pk, token.prefix, "deploy pipeline")
    }
    assert uses[0].ip_address == "127.0.0.1"


def test_the_items_journal_row_names_the_token_it_was_moved_through(team: Team) -> None:
    item = team.item(number=1)
    client = ApiClient(make_token(team.developer, name="deploy pipeline"))

    client.post(
        f"/api/v1/releases/PAY/items/{item.number}/move/",
        {"direction": "next", "comment": "Build 812 is green"},
        **if_match(1),
    )

    row = ReleaseItem.history.filter(id=item.pk).latest("history_id")
    token = ApiToken.objects.get()
    assert row.status_id == REVIEW
    assert row.history_user == team.developer
    assert row.history_change_reason == (
        f"Build 812 is green (via API token “deploy pipeline” ({token.prefix}…))"
    )


def test_the_journal_of_uses_is_append_only(team: Team, postgres: None) -> None:
    ApiClient(make_token(team.developer)).get("/api/v1/states/")

    with pytest.raises(DatabaseError), transaction.atomic():
        ApiTokenUse.objects.update(status=200)


def test_too_many_requests_are_a_429_with_retry_after_per_token(team: Team, settings) -> None:
    settings.API_RATE_PER_MINUTE = 2
    busy, other = ApiClient(make_token(team.developer)), ApiClient(make_token(team.qa))

    answers = [busy.get("/api/v1/states/").status_code for _ in range(3)]
    limited = busy.get("/api/v1/states/")

    assert answers == [200, 200, 429]
    assert_problem(limited, 429)
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert other.get("/api/v1/states/").status_code == 200  # counted per token


@pytest.mark.parametrize("days", [0, 400])
def test_a_token_expires_within_a_year(team: Team, days: int) -> None:
    with pytest.raises(ValidationError):
        token_create(
            actor=team.developer,
            user=team.developer,
            name="x",
            scope=Scope.READ,
            expires_at=timezone.now() + timedelta(days=days),
        )


def test_only_an_administrator_makes_tokens_for_someone_else(team: Team) -> None:
    with pytest.raises(PermissionDenied):
        token_create(
            actor=team.developer,
            user=team.manager,
            name="x",
            scope=Scope.WRITE,
            expires_at=timezone.now() + timedelta(days=1),
        )


# --- The account page ------------------------------------------------------------------------


def test_a_user_makes_a_token_sees_its_secret_once_and_revokes_it(team: Team) -> None:
    browser = team.client(team.developer)

    made = browser.post("/account/tokens/", {"name": "laptop", "scope": "read", "days": 30})
    secret = made.context["secret"]
    listed = browser.get("/account/tokens/")
    token = ApiToken.objects.get()
    revoked = browser.post(f"/account/tokens/{token.pk}/revoke/")

    assert made.status_code == 201
    assert secret in made.text
    assert secret not in listed.text
    assert token.prefix in listed.text
    assert revoked.status_code == 302
    assert fresh(token).revoked_at is not None
    assert ApiClient(secret).get("/api/v1/states/").status_code == 401


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scope": "read", "days": 30},
        {"name": "x", "scope": "admin", "days": 30},
        {"name": "x", "scope": "read", "days": 0},
        {"name": "x", "scope": "read", "days": 99999999999},
        {"name": "x" * 101, "scope": "read", "days": 30},
    ],
)
def test_bad_token_form_input_is_a_400_and_makes_nothing(team: Team, data: dict) -> None:
    response = team.client(team.developer).post("/account/tokens/", data)

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_user_cannot_revoke_someone_elses_token(team: Team) -> None:
    make_token(team.manager)
    token = ApiToken.objects.get()

    response = team.client(team.developer).post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 403
    assert fresh(token).revoked_at is None


def test_revoking_twice_is_a_409(team: Team) -> None:
    make_token(team.developer)
    token = ApiToken.objects.get()
    browser = team.client(team.developer)
    browser.post(f"/account/tokens/{token.pk}/revoke/")

    assert browser.post(f"/account/tokens/{token.pk}/revoke/").status_code == 409


def test_the_tokens_page_lists_the_latest_uses(team: Team) -> None:
    ApiClient(make_token(team.developer, name="laptop")).get("/api/v1/states/")

    page = team.client(team.developer).get("/account/tokens/").text

    assert "GET /api/v1/states/" in page


# --- Administrators and service accounts -------------------------------------------------------


def test_an_administrator_makes_a_service_account_without_a_password(team: Team) -> None:
    admin = team.client(team.admin)

    response = admin.post(
        "/admin/api/serviceaccount/add/", {"username": "ci-payments", "description": "CI"}
    )
    taken = admin.post("/admin/api/serviceaccount/add/", {"username": "CI-payments"})

    assert response.status_code == 302, response.content
    account = ServiceAccount.objects.select_related("user").get()
    assert account.user.username == "ci-payments"
    assert not account.user.has_usable_password()
    assert account.created_by == team.admin
    assert taken.status_code == 200
    assert "is taken" in taken.text


def test_a_service_accounts_token_acts_through_its_own_membership(team: Team) -> None:
    admin = team.client(team.admin)
    admin.post("/admin/api/serviceaccount/add/", {"username": "ci-payments"})
    robot = ServiceAccount.objects.get().user
    made = admin.post(
        "/admin/api/apitoken/add/",
        {"user": robot.pk, "name": "pipeline", "scope": "write", "days": 90},
    )
    secret = made.context["secret"]
    item = team.item(number=1)
    client = ApiClient(secret)
    move_url = f"/api/v1/releases/PAY/items/{item.number}/move/"

    outsider = client.post(move_url, {"direction": "next"}, **if_match(1))
    MemberFactory(project=team.project, user=robot, role=Role.DEVELOPER)
    member = client.post(move_url, {"direction": "next"}, **if_match(1))

    assert made.status_code == 201
    assert secret in made.text
    assert ApiToken.objects.get().created_by == team.admin
    assert_problem(outsider, 404)
    assert member.status_code == 200, member.content
    assert ReleaseItem.history.filter(id=item.pk).latest("history_id").history_user == robot


def test_an_administrator_revokes_tokens_from_the_admin(team: Team) -> None:
    make_token(team.developer)
    token = ApiToken.objects.get()

    team.client(team.admin).post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert fresh(token).revoked_by == team.admin


def test_revoking_in_the_admin_says_token_for_one_and_tokens_for_two(team: Team) -> None:
    for _ in range(3):
        make_token(team.developer)
    first, *rest = ApiToken.objects.order_by("pk")
    admin = team.client(team.admin)

    def revoke(tokens: list[ApiToken]) -> str:
        selected = {"action": "revoke", "_selected_action": [t.pk for t in tokens]}
        return admin.post("/admin/api/apitoken/", selected, follow=True).text

    assert "Revoked 1 token." in revoke([first])
    assert "Revoked 2 tokens." in revoke(rest)


def test_the_admin_pages_of_tokens_and_service_accounts_open(team: Team) -> None:
    admin = team.client(team.admin)
    admin.post("/admin/api/serviceaccount/add/", {"username": "ci-payments"})
    make_token(team.developer)
    account, token = ServiceAccount.objects.get(), ApiToken.objects.get()

    pages = [
        "/admin/api/serviceaccount/",
        f"/admin/api/serviceaccount/{account.pk}/change/",
        "/admin/api/apitoken/",
        "/admin/api/apitoken/add/",
        f"/admin/api/apitoken/{token.pk}/change/",
    ]

    assert [admin.get(page).status_code for page in pages] == [200] * len(pages)
    assert token.digest not in admin.get(f"/admin/api/apitoken/{token.pk}/change/").text


def test_each_use_of_a_token_is_sealed_with_the_journal(postgres: None, team: Team) -> None:
    journal_seal()
    ApiClient(make_token(team.developer)).get("/api/v1/states/")
    journal_seal()  # what each commit or the batch thread does in production

    use = ApiTokenUse.objects.get()
    assert SealedRow.objects.filter(table="api_apitokenuse", row_id=use.history_id).exists()
    assert "api_apitokenuse" in {table.table for table in journal_tables()}


def test_a_german_user_reads_the_tokens_page_and_the_api_refusals_in_german(team: Team) -> None:
    team.item(number=1)
    page = team.client(team.developer).get("/account/tokens/", HTTP_ACCEPT_LANGUAGE="de").text
    client = ApiClient(make_token(team.developer, scope=Scope.READ))
    german = {"Accept-Language": "de"}

    refused = client.post("/api/v1/releases/PAY/items/1/move/", {"direction": "next"}, **german)

    assert "<h1>Ihre API-Tokens</h1>" in page
    assert "Ein Token erstellen" in page
    body = assert_problem(
        refused, 403, "Der Umfang dieses Tokens ist „Lesen“: Es darf nichts ändern."
    )
    assert body["title"] == "Verboten"
    assert body["type"] == "/api/docs/#problem-forbidden"  # machines read the same type


def test_a_german_reader_of_the_api_docs_is_told_the_schema_is_english(team: Team) -> None:
    # The German sentence passes once the lead has merged nia's catalogue fragment.
    german = team.client(team.developer).get("/api/docs/", HTTP_ACCEPT_LANGUAGE="de").text
    english = team.client(team.developer).get("/api/docs/").text

    assert "wie im OpenAPI-Schema" in german
    # The choices keep their English labels, whoever opened the page first.
    assert "`in_progress` - In progress" in german
    assert "In Arbeit" not in german.split('id="operations"')[1]
    assert "`in_progress` - In progress" in english


def test_the_schema_is_the_same_english_document_whatever_the_callers_language(
    team: Team,
) -> None:
    client = ApiClient(make_token(team.developer, scope=Scope.READ))

    german = client.get("/api/schema/?format=json", **{"Accept-Language": "de"})
    english = client.get("/api/schema/?format=json", **{"Accept-Language": "en"})

    assert german.status_code == english.status_code == 200
    assert german.content == english.content
    assert b"In progress" in german.content
    assert b"In Arbeit" not in german.content
