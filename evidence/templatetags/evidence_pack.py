"""The printable pack's one filter: a field of a section's entry, named by the section."""

from typing import Any

from django import template

register = template.Library()

NOTHING = "—"


@register.filter
def pack_field(entry: dict[str, Any], name: str) -> Any:
    """`{{ entry|pack_field:field.name }}`: templates cannot index a dict by a variable. An
    empty value shows as a dash, a zero as itself."""
    value = entry.get(name)
    return NOTHING if value is None or value == "" else value
