"""manage.py import_project_open <directory>: import a ]project-open[ export (docs/IMPORTS.md)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from imports.project_open import ExportError, export_read
from imports.project_open_services import ImportReport, project_open_import
from items.engine import EngineError

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import release projects, their items and the items' states from a ]project-open[ "
        "export (CSV files of its tables). Safe to run again: it creates nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="The directory of the export's files.")
        parser.add_argument(
            "--user",
            required=True,
            help="The administrator the journal names as the importer.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def _progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stderr.write(f"\r[{bar}] {done}/{total} release items", ending="")
        if done == total:
            self.stderr.write("")
        self.stderr.flush()

    def handle(self, *args: object, **options: object) -> None:
        # Fatal (exit 1, nothing written): an unreadable export, an unknown or non-admin user,
        # no release project in the export, no release state here. Everything else is reported.
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['user']!r}.")
        try:
            export = export_read(directory=options["directory"])
            report = project_open_import(
                export=export,
                actor=user,
                progress=None if options["no_progress"] else self._progress,
            )
        except ExportError as error:
            raise CommandError(str(error)) from None
        except EngineError as error:
            raise CommandError(error.message) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self._summary(report)

    def _summary(self, report: ImportReport) -> None:
        self.stdout.write(
            f"Release projects created: {report.projects_created}\n"
            f"Items created: {report.items_created}, added to another release: "
            f"{report.items_included}, updated: {report.items_updated}, "
            f"moved: {report.items_moved}, unchanged: {report.items_unchanged}"
        )
        if report.problems:
            self.stdout.write(f"Could not map ({len(report.problems)}):")
            for problem in report.problems:
                self.stdout.write(f"  - {problem}")
        else:
            self.stdout.write("Everything was mapped.")
