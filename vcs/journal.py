"""What a link's journal row says (registered with journal.selectors from VcsConfig.ready())."""

from typing import Any

from django.db.models import Model

from vcs.models import LinkKind, MoveOutcome, Provider


def _named(row: Model) -> str:
    if row.kind == LinkKind.COMMIT:
        return f"Commit {row.ref[:7]}"
    if row.provider == Provider.GITLAB:
        return f"Merge request !{row.ref}"
    return f"Pull request #{row.ref}"


def describe_link(row: Model, kind: str, names: Any) -> tuple[str, str]:
    """The badge and summary: "Commit linked" / "Commit abc1234 in octo/pay: Round fees (by
    Mona)"; a closing reference's request: "Move requested: refused" / "“Fixes” in Commit
    abc1234 in octo/pay: refused", the engine's reason as the entry's reason."""
    subject = f"{_named(row)} in {row.repository}"
    if kind == "removed":
        return "Link removed", f"{subject} no longer linked"
    if kind == "created":
        by = f" (by {row.author})" if row.author else ""
        return f"{LinkKind(row.kind).label} linked", f"{subject}: {row.title}{by}"
    if row.move_outcome and row.history_change_reason:  # the row the move request wrote
        outcome = MoveOutcome(row.move_outcome).label.lower()
        return f"Move requested: {outcome}", f"“{row.move_verb}” in {subject}: {outcome}"
    state = f" ({row.state})" if row.state else ""
    return "Link updated", f"{subject}{state}: {row.title}"
