"""Times as a user reads them: in their zone, with the zone named, and relative where that
helps. `{% load clock %}` then `{{ moment|when }}`, `{{ moment|when:"seconds" }}`,
`{{ moment|when:"date" }}` or `{{ moment|when:"relative" }}`. Each renders a <time> element
whose datetime attribute is the exact instant and whose title is the full local time."""

import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext, npgettext_lazy

register = template.Library()

# The units of a relative time, each in the grammatical case its sentence needs (German: "vor
# 2 Tagen" but "in 2 Tagen"), hence a context for each direction.
PAST = {
    "year": npgettext_lazy("time ago", "%(num)d year", "%(num)d years", "num"),
    "month": npgettext_lazy("time ago", "%(num)d month", "%(num)d months", "num"),
    "week": npgettext_lazy("time ago", "%(num)d week", "%(num)d weeks", "num"),
    "day": npgettext_lazy("time ago", "%(num)d day", "%(num)d days", "num"),
    "hour": npgettext_lazy("time ago", "%(num)d hour", "%(num)d hours", "num"),
    "minute": npgettext_lazy("time ago", "%(num)d minute", "%(num)d minutes", "num"),
}
FUTURE = {
    "year": npgettext_lazy("time ahead", "%(num)d year", "%(num)d years", "num"),
    "month": npgettext_lazy("time ahead", "%(num)d month", "%(num)d months", "num"),
    "week": npgettext_lazy("time ahead", "%(num)d week", "%(num)d weeks", "num"),
    "day": npgettext_lazy("time ahead", "%(num)d day", "%(num)d days", "num"),
    "hour": npgettext_lazy("time ahead", "%(num)d hour", "%(num)d hours", "num"),
    "minute": npgettext_lazy("time ahead", "%(num)d minute", "%(num)d minutes", "num"),
}

FORMATS = {
    "datetime": "Y-m-d H:i T",
    "seconds": "Y-m-d H:i:s T",
    "date": "Y-m-d",
    "time": "H:i T",
}


def moment_relative(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """ "3 hours ago" or "in 2 days" (one unit: enough to place a moment at a glance)."""
    now = now or timezone.now()
    if abs((now - moment).total_seconds()) < 60:
        return gettext("just now")
    if moment <= now:
        delta = timesince(moment, now, time_strings=PAST, depth=1)
        return gettext("%(delta)s ago") % {"delta": delta}
    delta = timeuntil(moment, now, time_strings=FUTURE, depth=1)
    return gettext("in %(delta)s") % {"delta": delta}


@register.filter
def when(value: datetime.datetime | datetime.date | None, style: str = "datetime") -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), value.isoformat())
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    exact = local.isoformat(timespec="seconds")
    full = date_format(local, FORMATS["seconds"])
    if style == "relative":
        shown = moment_relative(value)
    else:
        shown = date_format(local, FORMATS.get(style, FORMATS["datetime"]))
    return format_html('<time datetime="{}" title="{}">{}</time>', exact, full, shown)


@register.filter
def when_text(value: datetime.datetime | None, style: str = "datetime") -> str:
    """The same words without markup: for attributes, plain-text mails and CSV."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return value.isoformat()
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if style == "relative":
        return moment_relative(value)
    return date_format(local, FORMATS.get(style, FORMATS["datetime"]))
