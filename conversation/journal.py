"""What comments' and attachments' journal rows say (registered with journal.selectors from
ConversationConfig.ready())."""

from typing import Any

from django.db.models import Model

EXCERPT = 120


def describe_comment(row: Model, kind: str, names: Any) -> tuple[str, str]:
    """ "Commented" / the comment's first line, cut; the whole Markdown stays in the row."""
    text = " ".join(row.body.split())
    excerpt = text if len(text) <= EXCERPT else f"{text[: EXCERPT - 1]}…"
    if kind == "removed":  # only with its item: comments are never removed by hand
        return "Comment removed", f"Removed with the item: {excerpt}"
    return "Commented", excerpt


def describe_attachment(row: Model, kind: str, names: Any) -> tuple[str, str]:
    """ "File attached" / "spec.pdf (12,345 bytes, SHA-256 ab12…)"; "File removed"."""
    said = f"{row.name} ({row.size:,} bytes, SHA-256 {row.sha256[:12]}…)"
    if kind == "removed":
        return "File removed", said
    return "File attached", said
