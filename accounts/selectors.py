from django.contrib.auth.models import AbstractBaseUser

from accounts.models import AccountSettings


def account_settings_get(*, user: AbstractBaseUser) -> AccountSettings:
    """The user's settings, or unsaved blank ones (everything follows the browser)."""
    return AccountSettings.objects.filter(user=user).first() or AccountSettings(user=user)
