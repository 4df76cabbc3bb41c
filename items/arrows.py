"""The board's arrow buttons as plain data, built once per card in Python.

A 1,000-card board rendered one `{% include %}` and two URL reversals per arrow, which made it
template-bound (docs/PERFORMANCE.md); the cards now carry their arrows ready to print, all in
one form per card (the reorder buttons post to their own URL with `formaction`).
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from items.models import ReleaseItem
from items.policy import Decision
from items.selectors import BoardColumn
from projects.models import ReleaseProject

FORM, LINK, BLOCKED = "form", "link", "blocked"
GLYPHS = {"prev": "◀", "top": "⤒", "up": "▲", "down": "▼", "bottom": "⤓", "next": "▶"}
REORDER = Decision(allowed=True)  # reordering has no rule: whoever may move may reorder


@dataclass(frozen=True, slots=True)
class Arrow:
    kind: (
        str  # FORM (a button of the card's form), LINK (to the item page: needs a comment), BLOCKED
    )
    url: str  # the reorder URL (formaction); empty for moves, which post to the form's action
    field: str  # "direction" or "shift"
    value: str  # prev, top, up, down, bottom, next
    label: str  # the accessible name, e.g. "Move PAY-12 to 1 - Ready for Review"
    reason: str = ""  # why it is blocked

    @property
    def glyph(self) -> str:
        return GLYPHS[self.value]

    @property
    def reorders(self) -> bool:
        return self.field == "shift"


def _arrow(
    *, item: ReleaseItem, reorder_url: str, value: str, label: str, decision: Decision | None
) -> Arrow | None:
    if decision is None or not (decision.allowed or decision.blocked):
        return None  # a move this user may never make: no arrow at all
    field = "direction" if value in ("prev", "next") else "shift"
    if decision.blocked:
        return Arrow(BLOCKED, "", field, value, label, reason="; ".join(decision.blockers))
    if decision.rule is not None and decision.rule.comment_required:
        return Arrow(LINK, f"{item.url}#move-title", field, value, label)
    return Arrow(FORM, reorder_url if field == "shift" else "", field, value, label)


def board_urls(*, columns: list[BoardColumn], project: ReleaseProject) -> None:
    """Give every card its `url`: reversed once, filled in per card."""
    items_url = reverse("items:list", kwargs={"code": project.code})
    for column in columns:
        for item in column.items:
            item.url = f"{items_url}{item.number}/"


def board_arrows(*, columns: list[BoardColumn], project: ReleaseProject, query: str) -> None:
    """Give every card (with its `url` and `move_prev` / `move_next` decisions) its `arrows`
    and the `move_url` of its form; the board's query string rides along, so an answer keeps
    the user's filter."""
    suffix = f"?{query}" if query else ""
    # Translated once per answer, filled in per card.
    move_to = _("Move {key} to {state}")
    to_top, to_bottom = (
        _("Send {key} to the top of its column"),
        _("Send {key} to the bottom of its column"),
    )
    up, down = _("Move {key} up"), _("Move {key} down")
    for column in columns:
        last = column.count - 1  # the column's own bottom, shown or not
        for item in column.items:
            index = item.column_rank - 1  # its place in the whole column (answers send a few)
            item.move_url = f"{item.url}move/{suffix}"
            reorder_url = f"{item.url}reorder/{suffix}"
            key = item.key
            wanted = []
            if column.previous:
                label = move_to.format(key=key, state=column.previous.name)
                wanted.append(("prev", label, item.move_prev))
            if index > 1:
                wanted.append(("top", to_top.format(key=key), REORDER))
            if index > 0:
                wanted.append(("up", up.format(key=key), REORDER))
            if index < last:
                wanted.append(("down", down.format(key=key), REORDER))
            if index < last - 1:
                wanted.append(("bottom", to_bottom.format(key=key), REORDER))
            if column.following:
                label = move_to.format(key=key, state=column.following.name)
                wanted.append(("next", label, item.move_next))
            arrows = (
                _arrow(item=item, reorder_url=reorder_url, value=v, label=label, decision=d)
                for v, label, d in wanted
            )
            item.arrows = [a for a in arrows if a]
