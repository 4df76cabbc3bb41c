from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.selectors import account_settings_get
from accounts.services import account_settings_remember


@receiver(user_logged_in, dispatch_uid="accounts_settings_into_session")
def settings_into_session(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        account_settings_remember(session=request.session, settings=account_settings_get(user=user))
