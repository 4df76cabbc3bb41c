"""The login forms (the site's and the admin's): an over-long username is a form error.

Django's AuthenticationForm sets the username field's max_length after the field is built, so
the length was never checked: a 256-character name reached authenticate(), and django-axes,
recording the failure in its 255-character column, crashed the page (500).
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

USERNAME_TOO_LONG = _("A username has at most {max} characters.")


class UsernameLengthMixin:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(
            MaxLengthValidator(field.max_length, USERNAME_TOO_LONG.format(max=field.max_length))
        )


class LoginForm(UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(UsernameLengthMixin, AdminAuthenticationForm):
    pass
