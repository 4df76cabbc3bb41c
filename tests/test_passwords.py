"""Everyone changes their own password, and resets a forgotten one by mail; the lockout holds."""

import re
import threading
from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from releasemgmt.passwords import RESET_MAIL_THREAD
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "plum-tangerine-47-gadget"
CHANGE = "/accounts/password_change/"
RESET = "/accounts/password_reset/"
RESET_DONE = "/accounts/password_reset/done/"


@pytest.fixture
def developer(db):
    return UserFactory(username="david", email="david@example.com")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def can_log_in(username: str, password: str) -> bool:
    """Whether that is the password now (without a login attempt the lockout would count)."""
    return get_user_model().objects.get(username=username).check_password(password)


def change(client: Client, old: str, new: str = NEW_PASSWORD):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


# --- Changing one's own password -----------------------------------------------------------


def test_a_developer_changes_their_own_password(developer) -> None:
    client = logged_in(developer)

    response = change(client, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Your password was changed" in done.text
    assert can_log_in("david", NEW_PASSWORD)
    assert not can_log_in("david", PASSWORD)
    # The session that changed it stays logged in.
    assert client.get("/projects/").status_code == 200


def test_the_header_links_to_the_password_change_page(developer) -> None:
    page = logged_in(developer).get("/projects/").text

    assert f'href="{CHANGE}"' in page
    assert "Change password" in page


def test_the_password_change_page_is_styled_like_the_site(developer) -> None:
    response = logged_in(developer).get(CHANGE)

    assert response.status_code == 200
    assert 'class="topbar"' in response.text  # our base template, not the admin's
    assert 'name="old_password"' in response.text
    assert 'name="new_password1"' in response.text


def test_a_wrong_old_password_changes_nothing(developer) -> None:
    response = change(logged_in(developer), "not my password")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    assert can_log_in("david", PASSWORD)


def test_a_weak_new_password_is_refused_with_the_reason(developer) -> None:
    response = change(logged_in(developer), PASSWORD, new="12345678")

    assert response.status_code == 200
    assert "This password is too common" in response.text
    assert can_log_in("david", PASSWORD)


def test_changing_a_password_needs_a_login() -> None:
    response = Client().get(CHANGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_changing_a_password_needs_the_csrf_token(developer) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(developer)

    response = change(client, PASSWORD)

    assert response.status_code == 403
    assert can_log_in("david", PASSWORD)


def test_wrong_old_passwords_count_towards_the_login_lockout(developer, settings) -> None:
    client = logged_in(developer)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        change(client, "guess")

    # Even the right old password is refused now, and so is the login form from here.
    response = change(client, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    login = Client().post("/accounts/login/", {"username": "david", "password": PASSWORD})
    assert login.status_code == 429
    assert not can_log_in("david", NEW_PASSWORD)


def test_the_lockout_log_never_holds_the_passwords_typed(developer) -> None:
    change(logged_in(developer), "my-old-guess-123")

    attempt = AccessAttempt.objects.get(username="david")
    assert "my-old-guess-123" not in attempt.post_data
    assert NEW_PASSWORD not in attempt.post_data


# --- Resetting a forgotten password --------------------------------------------------------


def sent_mail() -> list[mail.EmailMessage]:
    """The mail sent so far, once the reset mails under way have left (they go in a thread)."""
    for thread in threading.enumerate():
        if thread.name == RESET_MAIL_THREAD:
            thread.join(timeout=10)
    return mail.outbox


def reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_login_page_links_to_the_password_reset() -> None:
    page = Client().get("/accounts/login/").text

    assert f'href="{RESET}"' in page


def test_a_forgotten_password_is_reset_by_mail_end_to_end(developer) -> None:
    client = Client()

    asked = client.post(RESET, {"email": "david@example.com"})

    assert asked.status_code == 302
    assert asked["Location"] == RESET_DONE
    assert len(sent_mail()) == 1
    message = sent_mail()[0]
    assert message.to == ["david@example.com"]
    assert "david" in message.body  # the username, in case they forgot that too
    link = reset_link(message)

    # The link swaps its token for a session and shows the form.
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.text
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == "/accounts/reset/done/"
    assert "log in" in client.get(done["Location"]).text.lower()
    assert can_log_in("david", NEW_PASSWORD)
    assert not can_log_in("david", PASSWORD)
    login = Client().post("/accounts/login/", {"username": "david", "password": NEW_PASSWORD})
    assert login.status_code == 302
    # A reset does not log in: the next login goes through the lockout-guarded form.
    assert "_auth_user_id" not in client.session
    # The link works once.
    again = Client().get(link, follow=True)
    assert "invalid" in again.text.lower()
    assert 'name="new_password1"' not in again.text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(developer) -> None:
    known = Client().post(RESET, {"email": "david@example.com"})
    unknown = Client().post(RESET, {"email": "nobody@example.com"})

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in sent_mail()] == [["david@example.com"]]
    page_known = Client().get(known["Location"]).text
    page_unknown = Client().get(unknown["Location"]).text
    assert re.sub(r'nonce="[^"]+"', "", page_known) == re.sub(r'nonce="[^"]+"', "", page_unknown)


def test_a_deactivated_account_gets_no_reset_mail_and_the_same_answer(developer) -> None:
    developer.is_active = False
    developer.save()

    response = Client().post(RESET, {"email": "david@example.com"})

    assert (response.status_code, response["Location"]) == (302, RESET_DONE)
    assert sent_mail() == []


@pytest.mark.parametrize("email", ["", "not-an-address", "x" * 250 + "@example.com"])
def test_a_malformed_address_is_a_form_error_not_a_crash(developer, email: str) -> None:
    response = Client().post(RESET, {"email": email})

    assert response.status_code == 200
    assert 'class="errorlist' in response.text
    assert sent_mail() == []


def test_a_tampered_reset_link_is_refused(developer) -> None:
    Client().post(RESET, {"email": "david@example.com"})
    link = reset_link(sent_mail()[0])
    uid = link.split("/")[3]

    response = Client().get(f"/accounts/reset/{uid}/abc-0123456789abcdef/", follow=True)

    assert response.status_code == 200
    assert "invalid" in response.text.lower()
    assert 'name="new_password1"' not in response.text
    assert get_user_model().objects.get(username="david").check_password(PASSWORD)


def test_the_reset_pages_need_no_login_and_keep_the_csp(developer) -> None:
    Client().post(RESET, {"email": "david@example.com"})
    link = reset_link(sent_mail()[0])
    anonymous = Client()
    form = anonymous.get(link, follow=True)
    pages = [
        anonymous.get(RESET),
        anonymous.get(RESET_DONE),
        form,
        anonymous.get("/accounts/reset/done/"),
        logged_in(developer).get(CHANGE),
        logged_in(developer).get("/accounts/password_change/done/"),
    ]

    for response in pages:
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy
        assert "style=" not in response.text
        assert not re.search(r"\son[a-z]+=|\shx-on", response.text)
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert all(
            f'nonce="{nonce}"' in tag for tag in re.findall(r"<script\b[^>]*>", response.text)
        )


def test_the_admins_change_password_link_leads_to_the_guarded_page(db) -> None:
    # One password change page, whose old-password check counts towards the lockout.
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = logged_in(admin)

    response = client.get("/admin/password_change/", follow=True)

    assert response.redirect_chain == [(CHANGE, 302)]
    assert 'name="old_password"' in response.text
    assert change(client, PASSWORD).status_code == 302
    assert can_log_in("root", NEW_PASSWORD)


def test_changing_the_password_logs_out_the_accounts_other_sessions(developer) -> None:
    elsewhere = logged_in(developer)
    here = logged_in(developer)

    change(here, PASSWORD)

    assert here.get("/projects/").status_code == 200
    assert elsewhere.get("/projects/").status_code == 302  # to the login page


def test_a_reset_link_expires_after_an_hour(developer, monkeypatch) -> None:
    Client().post(RESET, {"email": "david@example.com"})
    link = reset_link(sent_mail()[0])
    later = datetime.now() + timedelta(hours=1, minutes=1)  # noqa: DTZ005  (Django's own clock)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = Client().get(link, follow=True)

    assert "invalid" in response.text.lower()
    assert 'name="new_password1"' not in response.text


class HeldMailBackend(BaseEmailBackend):
    """A mail server that holds each message until the test releases it."""

    release = threading.Event()
    sent: list = []

    def send_messages(self, messages: list) -> int:
        HeldMailBackend.release.wait(timeout=10)
        HeldMailBackend.sent.extend(messages)
        return len(messages)


def test_the_answer_does_not_wait_for_the_mail_server(developer, settings) -> None:
    # Else a slow mail server makes known addresses answer slower than unknown ones.
    settings.MAILERS = {"default": {"BACKEND": "tests.test_passwords.HeldMailBackend"}}
    HeldMailBackend.release.clear()
    HeldMailBackend.sent = []

    response = Client().post(RESET, {"email": "david@example.com"})

    assert (response.status_code, response["Location"]) == (302, RESET_DONE)
    assert HeldMailBackend.sent == []  # answered while the mail server still holds the mail
    HeldMailBackend.release.set()
    sent_mail()
    assert [m.to for m in HeldMailBackend.sent] == [["david@example.com"]]


def test_a_mail_server_failure_is_logged_and_the_answer_is_the_same(
    developer, settings, caplog
) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }

    response = Client().post(RESET, {"email": "david@example.com"})
    sent_mail()

    assert (response.status_code, response["Location"]) == (302, RESET_DONE)
    assert f"Failed to send password reset email to {developer.pk}" in caplog.text
