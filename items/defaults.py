"""The default "Intranet Release Status" table of ]project-open[ (see docs/DOMAIN facts)."""

DEFAULT_STATES: list[tuple[int, str, str]] = [
    (4500, "0 - Developing", "The change is being implemented."),
    (4540, "1 - Ready for Review", "Implementation done; waiting for a code review."),
    (4550, "2 - Ready for Integration", "Reviewed; waiting to be merged into the release."),
    (4560, "3 - Ready for Integration Test", "Integrated; waiting for the integration test."),
    (4570, "4 - Ready for Acceptance Test", "Integration-tested; waiting for user acceptance."),
    (4585, "5 - Ready for Production", "Accepted; waiting for deployment to production."),
    (4590, "6 - Ready to be closed", "Deployed; waiting for the final check."),
    (4595, "7 - Closed", "Done."),
]
