"""The time zones a user may choose, and which one a request is shown in."""

import functools
import zoneinfo

from django.conf import settings
from django.http import HttpRequest

# Set by static/js/timezone.js from the browser's Intl API: the zone of users who chose none.
BROWSER_ZONE_COOKIE = "tz"


@functools.cache
def zone_names() -> frozenset[str]:
    """Every IANA zone this machine knows (read once: it walks the zone files)."""
    return frozenset(zoneinfo.available_timezones())


def zone_is_known(name: str) -> bool:
    return name in zone_names()


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zone_names())]


def installation_zone() -> str:
    return settings.TIME_ZONE


def browser_zone(request: HttpRequest) -> str | None:
    """The zone the browser reported (static/js/timezone.js), if it is a real one."""
    zone = request.COOKIES.get(BROWSER_ZONE_COOKIE, "")
    return zone if zone_is_known(zone) else None
