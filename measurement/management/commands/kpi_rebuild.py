from django.core.management.base import BaseCommand, CommandError, CommandParser

from measurement.services import stays_rebuild
from measurement.stays import stays_difference

DIFFERS = (
    "The stays table differs from the journal: {missing} stay(s) missing or wrong, {extra} extra."
)
STILL_DIFFERS = (
    "After the rebuild the stays table still differs from the journal: {missing} missing, "
    "{extra} extra."
)


class Command(BaseCommand):
    help = (
        "Rebuild the KPI dashboards' stays table (measurement.StateStay) from the items' journal "
        "and prove it equals a fresh computation. With --check, only compare (exit status 1 "
        "when they differ)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Compare only; change nothing.")

    def handle(self, *args: object, check: bool, **options: object) -> None:
        before = stays_difference()
        if check:
            if not before.none:
                raise CommandError(DIFFERS.format(missing=before.missing, extra=before.extra))
            self.stdout.write("The stays table equals the journal's.")
            return
        if not before.none:
            self.stdout.write(DIFFERS.format(missing=before.missing, extra=before.extra))
        count = stays_rebuild()
        after = stays_difference()
        if not after.none:
            raise CommandError(STILL_DIFFERS.format(missing=after.missing, extra=after.extra))
        self.stdout.write(f"Rebuilt {count} stays; the table equals the journal's.")
