"""Re-compute every seal and report each journal row or seal that no longer matches.

Exits 1 when anything fails. Streams (constant memory) with a progress bar on stderr."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evidence.selectors import seal_digests_present
from evidence.verify import Finding, journal_size_estimate, journal_verify

WARNINGS_SHOWN = 20
EXPECTED_SEAL_GONE = "the expected seal {digest} is not in the chain (seals deleted or replaced)"


class _Bar:
    """A progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.done, self.enabled, self.drawn = max(total, 1), 0, enabled, 0.0

    def __call__(self, step: int) -> None:
        self.done += step
        now = time.monotonic()
        if self.enabled and now - self.drawn > 0.1:
            self.drawn = now
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            sys.stderr.write(f"\rverifying [{bar:<30}] {self.done:,} rows")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write(f"\rverified {self.done:,} rows{' ' * 40}\n")


class Command(BaseCommand):
    help = "Verify the sealed journal: names every row and seal that no longer matches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect",
            metavar="DIGEST",
            action="append",
            default=[],
            help="A seal digest kept elsewhere (journal_seal --export) that must be in the chain.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        bar = _Bar(
            journal_size_estimate(), enabled=not options["no_progress"] and sys.stderr.isatty()
        )
        findings, summary = journal_verify(progress=bar)
        bar.close()
        known = seal_digests_present(digests=options["expect"])
        findings += [
            Finding("seal-expected", EXPECTED_SEAL_GONE.format(digest=digest))
            for digest in options["expect"]
            if digest not in known
        ]
        failures = [finding for finding in findings if finding.severity == "fail"]
        warnings = [finding for finding in findings if finding.severity == "warn"]
        for finding in failures:
            self.stdout.write(f"FAIL {finding.kind}: {finding.message}")
        for finding in warnings[:WARNINGS_SHOWN]:
            self.stdout.write(f"WARN {finding.kind}: {finding.message}")
        if len(warnings) > WARNINGS_SHOWN:
            self.stdout.write(f"WARN ... and {len(warnings) - WARNINGS_SHOWN} more sealed late.")
        self.stdout.write(
            f"Checked {summary.seals} seal(s) and {summary.rows} journal row(s) in "
            f"{time.monotonic() - started:.1f} s; {summary.pending} recent row(s) await their seal."
        )
        if failures:
            raise CommandError(f"{len(failures)} problem(s) found: the journal was tampered with.")
        self.stdout.write("OK: every seal and every sealed journal row matches.")
