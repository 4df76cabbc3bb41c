"""Repeated failed logins are throttled; a correct password after the lock does not get in."""

import pytest
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(db):
    return UserFactory(username="maria")


def _login(client: Client, password: str):
    return client.post("/accounts/login/", {"username": "maria", "password": password})


def test_a_wrong_password_shows_the_form_again_with_a_message(user):
    response = _login(Client(), "wrong")
    assert response.status_code == 200
    assert "didn't match" in response.text


def test_five_failures_lock_the_account_from_that_address(user, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong")
    response = _login(client, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "_auth_user_id" not in client.session


def test_a_correct_password_before_the_limit_logs_in(user, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    response = _login(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


# --- Behind the reverse proxy (TRUSTED_PROXY_COUNT = 1): the lock is per user and client ------

PROXY = "127.0.0.1"
ATTACKER = "198.51.100.66"
VICTIM = "203.0.113.7"


def _login_via_proxy(client: Client, password: str, forwarded: str):
    return client.post(
        "/accounts/login/",
        {"username": "maria", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_an_attacker_cannot_lock_the_victim_out_from_elsewhere(user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login_via_proxy(attacker, "wrong", ATTACKER)
    assert _login_via_proxy(attacker, PASSWORD, ATTACKER).status_code == 429

    victim = Client()
    response = _login_via_proxy(victim, PASSWORD, VICTIM)

    assert response.status_code == 302
    assert victim.session["_auth_user_id"] == str(user.pk)


def test_a_spoofed_forwarded_header_does_not_lift_the_attackers_lock(user, settings):
    # The proxy appends the attacker's real address; only the part left of it is theirs.
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login_via_proxy(attacker, "wrong", f"10.9.9.{n}, {ATTACKER}")

    response = _login_via_proxy(attacker, PASSWORD, f"{VICTIM}, {ATTACKER}")

    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session


def test_without_a_trusted_proxy_a_forwarded_header_changes_nothing(user, settings):
    # Straight to gunicorn, the header is the client's own words: the lock stays on the socket.
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "maria", "password": "wrong"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
        )

    response = client.post(
        "/accounts/login/",
        {"username": "maria", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR=VICTIM,
    )

    assert response.status_code == 429
