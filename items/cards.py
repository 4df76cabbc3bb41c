"""The board's cards as HTML, built in Python.

Rendered by the template engine a card cost ~300 variable lookups: a 1,000-item board spent
nearly all its time there (docs/PERFORMANCE.md). The markup is the template's: every value is
escaped here as the template would.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from items.arrows import BLOCKED, FORM, Arrow
from items.models import ReleaseItem


def _arrow_html(a: Arrow) -> str:
    if a.kind == FORM:
        if a.reorders:
            how = f' formaction="{escape(a.url)}" class="arrow order"'
        else:
            how = ' class="arrow state"'
        return (
            f'<button name="{a.field}" value="{a.value}"{how} aria-label="{escape(a.label)}">'
            f"{a.glyph}</button>"
        )
    if a.kind == BLOCKED:
        name = _("{label}: blocked, {reason}").format(label=a.label, reason=a.reason)
        title = _("Blocked: {reason}").format(reason=a.reason)
        return (
            f'<button type="button" value="{a.value}" class="arrow state blocked"'
            f' aria-disabled="true" aria-label="{escape(name)}"'
            f' title="{escape(title)}">{a.glyph}</button>'
        )
    name = _("{label}: needs a comment").format(label=a.label)
    title = _("{label}: needs a comment, given on the item page").format(label=a.label)
    return (
        f'<a class="button arrow state" href="{escape(a.url)}" aria-label="{escape(name)}"'
        f' title="{escape(title)}">{a.glyph}</a>'
    )


def card_html(
    *, item: ReleaseItem, can_move: bool, csrf_input: str, oob: bool = False
) -> SafeString:
    """One card: key, kind, priority, title, assignee, its arrows (one form) and gate notes;
    with `oob`, marked to replace its twin on the board (an in-place answer's htmx swap)."""
    if item.assignee_id:
        who = escape(item.assignee.get_full_name() or item.assignee)
    else:
        who = f'<span class="muted">{escape(_("Unassigned"))}</span>'
    swap = ' data-hx-swap-oob="true"' if oob else ""
    parts = [
        f'<li class="card prio-{item.priority}" id="card-{item.pk}" data-number="{item.number}"'
        f' data-version="{item.version}"{swap}><div class="card-head"><a class="key"'
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
        note = _("Approved by {names}").format(names=approved_by)
        parts.append(f'<p class="approved-note">{escape(note)}</p>')
    if item.notes:
        notes = "".join(
            f"<span>{escape(note[:1].upper() + note[1:])}</span>" for note in item.notes
        )
        parts.append(f'<p class="gate-note">{notes}</p>')
    parts.append("</li>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
