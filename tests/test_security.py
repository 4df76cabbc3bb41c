"""Security headers, cookies, production settings, and the admin's hold on states and history."""

import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from items.models import ReleaseItem, ReleaseStatus, state_still_holds_items
from projects.admin import HISTORY_READ_ONLY
from projects.models import ReleaseMember, ReleaseProject
from tests.conftest import Team

BASE_DIR = Path(__file__).resolve().parent.parent
CHANGELIST = "/admin/items/releasestatus/"
PAGES = [
    "/projects/",
    "/projects/PAY/",
    "/projects/PAY/board/",
    "/projects/PAY/items/",
    "/projects/PAY/items/1/",
    "/projects/PAY/items/1/edit/",
    "/projects/PAY/journal/",
]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"}
        and not key.startswith(("SECURE_", "PYTEST", "DJANGO_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "releasemgmt.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "releases.example.com",
        **overrides,
    }
    return {key: value for key, value in env.items() if value is not None}


# --- Headers and cookies ---------------------------------------------------------------------


@pytest.fixture
def member(team: Team) -> Client:
    team.item(number=1)
    return team.client(team.developer)


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_content_security_policy(member: Client, path: str) -> None:
    response = member.get(path)

    assert response.status_code == 200
    policy = csp_directives(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


@pytest.mark.parametrize("path", PAGES)
def test_every_script_carries_the_nonce_and_no_inline_handlers(member: Client, path: str) -> None:
    response = member.get(path)

    nonce = next(
        value.removeprefix("'nonce-").removesuffix("'")
        for value in csp_directives(response)["script-src"]
        if value.startswith("'nonce-")
    )
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert not re.search(r"\son[a-z]+=|\shx-on", response.text)
    assert "style=" not in response.text


def test_each_response_gets_a_fresh_nonce(member: Client) -> None:
    first = csp_directives(member.get("/projects/"))["script-src"]
    second = csp_directives(member.get("/projects/"))["script-src"]

    assert first != second


@pytest.mark.parametrize("path", [*PAGES, "/accounts/login/", "/projects/NOPE/"])
def test_responses_carry_the_protective_headers(team: Team, path: str) -> None:
    team.item(number=1)
    client = Client() if path == "/accounts/login/" else team.client(team.viewer)

    response = client.get(path)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


def test_error_pages_carry_the_headers_too(team: Team) -> None:
    client = team.client(team.viewer)

    for response in (
        client.get("/projects/NOPE/"),
        client.post("/projects/PAY/items/new/", {}),
        client.get("/projects/PAY/items/bulk-move/"),
    ):
        assert response.status_code in (403, 404, 405)
        assert response["X-Frame-Options"] == "DENY"
        assert "'unsafe-inline'" not in csp_directives(response)["script-src"]


def test_session_and_csrf_cookies_are_http_only_and_same_site(team: Team) -> None:
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "david", "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    csrf = client.get("/projects/").cookies.get("csrftoken") or client.cookies["csrftoken"]
    assert csrf["httponly"] is True


@pytest.mark.parametrize(
    "path", [*PAGES, "/projects/PAY/items/?_export=csv", "/projects/NOPE/", "/accounts/login/"]
)
def test_pages_seen_with_a_session_are_never_stored(member: Client, path: str) -> None:
    response = member.get(path)

    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_static_files_stay_cacheable_for_a_logged_in_user(member: Client, settings) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # serve static/ without collectstatic

    response = member.get("/static/css/app.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "no-store" in member.get("/projects/")["Cache-Control"]


def test_a_login_lasts_a_working_day_and_ends_with_the_browser(team: Team) -> None:
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "david", "password": "correct horse battery staple"}
    )

    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")  # a browser-session cookie
    stored = Session.objects.get(session_key=cookie.value)
    lifetime = stored.expire_date - timezone.now()
    assert timedelta(hours=9, minutes=59) < lifetime <= timedelta(hours=10)


# --- Production settings -------------------------------------------------------------------


def test_production_settings_pass_the_deployment_checklist() -> None:
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "no issues" in output


@pytest.mark.parametrize(
    "secret",
    [None, "", "short", "django-insecure-" + "x" * 60],
    ids=["missing", "empty", "short", "insecure-prefix"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret: str | None) -> None:
    env = production_env(SECRET_KEY=secret)

    result = run_python(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_development_settings_start_without_a_secret_key() -> None:
    env = production_env(DEBUG="true", SECRET_KEY=None)

    result = run_python(["-c", "import django; django.setup()"], env)

    assert result.returncode == 0, result.stderr


def print_settings(names: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    code = f"import django; django.setup(); from django.conf import settings as s; print({names})"
    return run_python(["-c", code], env)


@pytest.mark.parametrize(
    ("hours", "printed"),
    [(None, "36000 True"), ("9", "32400 True"), ("24", "86400 True")],
    ids=["default", "nine", "a-day"],
)
def test_session_hours_set_how_long_a_login_lasts(hours: str | None, printed: str) -> None:
    result = print_settings(
        "s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE",
        production_env(SESSION_HOURS=hours),
    )

    assert result.stdout.strip() == printed, result.stderr


@pytest.mark.parametrize("hours", ["0", "-3", "ten"])
def test_a_nonsensical_session_length_refuses_to_start(hours: str) -> None:
    result = print_settings("s.SESSION_COOKIE_AGE", production_env(SESSION_HOURS=hours))

    assert result.returncode != 0
    assert "SESSION_HOURS" in result.stderr


def test_mail_goes_to_the_console_in_development() -> None:
    result = print_settings(
        "s.MAILERS['default']['BACKEND']", production_env(DEBUG="true", SECRET_KEY=None)
    )

    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend", result.stderr


def test_mail_goes_through_smtp_in_production() -> None:
    env = production_env(
        SMTP_HOST="mail.example.com", SMTP_PORT="587", SMTP_STARTTLS="true", MAIL_FROM="rm@ex.com"
    )

    result = print_settings("s.MAILERS['default'], s.DEFAULT_FROM_EMAIL", env)

    output = result.stdout.strip()
    assert "'django.core.mail.backends.smtp.EmailBackend'" in output, result.stderr
    assert "'host': 'mail.example.com'" in output
    assert "'port': 587" in output
    assert "'use_tls': True" in output
    assert output.endswith("rm@ex.com")


# --- The admin -----------------------------------------------------------------------------


def changelist_data(states: list[ReleaseStatus], **changes: dict) -> dict:
    """The release states changelist's list_editable formset, with `changes` by state id."""
    data = {
        "form-TOTAL_FORMS": str(len(states)),
        "form-INITIAL_FORMS": str(len(states)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, state in enumerate(states):
        values = {"position": state.position, "enabled": state.enabled}
        values |= changes.get(f"s{state.id}", {})
        data[f"form-{index}-id"] = str(state.id)
        data[f"form-{index}-position"] = str(values["position"])
        if values["enabled"]:
            data[f"form-{index}-enabled"] = "on"
    return data


def test_superuser_edits_position_and_enabled_in_the_state_list(
    team: Team, states: list[ReleaseStatus]
) -> None:
    client = team.client(team.admin)
    # The board first: its worker now holds the states in memory (items.workflow).
    before = team.client(team.viewer).get("/projects/PAY/board/").text
    assert before.index("0 - Developing") < before.index("7 - Closed")

    page = client.get(CHANGELIST)
    response = client.post(
        CHANGELIST,
        changelist_data(states, s4595={"position": -5}, s4590={"enabled": False}),
    )

    assert 'name="form-0-position"' in page.text
    assert 'name="form-0-enabled"' in page.text
    assert response.status_code == 302
    closed, to_close = ReleaseStatus.objects.get(pk=4595), ReleaseStatus.objects.get(pk=4590)
    assert (closed.position, closed.enabled) == (-5, True)
    assert to_close.enabled is False
    row = to_close.history.latest("history_date")
    assert (row.change_kind, row.history_user) == ("edited", team.admin)
    board = team.client(team.viewer).get("/projects/PAY/board/").text
    assert "6 - Ready to be closed" not in board
    assert board.index("7 - Closed") < board.index("0 - Developing")


def test_disabling_a_state_that_holds_items_is_refused_with_the_message(
    team: Team, states: list[ReleaseStatus]
) -> None:
    team.item(number=1)
    team.item(number=2)
    client = team.client(team.admin)

    response = client.post(
        CHANGELIST,
        changelist_data(states, s4500={"enabled": False}, s4595={"position": -5}),
    )

    assert response.status_code == 200
    message = state_still_holds_items(name="0 - Developing", count=2)
    assert escape(message) in response.text
    assert ReleaseStatus.objects.get(pk=4500).enabled is True
    assert ReleaseStatus.objects.get(pk=4595).position != -5  # nothing of the batch is saved


def test_a_state_holding_items_cannot_be_disabled_on_its_change_page_either(
    team: Team,
) -> None:
    team.item(number=1)

    response = team.client(team.admin).post(
        "/admin/items/releasestatus/4500/change/",
        {"name": "0 - Developing", "position": 0, "description": "", "_save": "Save"},
    )

    assert response.status_code == 200
    assert escape(state_still_holds_items(name="0 - Developing", count=1)) in response.text
    assert ReleaseStatus.objects.get(pk=4500).enabled is True


def test_non_staff_members_cannot_reach_the_admin(team: Team) -> None:
    response = team.client(team.manager).get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


HISTORY_PAGES = [
    ("items", "releasestatus", lambda team: ReleaseStatus.objects.get(pk=4500)),
    ("items", "releaseitem", lambda team: team.item(number=1)),
    ("projects", "releaseproject", lambda team: team.project),
    ("projects", "releasemember", lambda team: team.project.members.first()),
]
HISTORY_IDS = ["state", "item", "project", "member"]


@pytest.mark.parametrize(("app", "model", "subject"), HISTORY_PAGES, ids=HISTORY_IDS)
def test_admin_history_pages_are_read_only(team: Team, app: str, model: str, subject) -> None:
    obj = subject(team)
    row = obj.history.earliest("history_date")
    client = team.client(team.admin)

    listing = client.get(f"/admin/{app}/{model}/{obj.pk}/history/")
    version = client.get(f"/admin/{app}/{model}/{obj.pk}/history/{row.history_id}/")

    assert listing.status_code == 200
    assert "View history" in listing.text
    assert "Revert" not in listing.text
    assert version.status_code == 200
    assert "Revert" not in version.text
    assert 'name="_save"' not in version.text
    assert 'name="_change_history"' not in version.text


def test_posting_to_a_history_page_reverts_nothing(team: Team) -> None:
    state = ReleaseStatus.objects.get(pk=4500)
    first = state.history.earliest("history_date")
    state.name, state.description = "0 - Building", "Renamed"
    state.save()
    before = ReleaseStatus.history.count()

    response = team.client(team.admin).post(
        f"/admin/items/releasestatus/4500/history/{first.history_id}/",
        {"name": "0 - Developing", "position": 0, "enabled": "on", "description": "", "_save": "1"},
    )

    assert response.status_code == 403
    assert escape(str(HISTORY_READ_ONLY)) in response.text
    state.refresh_from_db()
    assert (state.name, state.description) == ("0 - Building", "Renamed")
    assert ReleaseStatus.history.count() == before


@pytest.mark.parametrize(("app", "model", "subject"), HISTORY_PAGES, ids=HISTORY_IDS)
def test_no_history_page_accepts_a_post(team: Team, app: str, model: str, subject) -> None:
    obj = subject(team)
    row = obj.history.earliest("history_date")
    journal = type(row).objects.count()

    response = team.client(team.admin).post(
        f"/admin/{app}/{model}/{obj.pk}/history/{row.history_id}/", {"_save": "1"}
    )

    assert response.status_code == 403
    assert type(row).objects.count() == journal


HISTORICAL_MODELS = [
    ReleaseStatus.history.model,
    ReleaseItem.history.model,
    ReleaseProject.history.model,
    ReleaseMember.history.model,
]


@pytest.mark.parametrize("model", HISTORICAL_MODELS, ids=lambda m: m.__name__)
def test_historical_rows_have_no_admin_pages(team: Team, model) -> None:
    team.item(number=1)
    row = model.objects.order_by("history_id").first()
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    client = team.client(team.admin)

    assert not admin.site.is_registered(model)
    assert client.get(base).status_code == 404
    assert client.get(f"{base}{row.pk}/change/").status_code == 404
    assert client.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 404
    assert model.objects.filter(pk=row.pk).exists()


def test_admin_index_lists_no_historical_models(team: Team) -> None:
    html = team.client(team.admin).get("/admin/").text

    assert "Release states" in html
    assert "historical" not in html.lower()
