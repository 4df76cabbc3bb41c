"""Over-long usernames at the login forms get a form error, never a 500 (django-axes records
failed logins in a 255-character column; Django's own forms never enforced their max_length)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client

from releasemgmt.forms import USERNAME_TOO_LONG

LONG_NAMES = ["u" * 151, "u" * 256, "é" * 300, "u" * 100_000]


@pytest.fixture
def client(db) -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("username", LONG_NAMES)
def test_an_over_long_username_is_a_form_error_at_the_login_page(client, username, settings):
    assert "axes" in settings.INSTALLED_APPS

    response = client.post("/accounts/login/", {"username": username, "password": "x"})

    # A form error, like a wrong password: the login page answers 200 with the form again.
    assert response.status_code == 200
    assert USERNAME_TOO_LONG.format(max=150) in response.text
    assert "didn't match" not in response.text  # the length, not the password, is the problem
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("username", LONG_NAMES)
def test_an_over_long_username_is_a_form_error_at_the_admin_login(client, username):
    response = client.post("/admin/login/", {"username": username, "password": "x"})

    # A form error, like a wrong password: the login page answers 200 with the form again.
    assert response.status_code == 200
    assert USERNAME_TOO_LONG.format(max=150) in response.text
    assert not AccessAttempt.objects.exists()


def test_a_username_of_the_longest_allowed_length_still_logs_in(client):
    username = "u" * 150
    get_user_model().objects.create_user(username=username, password="pw-123-long-enough")

    response = client.post(
        "/accounts/login/", {"username": username, "password": "pw-123-long-enough"}
    )

    assert response.status_code == 302


def test_failed_logins_of_a_long_allowed_username_are_still_counted(client):
    response = client.post("/accounts/login/", {"username": "u" * 150, "password": "wrong"})

    assert response.status_code == 200
    assert AccessAttempt.objects.get().failures_since_start == 1
