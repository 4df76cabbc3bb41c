"""What comments' and attachments' journal rows say (registered with journal.selectors from
ConversationConfig.ready())."""

from typing import Any

from django.db.models import Model, Q, Subquery
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conversation.models import WatchChange
from items.models import ReleaseItem
from journal.selectors import Said, Source

EXCERPT = 120


def describe_comment(row: Model, kind: str, names: Any) -> tuple[str, str]:
    """ "Commented" / the comment's first line, cut; the whole Markdown stays in the row."""
    text = " ".join(row.body.split())
    excerpt = text if len(text) <= EXCERPT else f"{text[: EXCERPT - 1]}…"
    if kind == "removed":  # only with its item: comments are never removed by hand
        return _("Comment removed"), _("Removed with the item: %(excerpt)s") % {"excerpt": excerpt}
    return _("Commented"), excerpt


def describe_attachment(row: Model, kind: str, names: Any) -> tuple[str, str]:
    """ "File attached" / "spec.pdf (12,345 bytes, SHA-256 ab12…)"; "File removed"."""
    said = _("%(name)s (%(size)s bytes, SHA-256 %(digest)s…)") % {
        "name": row.name,
        "size": number_format(row.size, force_grouping=True),
        "digest": row.sha256[:12],
    }
    if kind == "removed":
        return _("File removed"), said
    return _("File attached"), said


def _watch_said(row: Model, kind: str, names: Any, previous: Model | None) -> Said:
    subject, url = names.item(row.item_id)
    if kind == "removed":
        summary = _("%(name)s no longer watches it") % {"name": row.watcher_name}
        return Said(subject, _("Watch stopped"), summary, url)
    summary = _("%(name)s watches it (mailed when it moves or is commented on)") % {
        "name": row.watcher_name
    }
    return Said(subject, _("Watching"), summary, url)


def _watches_of_release(project_id: int) -> Q:
    # From the items' journal, not the items: a removed item's watches stay in view.
    items = ReleaseItem.history.model.objects.filter(project_id=project_id).values("id")
    return Q(item_id__in=Subquery(items))


def watch_source() -> Source:
    """The watches' journal source: in the item's, its release's and the installation's."""
    return Source(
        name="watches",
        label=gettext_lazy("Watchers"),
        rank=62,
        model=WatchChange,
        of_project=_watches_of_release,
        of_item=lambda item_id: Q(item_id=item_id),
        describe=_watch_said,
        hidden=frozenset({"watcher_id", "watcher_name"}),
        snapshots=False,  # each row records one change itself
    )
