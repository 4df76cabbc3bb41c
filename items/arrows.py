"""The board's arrow buttons as plain data, built once per card in Python.

A 1,000-card board rendered one `{% include %}` and two URL reversals per arrow, which made it
template-bound (docs/PERFORMANCE.md); the cards now carry their arrows ready to print.
"""

from dataclasses import dataclass

from django.urls import reverse

from items.models import ReleaseItem
from items.policy import Decision
from items.selectors import BoardColumn
from projects.models import ReleaseProject

FORM, LINK, BLOCKED = "form", "link", "blocked"
GLYPHS = {"prev": "◀", "up": "▲", "down": "▼", "next": "▶"}
REORDER = Decision(allowed=True)  # reordering has no rule: whoever may move may reorder


@dataclass(frozen=True, slots=True)
class Arrow:
    kind: str  # FORM (a POST form), LINK (to the item page: needs a comment), BLOCKED
    url: str
    field: str  # "direction" or "shift"
    value: str  # prev, up, down, next
    label: str  # the accessible name, e.g. "Move PAY-12 to 1 - Ready for Review"
    reason: str = ""  # why it is blocked
    autofocus: bool = False

    @property
    def glyph(self) -> str:
        return GLYPHS[self.value]


def _arrow(
    *,
    item: ReleaseItem,
    item_url: str,
    suffix: str,
    focus: str,
    value: str,
    label: str,
    decision: Decision | None,
) -> Arrow | None:
    if decision is None or not (decision.allowed or decision.blocked):
        return None  # a move this user may never make: no arrow at all
    action, field = ("reorder", "shift") if value in ("up", "down") else ("move", "direction")
    if decision.blocked:
        return Arrow(BLOCKED, "", field, value, label, reason="; ".join(decision.blockers))
    if decision.rule is not None and decision.rule.comment_required:
        return Arrow(LINK, f"{item_url}#move-title", field, value, label)
    autofocus = focus == f"{item.pk}-{value}"
    return Arrow(FORM, f"{item_url}{action}/{suffix}", field, value, label, autofocus=autofocus)


def board_arrows(
    *, columns: list[BoardColumn], project: ReleaseProject, query: str, focus: str
) -> None:
    """Give every card (with its `move_prev` / `move_next` decisions) its `arrows`."""
    # The item URLs differ only in the number: reverse once, fill in per card.
    items_url = reverse("items:list", kwargs={"code": project.code})
    suffix = f"?{query}" if query else ""
    for column in columns:
        last = len(column.items) - 1
        for index, item in enumerate(column.items):
            common = {
                "item": item,
                "item_url": f"{items_url}{item.number}/",
                "suffix": suffix,
                "focus": focus,
            }
            candidates = []
            if column.previous:
                label = f"Move {item.key} to {column.previous.name}"
                candidates.append(
                    _arrow(value="prev", label=label, decision=item.move_prev, **common)
                )
            if index > 0:
                candidates.append(
                    _arrow(value="up", label=f"Move {item.key} up", decision=REORDER, **common)
                )
            if index < last:
                candidates.append(
                    _arrow(value="down", label=f"Move {item.key} down", decision=REORDER, **common)
                )
            if column.following:
                label = f"Move {item.key} to {column.following.name}"
                candidates.append(
                    _arrow(value="next", label=label, decision=item.move_next, **common)
                )
            item.arrows = [a for a in candidates if a]
