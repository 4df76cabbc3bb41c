"""The language and time zone of each request: the user's own choice, else the browser's, else
the installation's. The choice rides in the session (copied there at login and on saving),
so no page pays a query for it."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from accounts.zones import browser_zone, installation_zone, zone_is_known

SESSION_TIME_ZONE = "account_time_zone"
SESSION_LANGUAGE = "account_language"


def request_zone(request: HttpRequest) -> tuple[str, str]:
    """(zone name, where it came from: "account", "browser" or "installation")."""
    chosen = request.session.get(SESSION_TIME_ZONE) if hasattr(request, "session") else None
    if chosen and zone_is_known(chosen):
        return chosen, "account"
    browser = browser_zone(request)
    if browser:
        return browser, "browser"
    return installation_zone(), "installation"


class UserLocaleMiddleware:
    """Runs after LocaleMiddleware (which read Accept-Language) and AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get(SESSION_LANGUAGE) if hasattr(request, "session") else None
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone, source = request_zone(request)
        request.time_zone_source = source
        timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            # The next request on this thread starts from the installation's zone again.
            timezone.deactivate()
