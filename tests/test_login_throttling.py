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
