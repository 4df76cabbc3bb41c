"""The sections other apps add to a release's evidence pack (docs/EVIDENCE.md "Sections"), so the
pack includes their journal rows without `evidence/` importing them.

An app registers a section from its AppConfig.ready(), naming the journal source it already
registered with `journal.selectors.source_register`: that source says which of its rows belong
to a release, and the pack takes exactly those rows, sealed and proven like the others. The
section says what an auditor reads of each row: fields that repeat a journal column as sealed
(`column`: the offline verifier checks them against the row) and fields worked out from them
(names, keys: `derive`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

Row = dict[str, Any]

# A template reads `pack.sections.items`: a section by one of these names would hide the method.
RESERVED = frozenset({"items", "keys", "values", "get"})
# Every entry's own keys (evidence.pack: its row, who, when, from where, why): no field's name.
ENTRY_KEYS = frozenset({"ref", "at", "by_id", "by", "ip", "reason", "kind"})


class PackNames(Protocol):
    """What a section's `derive` may ask the pack (names it has already loaded)."""

    project_id: int
    change_ids: frozenset[int]  # the changes of the release's items, removed ones too

    def user(self, user_id: int | None) -> str | None: ...

    def item_key(self, item_id: int) -> str: ...


@dataclass(frozen=True, slots=True)
class PackField:
    name: str  # its key in each entry
    heading: str  # its label on the printable page
    # The journal column it repeats as sealed (checked offline); None: worked out by `derive`.
    column: str | None = None
    # Its values are codes ("caused", "merge_request"): the page shows them translated (the
    # pack keeps the code); each is listed in evidence.templatetags.evidence_pack.CODES.
    coded: bool = False


@dataclass(frozen=True, slots=True)
class PackSection:
    name: str  # its key under the pack's "sections"
    label: str
    source: str  # the journal source whose rows of the release it shows
    fields: tuple[PackField, ...]
    # The derived fields of one row (those without a column): names, keys, relations.
    derive: Callable[[Row, PackNames], Row] | None = None
    # One entry per object, from its last journal row; False: one entry per journal row.
    per_object: bool = True
    # Columns holding user ids that `derive` names: the pack loads them with its other users.
    user_columns: tuple[str, ...] = ()
    order: int = 100


_SECTIONS: dict[str, PackSection] = {}


def pack_section_register(section: PackSection) -> None:
    """Add (or replace, by name) a section of every release's evidence pack."""
    if section.name in RESERVED:
        raise ValueError(f"{section.name!r} cannot name a pack section")
    clashes = ENTRY_KEYS & {f.name for f in section.fields}
    if clashes:
        raise ValueError(f"section {section.name}: {', '.join(sorted(clashes))} name every entry")
    taken = {s.source: s.name for s in _SECTIONS.values() if s.name != section.name}
    if section.source in taken:
        # Two sections over one source would list its rows twice in the pack's journal.
        raise ValueError(f"journal source {section.source!r} is in section {taken[section.source]}")
    _SECTIONS[section.name] = section


def pack_sections() -> list[PackSection]:
    """The registered sections, in their order."""
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name))
