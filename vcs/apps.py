"""Version control: GitHub and GitLab webhooks that link commits and merge requests to items."""

from django.apps import AppConfig


class VcsConfig(AppConfig):
    name = "vcs"
    verbose_name = "Version control"

    def ready(self) -> None:
        # The item page and the journal know plug-ins, never this app.
        from items.panels import register_item_panel
        from journal.selectors import register_item_evidence_source
        from vcs.journal import describe_link
        from vcs.models import VcsLink
        from vcs.selectors import vcs_panel

        register_item_panel(
            name="vcs",
            template="vcs/_item_panel.html",
            load=lambda access, item: vcs_panel(access=access, item=item),
            order=20,
        )
        register_item_evidence_source(
            name="vcs",
            label="Commits and merge requests",
            rank=30,
            model=VcsLink.history.model,
            describe=describe_link,
            # A move request's entry says its verb and outcome, and gives the reason as its "why".
            hidden={"move_verb", "move_outcome", "move_reason", "move_round", "webhook", "message"},
        )
