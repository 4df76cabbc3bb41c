"""The printable pack's filters: a field of a section's entry, named by the section, and the
pack's codes in the reader's language.

The pack (its JSON) carries codes such as "created", "approve" or "cancelled"; the page shows
each as a word of the reader's language. The msgid is the code itself, so an English page reads
exactly as the pack does."""

from typing import Any

from django import template
from django.utils.translation import pgettext, pgettext_lazy

from evidence.pack_sections import pack_sections

register = template.Library()

NOTHING = "—"
CONTEXT = "evidence pack code"

# Every code the page shows: journal entry kinds, stages, roles, votes, test results,
# acceptance decisions, kinds of change, and the coded fields of the registered sections.
CODES = (
    pgettext_lazy("evidence pack code", "created"),
    pgettext_lazy("evidence pack code", "edited"),
    pgettext_lazy("evidence pack code", "moved"),
    pgettext_lazy("evidence pack code", "reordered"),
    pgettext_lazy("evidence pack code", "removed"),
    pgettext_lazy("evidence pack code", "planning"),
    pgettext_lazy("evidence pack code", "in_progress"),
    pgettext_lazy("evidence pack code", "released"),
    pgettext_lazy("evidence pack code", "closed"),
    pgettext_lazy("evidence pack code", "cancelled"),
    pgettext_lazy("evidence pack code", "manager"),
    pgettext_lazy("evidence pack code", "developer"),
    pgettext_lazy("evidence pack code", "qa"),
    pgettext_lazy("evidence pack code", "approver"),
    pgettext_lazy("evidence pack code", "viewer"),
    pgettext_lazy("evidence pack code", "approve"),
    pgettext_lazy("evidence pack code", "reject"),
    pgettext_lazy("evidence pack code", "passed"),
    pgettext_lazy("evidence pack code", "failed"),
    pgettext_lazy("evidence pack code", "blocked"),
    pgettext_lazy("evidence pack code", "accepted"),
    pgettext_lazy("evidence pack code", "rejected"),
    pgettext_lazy("evidence pack code", "change_request"),
    pgettext_lazy("evidence pack code", "bug"),
    pgettext_lazy("evidence pack code", "incident"),
    pgettext_lazy("evidence pack code", "problem"),
    pgettext_lazy("evidence pack code", "task"),
    pgettext_lazy("evidence pack code", "feature"),
    pgettext_lazy("evidence pack code", "caused and fixed"),
    pgettext_lazy("evidence pack code", "caused"),
    pgettext_lazy("evidence pack code", "fixed"),
    pgettext_lazy("evidence pack code", "no longer linked"),
    pgettext_lazy("evidence pack code", "commit"),
    pgettext_lazy("evidence pack code", "merge_request"),
    pgettext_lazy("evidence pack code", "refused"),
    pgettext_lazy("evidence pack code", "already"),
    pgettext_lazy("evidence pack code", "given"),
    pgettext_lazy("evidence pack code", "pending"),
)


@register.filter
def pack_field(entry: dict[str, Any], name: str) -> Any:
    """`{{ entry|pack_field:field.name }}`: templates cannot index a dict by a variable. An
    empty value shows as a dash, a zero as itself."""
    value = entry.get(name)
    return NOTHING if value is None or value == "" else value


@register.filter
def pack_code(value: Any) -> Any:
    """`{{ entry.vote|pack_code }}`: a code (or a list of codes) in the reader's language; an
    unknown code, or anything else, as it is."""
    if isinstance(value, list):
        return [pack_code(v) for v in value]
    if isinstance(value, str) and value:
        return pgettext(CONTEXT, value)
    return value


@register.simple_tag
def pack_section_field(entry: dict[str, Any], section: str, name: str) -> Any:
    """`{% pack_section_field entry section_name field.name %}`: a section's field, its code
    translated if the registered section says its values are codes."""
    value = pack_field(entry, name)
    coded = {f.name for s in pack_sections() if s.name == section for f in s.fields if f.coded}
    return pack_code(value) if name in coded else value
