"""Reads of release notes: generate them from a release's items, render them as Markdown, and
find the published versions.

The notes are a plain dict (a "snapshot"): what the page, the HTML document and the Markdown
show, and what a published version keeps as it was. `notes_lines` is the one place that reads
an item's content (kind, title, external key).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from items.models import Kind, ReleaseItem
from items.workflow import workflow_current
from projects.models import ReleaseProject
from releases.models import NotesItemPlacement, Placement, PublishedNotes, ReleaseNotes

FEATURES, FIXES, CHANGES, KNOWN_ISSUES = "features", "fixes", "changes", "known_issues"
# Translated when a snapshot is made: a draft in the reader's language, a published version
# in English (releases.notes_services.release_notes_publish), kept so.
SECTION_TITLES = {
    FEATURES: gettext_noop("Features"),
    FIXES: gettext_noop("Fixes"),
    CHANGES: gettext_noop("Changes"),
    KNOWN_ISSUES: gettext_noop("Known issues"),
}
SECTION_OF_KIND = {
    Kind.FEATURE: FEATURES,
    Kind.BUG: FIXES,
    Kind.INCIDENT: FIXES,
    Kind.PROBLEM: FIXES,
    Kind.CHANGE_REQUEST: CHANGES,
    Kind.TASK: CHANGES,
}

# CommonMark lets a backslash escape any ASCII punctuation. These make links (with "]"
# escaped, "(" and "!" are plain text), HTML, emphasis, code, tables or strikethrough in a line;
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
# "&" only when it would start an entity;
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# and these a block (heading, list, quote, heading underline) at the start of a line.
_MD_LINE_START = re.compile(r"^(?:\d+[.)]|[-+=#])")


@dataclass(frozen=True, slots=True)
class NotesLine:
    """One item as the notes (and the release manager's placement form) show it."""

    item_id: int
    key: str
    title: str
    external_key: str
    kind: str  # the kind's label
    section: str  # one of SECTION_TITLES
    placement: str  # "" (by its kind) or a Placement
    state: str
    shipped: bool  # in a production state


def notes_settings(*, project: ReleaseProject) -> ReleaseNotes:
    """The release manager's part (unsaved and empty when never edited). One query."""
    found = ReleaseNotes.objects.filter(project=project).first()
    return found or ReleaseNotes(project=project)


def notes_lines(*, project: ReleaseProject) -> list[NotesLine]:
    """Every item of the release with where the notes put it, in key order. Three queries: the
    workflow's revision, the placements, the items (states are in memory)."""
    states = {state.pk: state for state in workflow_current().states}
    placed = dict(
        NotesItemPlacement.objects.filter(project=project).values_list("item_id", "placement")
    )
    items = ReleaseItem.objects.filter(project=project).select_related("change").order_by("number")
    lines = []
    content = ("change__kind", "change__title", "change__external_key")
    for item in items.only("id", "number", "status_id", "change_id", *content):
        item.project = project
        placement = placed.get(item.pk, "")
        section = KNOWN_ISSUES if placement == Placement.KNOWN_ISSUE else SECTION_OF_KIND[item.kind]
        state = states.get(item.status_id)
        lines.append(
            NotesLine(
                item_id=item.pk,
                key=item.key,
                title=" ".join(item.title.split()),
                external_key=item.external_key,
                kind=str(Kind(item.kind).label),
                section=section,
                placement=placement,
                state=state.name if state else "",
                shipped=bool(state and state.production),
            )
        )
    return lines


def notes_snapshot(
    *, project: ReleaseProject, notes: ReleaseNotes, lines: list[NotesLine]
) -> dict[str, Any]:
    """The notes: introduction, the sections with their items (hidden ones left out, empty
    sections too) and the free-text known issues."""
    sections: dict[str, list[dict[str, Any]]] = {name: [] for name in SECTION_TITLES}
    for line in lines:
        if line.placement == Placement.HIDDEN:
            continue
        sections[line.section].append(
            {
                "key": line.key,
                "title": line.title,
                "external_key": line.external_key,
                "kind": line.kind,
                "state": line.state,
                "shipped": line.shipped,
            }
        )
    return {
        "code": project.code,
        "name": project.name,
        "introduction": notes.introduction,
        "known_issues": notes.known_issues,
        "sections": [
            {"name": name, "title": gettext(SECTION_TITLES[name]), "items": found}
            for name, found in sections.items()
            if found or (name == KNOWN_ISSUES and notes.known_issues)
        ],
    }


def notes_generate(*, project: ReleaseProject) -> dict[str, Any]:
    """The notes as the release's items are now. Four queries."""
    notes = notes_settings(project=project)
    return notes_snapshot(project=project, notes=notes, lines=notes_lines(project=project))


def md_escape(text: str) -> str:
    """`text` as literal Markdown text: a title or an introduction cannot make a link, an
    image, HTML, emphasis or a heading. Lines keep their breaks, without leading blanks (which
    would make a code block)."""
    lines = []
    for line in text.splitlines():
        line = _MD_ENTITY.sub(r"\\&", _MD_INLINE.sub(r"\\\1", line.strip()))
        lines.append(_MD_LINE_START.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], line, count=1))
    return "\n".join(lines)


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]


def notes_markdown(*, snapshot: dict[str, Any], stamp: str) -> str:
    """The notes as a Markdown document; `stamp` says whether and when they were published."""
    heading = gettext("Release notes: {name} ({code})").format(
        name=md_escape(snapshot["name"]), code=snapshot["code"]
    )
    out = [f"# {heading}", "", f"_{stamp}_"]
    for paragraph in _paragraphs(snapshot["introduction"]):
        out += ["", md_escape(paragraph)]
    for section in snapshot["sections"]:
        out += ["", f"## {section['title']}", ""]
        for item in section["items"]:
            external = f" ({md_escape(item['external_key'])})" if item["external_key"] else ""
            out.append(f"- **{item['key']}** {md_escape(item['title'])}{external}")
        if section["name"] == KNOWN_ISSUES:
            for paragraph in _paragraphs(snapshot["known_issues"]):
                out += ["", md_escape(paragraph)]
    if not snapshot["sections"]:
        out += ["", gettext("No changes are listed in these notes.")]
    return "\n".join(out) + "\n"


DRAFT_STAMP = gettext_noop(
    "Draft, generated {at} from the release's items; published when it goes live."
)
PUBLISHED_STAMP = gettext_noop("Published {at} by {by} (version {version}).")


def _when(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")


def notes_draft_stamp(*, at: datetime) -> str:
    return gettext(DRAFT_STAMP).format(at=_when(at))


def notes_published_stamp(*, at: datetime, by: str, version: int) -> str:
    return gettext(PUBLISHED_STAMP).format(
        at=_when(at), by=by or gettext("the system"), version=version
    )


def notes_versions(*, project: ReleaseProject) -> QuerySet[PublishedNotes]:
    """The published versions, newest first, without their content. One query."""
    return (
        PublishedNotes.objects.filter(project=project)
        .order_by("-version")
        .only("id", "project_id", "version", "published_at", "published_by_name")
    )


def notes_published(
    *, project: ReleaseProject, version: int | None = None
) -> PublishedNotes | None:
    """One published version (the newest when `version` is None). One query."""
    found = PublishedNotes.objects.filter(project=project).order_by("-version")
    if version is not None:
        found = found.filter(version=version)
    return found.first()
