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
from django.utils.translation import gettext

register = template.Library()

FORMATS = {
    "datetime": "Y-m-d H:i T",
    "seconds": "Y-m-d H:i:s T",
    "date": "Y-m-d",
    "time": "H:i T",
}


def moment_relative(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """ "3 hours ago" or "in 2 days" (one unit: enough to place a moment at a glance)."""
    now = now or timezone.now()
    if moment <= now:
        return gettext("%(delta)s ago") % {"delta": timesince(moment, now, depth=1)}
    return gettext("in %(delta)s") % {"delta": timeuntil(moment, now, depth=1)}


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
