"""Labels a letter's context carries as values, put into words when the letter is rendered: in
the recipient's language (notifications.tasks.deliver), not the worker's English."""

from django import template
from django.utils.translation import gettext

from items.models import Kind

register = template.Library()


@register.filter
def kind_label(value: str) -> str:
    """An item kind's label in the active language. A letter queued before kinds travelled as
    values carries the English label instead: translated as it is."""
    return str(Kind(value).label) if value in Kind.values else gettext(value)
