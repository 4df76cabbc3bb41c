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

# From "5 - Ready for Production" on, an item counts as shipped (or committed to ship):
# freeze windows, dependencies and release gates guard moves into these states.
PRODUCTION_STATES: frozenset[int] = frozenset({4585, 4590, 4595})

# The default transition rules (docs/RULES.md): forward one step for the role that owns the
# step, back one step for rework (with a comment), and release managers may send anything
# back to 0 - Developing. Release managers may use every rule.
FIRST = 4500
FORWARD_RULES: list[dict] = [
    {"from": 4500, "to": 4540, "roles": ["developer"]},
    {
        "from": 4540,
        "to": 4550,
        "roles": ["developer"],
        "approvals_required": 1,
        "approver_roles": ["approver"],
    },
    {"from": 4550, "to": 4560, "roles": ["developer"]},
    {"from": 4560, "to": 4570, "roles": ["qa"], "requires_passing_tests": True},
    {
        "from": 4570,
        "to": 4585,
        "roles": ["qa"],
        "requires_passing_tests": True,
        "requires_qa_signoff": True,
        "requires_acceptance": True,
    },
    {"from": 4585, "to": 4590, "roles": []},
    {"from": 4590, "to": 4595, "roles": []},
]
BACK_RULES: list[dict] = [
    {"from": rule["to"], "to": rule["from"], "roles": ["developer", "qa"], "comment_required": True}
    for rule in FORWARD_RULES
]
TO_FIRST_RULES: list[dict] = [
    {"from": state_id, "to": FIRST, "roles": [], "comment_required": True}
    for state_id, _, _ in DEFAULT_STATES[2:]
]
DEFAULT_RULES: list[dict] = FORWARD_RULES + BACK_RULES + TO_FIRST_RULES
