"""The board's cards as HTML, built in Python.

Rendered by the template engine a card cost ~300 variable lookups: a 1,000-item board spent
nearly all its time there (docs/PERFORMANCE.md). The markup is the template's: every value is
escaped here as the template would.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from items.arrows import BLOCKED, FORM, Arrow
from items.models import ReleaseItem


def _arrow_html(a: Arrow) -> str:
    label = escape(a.label)
    if a.kind == FORM:
        if a.reorders:
            how = f' formaction="{escape(a.url)}" class="arrow order"'
        else:
            how = ' class="arrow state"'
        return (
            f'<button name="{a.field}" value="{a.value}"{how} aria-label="{label}">'
            f"{a.glyph}</button>"
        )
    if a.kind == BLOCKED:
        reason = escape(a.reason)
        return (
            f'<button type="button" value="{a.value}" class="arrow state blocked"'
            f' aria-disabled="true" aria-label="{label}: blocked, {reason}"'
            f' title="Blocked: {reason}">{a.glyph}</button>'
        )
    return (
        f'<a class="button arrow state" href="{escape(a.url)}" aria-label="{label}: needs a'
        f' comment" title="{label}: needs a comment, given on the item page">{a.glyph}</a>'
    )


def card_html(*, item: ReleaseItem, can_move: bool, csrf_input: str) -> SafeString:
    """One card: key, kind, priority, title, assignee, its arrows (one form) and gate notes."""
    if item.assignee_id:
        who = escape(item.assignee.get_full_name() or item.assignee)
    else:
        who = '<span class="muted">Unassigned</span>'
    parts = [
        f'<li class="card prio-{item.priority}" id="card-{item.pk}" data-number="{item.number}"'
        f' data-version="{item.version}"><div class="card-head"><a class="key"'
        f' href="{item.url}">{escape(item.key)}</a> <span class="badge kind-{item.kind}">'
        f'{escape(item.get_kind_display())}</span> <span class="badge priority">'
        f'{escape(item.get_priority_display())}</span></div><p class="card-title">'
        f'{escape(item.title)}</p><p class="assignee">{who}</p>'
    ]
    arrows = getattr(item, "arrows", None)
    if can_move and arrows:
        url = escape(item.move_url)
        parts.append(
            f'<form class="arrows" method="post" action="{url}" data-hx-post="{url}">{csrf_input}'
            f'<input type="hidden" name="version" value="{item.version}">'
        )
        parts.extend(_arrow_html(a) for a in arrows)
        parts.append("</form>")
    approved_by = getattr(item, "approved_by", "")
    if approved_by:
        parts.append(f'<p class="approved-note">Approved by {escape(approved_by)}</p>')
    if item.notes:
        notes = "".join(
            f"<span>{escape(note[:1].upper() + note[1:])}</span>" for note in item.notes
        )
        parts.append(f'<p class="gate-note">{notes}</p>')
    parts.append("</li>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
