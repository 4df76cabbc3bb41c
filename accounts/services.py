from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase

from accounts.middleware import SESSION_LANGUAGE, SESSION_TIME_ZONE
from accounts.models import AccountSettings


def account_settings_remember(*, session: SessionBase, settings: AccountSettings) -> None:
    """Copy the choice into the session: the middleware reads it there, query-free."""
    for key, value in (
        (SESSION_TIME_ZONE, settings.time_zone),
        (SESSION_LANGUAGE, settings.language),
    ):
        if value:
            session[key] = value
        else:
            session.pop(key, None)


def account_settings_update(
    *, user: AbstractBaseUser, session: SessionBase, time_zone: str, language: str
) -> AccountSettings:
    settings, _ = AccountSettings.objects.update_or_create(
        user=user, defaults={"time_zone": time_zone, "language": language}
    )
    account_settings_remember(session=session, settings=settings)
    return settings
