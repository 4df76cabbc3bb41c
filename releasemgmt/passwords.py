"""Changing one's own password, and resetting a forgotten one, on Django's auth views.

The lockout (django-axes) guards every place a password is guessed: the login form counts failed
attempts through authenticate(), so the password change form checks the old password through
authenticate() too; a stolen session cannot guess the password it would need to take the account
over, unthrottled. A reset never logs in (Django's default, kept): the next login goes through the
guarded form. The reset form answers the same whether or not an account has that address.
"""

from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables


class LockoutPasswordChangeForm(PasswordChangeForm):
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
