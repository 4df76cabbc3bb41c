"""Reads: the webhook a delivery is addressed to, and the item page's panel."""

from dataclasses import dataclass

from items.models import ReleaseItem
from projects.access import Access
from vcs.models import VcsLink, Webhook

# The item page shows the newest links; the item's journal keeps them all.
PANEL_LINKS = 20


def webhook_active(*, pk: int, provider: str) -> Webhook | None:
    """The active webhook `pk` of `provider`, with its service account: one query."""
    return (
        Webhook.objects.select_related("service_account")
        .filter(pk=pk, provider=provider, active=True)
        .first()
    )


@dataclass(frozen=True, slots=True)
class VcsPanel:
    links: list[VcsLink]
    more: bool  # older links exist: the journal lists them


def vcs_panel(*, access: Access, item: ReleaseItem) -> VcsPanel:
    """The item's newest commits and merge requests: one query, whatever their number."""
    links = list(
        VcsLink.objects.filter(item=item).order_by("-created_at", "-id")[: PANEL_LINKS + 1]
    )
    return VcsPanel(links=links[:PANEL_LINKS], more=len(links) > PANEL_LINKS)
