from django.core.management.base import BaseCommand, CommandParser

from items.rules import rule_seed_defaults
from items.services import status_seed_defaults


class Command(BaseCommand):
    help = (
        "Create the eight default release states (ids 4500..4595) and the default transition "
        "rules between them. Idempotent: existing states and rules keep an administrator's "
        "edits unless --reset is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Restore the default name, position, enabled flag and description.",
        )

    def handle(self, *args: object, reset: bool, **options: object) -> None:
        result = status_seed_defaults(reset=reset)
        self.stdout.write(
            f"Release states: {result.created} created, {result.reset} reset, "
            f"{result.unchanged} left as they were."
        )
        rules = rule_seed_defaults(reset=reset)
        self.stdout.write(f"Transition rules: {rules} created or reset.")
