"""Version control: GitHub and GitLab webhooks that link commits and merge requests to items."""

from django.apps import AppConfig


class VcsConfig(AppConfig):
    name = "vcs"
    verbose_name = "Version control"

    def ready(self) -> None:
        # The item page, the journal and the evidence pack know plug-ins, never this app.
        from items.panels import register_item_panel
        from vcs.journal import journal_source_register
        from vcs.selectors import vcs_panel

        register_item_panel(
            name="vcs",
            template="vcs/_item_panel.html",
            load=lambda access, item: vcs_panel(access=access, item=item),
            order=20,
        )
        journal_source_register()
