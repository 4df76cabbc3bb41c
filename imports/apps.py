"""Imports: items from CSV or XLSX into a release, and a ]project-open[ export."""

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        # The journal knows its sources as plug-ins, never this app.
        from imports.journal import journal_source_register

        journal_source_register()
