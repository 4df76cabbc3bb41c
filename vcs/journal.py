"""What a link's journal row says, in the journals (journal.selectors) and in the release's
evidence pack (evidence.pack_sections); both registered from VcsConfig.ready()."""

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from evidence.pack_sections import PackField, PackNames, PackSection, pack_section_register
from journal.selectors import ItemRows, source_register
from vcs.models import LinkKind, MoveOutcome, Provider, VcsLink


def _named(row: Model) -> str:
    if row.kind == LinkKind.COMMIT:
        return gettext("Commit {ref}").format(ref=row.ref[:7])
    if row.provider == Provider.GITLAB:
        return gettext("Merge request !{ref}").format(ref=row.ref)
    return gettext("Pull request #{ref}").format(ref=row.ref)


def describe_link(row: Model, kind: str, names: Any) -> tuple[str, str]:
    """The badge and summary: "Commit linked" / "Commit abc1234 in octo/pay: Round fees (by
    Mona)"; a closing reference's request: "Move requested: refused" / "“Fixes” in Commit
    abc1234 in octo/pay: refused", the engine's reason as the entry's reason."""
    subject = gettext("{link} in {repository}").format(link=_named(row), repository=row.repository)
    if kind == "removed":
        return gettext("Link removed"), gettext("{subject} no longer linked").format(
            subject=subject
        )
    if kind == "created":
        badge = gettext("{kind} linked").format(kind=LinkKind(row.kind).label)
        if row.author:
            summary = gettext("{subject}: {title} (by {author})").format(
                subject=subject, title=row.title, author=row.author
            )
        else:
            summary = f"{subject}: {row.title}"
        return badge, summary
    if row.move_outcome and row.history_change_reason:  # the row the move request wrote
        outcome = MoveOutcome(row.move_outcome).label.lower()
        return gettext("Move requested: {outcome}").format(outcome=outcome), gettext(
            "“{verb}” in {subject}: {outcome}"
        ).format(verb=row.move_verb, subject=subject, outcome=outcome)
    state = f" ({row.state})" if row.state else ""
    return gettext("Link updated"), f"{subject}{state}: {row.title}"


def _pack_names(row: dict[str, Any], names: PackNames) -> dict[str, Any]:
    return {"item": names.item_key(row["item_id"])}


# The evidence pack: each link of the release's items as last journaled (issue 12: commit id,
# author, message, URL, when), and what its closing reference asked of the engine.
PACK_SECTION = PackSection(
    name="commits",
    label=gettext_noop("Commits and merge requests"),
    source="vcs",
    fields=(
        PackField("commit", gettext_noop("Commit id or number"), "ref"),
        PackField("link", gettext_noop("Commit or merge request"), "kind", coded=True),
        PackField("provider", gettext_noop("Provider"), "provider"),
        PackField("repository", gettext_noop("Repository"), "repository"),
        PackField("item", gettext_noop("Item")),
        PackField("title", gettext_noop("Title"), "title"),
        PackField("author", gettext_noop("Author"), "author"),
        PackField("when", gettext_noop("When (UTC)"), "happened_at"),
        PackField("url", gettext_noop("URL"), "url"),
        PackField("message", gettext_noop("Message"), "message"),
        PackField("branch", gettext_noop("Branch"), "branch"),
        PackField("state", gettext_noop("Merge request state"), "state"),
        PackField("closing_verb", gettext_noop("Closing verb"), "move_verb"),
        PackField("move_outcome", gettext_noop("Move requested"), "move_outcome", coded=True),
        PackField("move_reason", gettext_noop("Engine's answer"), "move_reason"),
    ),
    derive=_pack_names,
    order=10,
)


def journal_source_register() -> None:
    source_register(
        ItemRows(
            name="vcs",
            label=_("Commits and merge requests"),
            rank=30,
            model=VcsLink.history.model,
            describe=describe_link,
            # A move request's entry says its verb and outcome, and gives the reason as its "why".
            hidden=frozenset(
                {"move_verb", "move_outcome", "move_reason", "move_round", "webhook", "message"}
            ),
        )
    )
    pack_section_register(PACK_SECTION)
