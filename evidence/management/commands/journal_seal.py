"""Seal every journal row no seal covers yet; or export the latest seal; or make a key.

Run it beside the web server (`--follow 5`) or from cron: the portal seals each transaction's
rows when it commits, and this catches up rows written in bulk or by a process that died
between its commit and its seal (docs/EVIDENCE.md)."""

import base64
import json
import secrets
import time

from django.core.management.base import BaseCommand, CommandParser

from evidence.selectors import seal_export, seal_latest
from evidence.services import journal_seal


class Command(BaseCommand):
    help = "Seal unsealed journal rows; --export prints the latest seal to keep elsewhere."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--export", action="store_true", help="Print the latest seal as JSON; seal nothing."
        )
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new SEAL_SIGNING_KEY; seal nothing."
        )
        parser.add_argument(
            "--follow",
            type=float,
            metavar="SECONDS",
            help="Keep sealing, every SECONDS, until stopped.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["new_key"]:
            self.stdout.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
            return
        if options["export"]:
            self.stdout.write(json.dumps(seal_export(seal=seal_latest()), indent=2))
            return
        while True:
            seals = journal_seal()
            if seals:
                rows = sum(seal.rows for seal in seals)
                self.stdout.write(
                    f"Sealed {rows} row(s) in seal(s) {seals[0].number}-{seals[-1].number}; "
                    f"latest digest {seals[-1].digest}"
                )
            elif not options["follow"]:
                self.stdout.write("Nothing to seal: every journal row is sealed.")
            if not options["follow"]:
                return
            time.sleep(options["follow"])
