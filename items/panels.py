"""Panels other apps add to the item page (and the items list), without items importing them.

An app registers a loader from its AppConfig.ready(): given the reader's access and the item,
it returns what its template shows (loaded in a constant number of queries), or None to show
nothing. The item page renders the panels in their order, each template given its data as
`panel` (and the page's own context: `item`, `project`, `access`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from items.models import ReleaseItem
from projects.access import Access

PanelLoader = Callable[[Access, ReleaseItem], Any]


@dataclass(frozen=True, slots=True)
class _Registered:
    name: str
    template: str
    load: PanelLoader
    order: int


@dataclass(frozen=True, slots=True)
class ItemPanel:
    name: str
    template: str
    data: Any


_PANELS: dict[str, _Registered] = {}


def register_item_panel(*, name: str, template: str, load: PanelLoader, order: int = 100) -> None:
    """Add (or replace, by name) a panel of the item page."""
    _PANELS[name] = _Registered(name, template, load, order)


def item_panels(*, access: Access, item: ReleaseItem) -> list[ItemPanel]:
    """The registered panels' data for this reader and item, in their order."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        data = panel.load(access, item)
        if data is not None:
            shown.append(ItemPanel(panel.name, panel.template, data))
    return shown


# The items list takes panels the same way (saved filters): a loader given the reader's access
# returns its template's data, or None.
ListPanelLoader = Callable[[Access], Any]
_LIST_PANELS: dict[str, tuple[str, ListPanelLoader]] = {}


def register_list_panel(*, name: str, template: str, load: ListPanelLoader) -> None:
    """Add (or replace, by name) a panel of the items list."""
    _LIST_PANELS[name] = (template, load)


def list_panels(*, access: Access) -> list[ItemPanel]:
    """The items list's registered panels' data for this reader, in name order."""
    shown = []
    for name, (template, load) in sorted(_LIST_PANELS.items()):
        data = load(access)
        if data is not None:
            shown.append(ItemPanel(name, template, data))
    return shown
