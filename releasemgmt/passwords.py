"""Changing one's own password, and resetting a forgotten one, on Django's auth views.

The lockout (django-axes) guards every place a password is guessed: the login form counts failed
attempts through authenticate(), so the password change form checks the old password through
authenticate() too; a stolen session cannot guess the password it would need to take the account
over, unthrottled. A reset never logs in (Django's default, kept): the next login goes through the
guarded form. The reset form answers the same whether or not an account has that address, and
as fast: the mail leaves after the answer (see PasswordResetForm).
"""

import logging
import threading

from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.views.decorators.debug import sensitive_variables

logger = logging.getLogger(__name__)
RESET_MAIL_THREAD = "password-reset-mail"


class LockoutPasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, with the old password checked like a login (counted, refused when locked)."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    @sensitive_variables("old_password")
    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        # A wrong guess is recorded as a failed login; while locked out, axes refuses even the
        # right one and its middleware answers the lockout page (429).
        user = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if user is None or user.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = LockoutPasswordChangeForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}


def _reset_mail_send(message: EmailMultiAlternatives, user_pk: object) -> None:
    try:
        message.send()
    except Exception:  # a thread has no caller to tell: log it, like Django's own form does
        logger.exception("Failed to send password reset email to %s", user_pk)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, sending the mail in a thread of its own once the message is built.

    Sent inside the request, the mail server's round trip (up to its 10 s timeout) happened only
    for addresses that have an account, so the answer's time told whether one exists.
    """

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            message.attach_alternative(
                render_to_string(html_email_template_name, context), "text/html"
            )
        # Not a daemon: a worker that is shutting down still hands over the mail first.
        threading.Thread(
            target=_reset_mail_send,
            args=(message, context["user"].pk),
            name=RESET_MAIL_THREAD,
        ).start()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
