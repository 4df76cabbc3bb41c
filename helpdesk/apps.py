"""Help-desk tickets caused by releases and fixed by changes."""

from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Help desk"

    def ready(self) -> None:
        from helpdesk.journal import journal_source_register

        # The tickets' links show in the journal and the evidence pack of each release they name.
        journal_source_register()
