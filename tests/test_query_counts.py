"""Every page runs a fixed number of queries, whatever the size of the release.

Each page's expected queries are listed in order, as (table the query reads, what it is for);
the count pinned is the length of that list, and each query must hit the table named.
The same pins hold with 10 and with 500 items (and their journal), in both modes of the move
policy: no transition rules (]project-open['s simple policy: the policy loads the rules, finds
none and stops) and the default rules with governance data (votes, owed emergency approvals,
test cases and runs, sign-offs, acceptance decisions) growing with the release too.
"""

import re

import pytest
from django.contrib.auth.models import Group
from simple_history.utils import bulk_create_with_history

from approvals.models import Approval, EmergencyMove
from approvals.services import approval_vote
from items import engine, services
from items.models import Change, Kind, Priority, ReleaseItem, ReleaseStatus
from items.rules import rule_seed_defaults
from items.selectors import COLUMN_PAGE
from items.workflow import workflow_current
from journal.selectors import PAGE_SIZE
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import Role
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory, UserFactory

DEVELOPING, READY_FOR_REVIEW, READY_FOR_INTEGRATION = 4500, 4540, 4550
SESSION = ("django_session", "the session")
USER = ("auth_user", "the logged-in user")
PROJECT = ("projects_releaseproject", "the project with the user's role in it (access)")
# States and rules are kept in memory (items.workflow); a page asks only whether they changed.
WORKFLOW = ("items_workflowrevision", "whether the states and rules in memory are current")
# The freeze gate guards every move (planning.gates): the policy loads it with or without rules.
FREEZE_GATE = ("planning_freezewindow", "the freeze windows of the installation and release (gate)")
# The dependency gate (configuration.gates) guards every move into a production state: one
# query, when the page first weighs such a move (the board's cards before a production state).
DEPENDENCY_GATE = ("configuration_dependency", "the cards' dependencies, visible or not (gate)")
# The item page's dependencies and configuration items (configuration.selectors).
DEPENDENCY_PANEL = [
    ("configuration_dependency", "the item's dependencies both ways, with items and states"),
    ("configuration_changedconfigurationitem", "the configuration items it changes"),
    ("configuration_configurationitem", "the catalogue to choose from (who may edit)"),
]
# The item page's commits and merge requests (vcs, a panel registered in items.panels).
VCS_PANEL = ("vcs_vcslink", "the item's newest commit and merge request links")
# The item page's conversation (conversation, a panel registered in items.panels).
CONVERSATION_PANEL = [
    ("conversation_comment", "the item's newest comments, with their authors"),
    ("conversation_attachment", "the item's newest attachments, with who attached them"),
    ("notifications_watch", "the item's watchers, with their users"),
]
# The board and the release page say which freeze is in force or starts next (the banner):
# from the windows the freeze gate read, or, when no gate read them, with one query of its own.
FREEZE_BANNER = ("planning_freezewindow", "the freeze windows, for the banner (no gate read them)")
# What the policy loads for its gates once rules with gates exist, for all cards at once.
GATES = [
    ("approvals_approval", "the live votes, with their approvers"),
    ("approvals_emergencymove", "the emergency moves, with who made them (approvals owed)"),
    ("qa_testcase", "the test cases with the result of their latest run"),
    ("qa_qasignoff", "the QA sign-offs (counted for the current round)"),
    ("qa_acceptancedecision", "the acceptance decisions (the latest of the round wins)"),
    FREEZE_GATE,
    ("projects_releasemember", "the members' roles, for 'n of m approvals'"),
]
JOURNAL_SOURCES = [
    ("approvals_historicalapproval", "the newest vote rows, with their users"),
    ("approvals_historicalreleaseapproval", "the newest release vote rows, with their users"),
    ("approvals_historicalemergencymove", "the newest emergency rows, with their users"),
    ("qa_historicaltestcase", "the newest test case rows, with their users"),
    ("qa_historicaltestrun", "the newest test run rows, with their users"),
    ("qa_historicalqasignoff", "the newest sign-off rows, with their users"),
    ("qa_historicalacceptancedecision", "the newest acceptance rows, with their users"),
    ("configuration_historicaldependency", "the newest dependency rows, with their users"),
]
# Not an item's: the release's schedule (planned milestones, actual dates recorded).
SCHEDULE_JOURNAL = ("planning_historicalreleaseschedule", "the newest schedule rows, with users")
# Freeze windows: a release's own on its journal, every one on the installation's.
FREEZE_JOURNAL = ("planning_historicalfreezewindow", "the newest freeze window rows, with users")
# Release notes: the release manager's part, the items placed, the published versions.
NOTES_JOURNAL = [
    ("releases_historicalreleasenotes", "the newest release notes rows, with users"),
    ("releases_historicalnotesitemplacement", "the newest notes placement rows, with users"),
    ("releases_historicalpublishednotes", "the newest published notes rows, with users"),
]
ITEM_JOURNAL_SOURCES = [s for s in JOURNAL_SOURCES if "releaseapproval" not in s[0]]
# Who downloaded the release's evidence pack (evidence.audit_log).
EVIDENCE_READS = ("evidence_evidenceview", "the newest evidence pack reads, with users")
# Help-desk tickets that name the release (helpdesk registers its journal source).
TICKETS_JOURNAL = ("helpdesk_historicalticket", "the newest ticket rows naming it, with users")
# Commits and merge requests linked to items (vcs registers its journal source).
VCS_JOURNAL = ("vcs_historicalvcslink", "the newest commit and merge request link rows, with users")
# Item imports into the release (imports registers its journal source).
IMPORTS_JOURNAL = ("imports_historicalitemimport", "the newest import rows, with users")
# Comments, attachments and watches of items (conversation registers its journal sources).
CONVERSATION_JOURNAL = [
    ("conversation_historicalcomment", "the newest comment rows, with users"),
    ("conversation_historicalattachment", "the newest attachment rows, with users"),
    ("conversation_watchchange", "the newest watches started and stopped, with users"),
]
# The content of the items' changes is a journal source of its own (one change, several
# releases): its newest rows, the rows before its edited rows, and the titles of the changes
# the item rows mention (for "Created in ...: <title>").
CONTENT_ROWS = ("items_historicalchange", "the newest content rows of the changes, with users")
CONTENT_EDITS = ("items_historicalchange", "the rows before edited content rows (what changed)")
CHANGE_TITLES = ("items_change", "titles of the changes the item rows mention")
CHANGE_KEYS = ("items_historicalreleaseitem", "the content rows' keys in this release (PAY-12)")
# The item page's "Also in": the change's inclusions in other releases the user belongs to.
ALSO_IN = ("items_releaseitem", "the change's other inclusions, with project and state")
EVIDENCE_NAMES = [
    ("qa_historicaltestcase", "titles of the test cases the run rows mention"),
    ("items_historicalreleaseitem", "keys of the items the evidence rows mention"),
]

PAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "board": (
        "/projects/PAY/board/",
        [
            SESSION,
            USER,
            PROJECT,
            WORKFLOW,
            ("items_releaseitem", "every card, with project, state and assignee joined"),
            FREEZE_GATE,  # the banner reuses the gate's windows
            DEPENDENCY_GATE,
            ("auth_user", "the members, for the assignee filter"),
        ],
    ),
    "items list": (
        "/projects/PAY/items/",
        [
            SESSION,
            USER,
            PROJECT,
            ("items_releaseitem", "COUNT(*) for the paginator"),
            WORKFLOW,  # the enabled states, for the bulk move form
            ("workplace_savedfilter", "the reader's saved filters of this release (workplace)"),
            ("items_releasestatus", "the states, for the state filter"),
            ("auth_user", "the members, for the assignee filter"),
            ("items_releaseitem", "one page of items, with project, state and assignee joined"),
        ],
    ),
    "items CSV export": (
        "/projects/PAY/items/?_export=csv",
        [
            SESSION,
            USER,
            PROJECT,
            ("items_releaseitem", "COUNT(*) for the paginator"),
            ("items_releaseitem", "every item, with project, state and assignee joined"),
        ],
    ),
    "item detail": (
        "/projects/PAY/items/1/",
        [
            SESSION,
            USER,
            PROJECT,
            (
                "items_releaseitem",
                "the item with project, state, assignee, creator and change joined",
            ),
            WORKFLOW,  # the states and rules, for the arrows and the set-state form
            FREEZE_GATE,
            DEPENDENCY_GATE,  # the set-state form weighs the production states too
            ("qa_testcase", "the test cases (QA panel; no runs to prefetch without cases)"),
            ("qa_qasignoff", "this round's sign-offs, with their testers"),
            ("qa_acceptancedecision", "this round's acceptance decisions, with who decided"),
            *DEPENDENCY_PANEL,
            VCS_PANEL,
            *CONVERSATION_PANEL,
            ALSO_IN,
        ],
    ),
    "project detail": (
        "/projects/PAY/",
        [
            SESSION,
            USER,
            PROJECT,
            ("approvals_releaseapproval", "the live release votes, with their approvers"),
            WORKFLOW,  # the readiness panel: the states (production flag) and rules
            ("items_releaseitem", "the release's items, for the readiness panel"),
            ("configuration_dependency", "the items' dependencies (readiness: waiting for one)"),
            FREEZE_BANNER,
            ("planning_releaseschedule", "the release's schedule (its panel)"),
            # No item changes a configuration item here: no go-live overlap query follows.
            ("configuration_changedconfigurationitem", "the configuration items it touches"),
            ("auth_user", "the release manager (only this page shows the name)"),
            ("projects_releasemember", "the members with their users joined"),
            ("auth_user", "the active users, for the add-member form"),
        ],
    ),
    "project list": (
        "/projects/",
        [
            SESSION,
            USER,
            ("projects_releaseproject", "COUNT(*) for the paginator"),
            ("auth_user_user_permissions", "the user's permissions (may create?)"),
            ("auth_group_permissions", "the user's groups' permissions (may create?)"),
            ("projects_releaseproject", "one page of projects with item counts and managers"),
        ],
    ),
    "project journal": (
        "/projects/PAY/journal/",
        [
            SESSION,
            USER,
            PROJECT,
            ("evidence_seal", "the latest seal, whose digest the page shows"),
            ("items_historicalreleaseitem", "the newest item rows, with their users"),
            CONTENT_ROWS,
            ("projects_historicalreleasemember", "the newest member rows, with their users"),
            ("projects_historicalreleaseproject", "the newest project rows, with their users"),
            *JOURNAL_SOURCES,
            SCHEDULE_JOURNAL,
            FREEZE_JOURNAL,
            *NOTES_JOURNAL,
            EVIDENCE_READS,
            TICKETS_JOURNAL,
            VCS_JOURNAL,
            IMPORTS_JOURNAL,
            *CONVERSATION_JOURNAL,
            ("items_historicalreleaseitem", "the rows before edited item rows (what changed)"),
            CONTENT_EDITS,
            ("items_releasestatus", "state names"),
            ("auth_user", "names of the users the rows mention"),
            CHANGE_TITLES,
            CHANGE_KEYS,
            ("auth_user", "the members, for the user filter"),
        ],
    ),
    "item journal": (
        "/projects/PAY/items/1/journal/",
        [
            SESSION,
            USER,
            PROJECT,
            (
                "items_historicalreleaseitem",
                "the item's id, from its journal, and its change's title",
            ),
            ("evidence_seal", "the latest seal, whose digest the page shows"),
            ("items_historicalreleaseitem", "the newest rows of the item, with their users"),
            CONTENT_ROWS,
            *ITEM_JOURNAL_SOURCES,
            VCS_JOURNAL,
            *CONVERSATION_JOURNAL,
            ("items_historicalreleaseitem", "the rows before edited rows (what changed)"),
            CONTENT_EDITS,
            ("items_releasestatus", "state names"),
            ("auth_user", "names of the users the rows mention"),
            CHANGE_TITLES,
            CHANGE_KEYS,
            ("auth_user", "the members, for the user filter"),
        ],
    ),
}


# With the default rules and governance data, the policy loads the gates' evidence, the item
# page's QA panel prefetches the runs of its test cases, and the journal names the test cases
# and items its evidence rows mention. Only these pages differ from the simple policy's pins.
PAGES_WITH_RULES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    **PAGES,
    "board": (
        PAGES["board"][0],
        # The freeze gate loads with the others, before the members; dependencies on first use.
        [*PAGES["board"][1][:5], *GATES, *PAGES["board"][1][6:]],
    ),
    # The readiness panel asks the move policy's gates about every item of the release, and
    # which items were ever signed off (an emergency move past QA sign-off is not ready).
    "project detail": (
        PAGES["project detail"][0],
        [
            *PAGES["project detail"][1][:6],
            ("qa_qasignoff", "the items signed off in any round (readiness)"),
            PAGES["project detail"][1][6],  # the dependencies (readiness)
            *GATES,  # the banner reuses the freeze gate's windows: no FREEZE_BANNER
            *PAGES["project detail"][1][8:],
        ],
    ),
    "item detail": (
        PAGES["item detail"][0],
        [
            *PAGES["item detail"][1][:5],
            *GATES,
            ("qa_testcase", "the test cases (QA panel)"),
            ("qa_testrun", "their runs, newest first, with their testers (prefetch)"),
            ("qa_qasignoff", "this round's sign-offs, with their testers"),
            ("qa_acceptancedecision", "this round's acceptance decisions, with who decided"),
            *DEPENDENCY_PANEL,
            VCS_PANEL,
            *CONVERSATION_PANEL,
            ALSO_IN,
        ],
    ),
    "project journal": (
        PAGES["project journal"][0],
        [
            *PAGES["project journal"][1][:-3],
            *EVIDENCE_NAMES,
            *PAGES["project journal"][1][-3:],
        ],
    ),
    "item journal": (
        PAGES["item journal"][0],
        [*PAGES["item journal"][1][:-3], *EVIDENCE_NAMES, *PAGES["item journal"][1][-3:]],
    ),
}
MODES = {"no rules": PAGES, "default rules": PAGES_WITH_RULES}


def populate(team: Team, size: int, *, rules: bool = False) -> None:
    """`size` items spread over the states and people, each with a journal row; item 1 with
    `size` more journal rows and an edit and a move on top; and `size // 10` more projects.
    With `rules`: the default rules, governance data growing with `size` (see
    `populate_governance`), and a vote on item 1's way on as the newest journal row."""
    if rules:
        rule_seed_defaults()
    states = list(ReleaseStatus.objects.order_by("position"))
    people = [team.manager, team.developer, team.qa, team.approver, None]
    kinds, priorities = list(Kind), list(Priority)
    changes = bulk_create_with_history(
        [
            Change(
                title=f"Change {index}", kind=kinds[index % len(kinds)], created_by=team.developer
            )
            for index in range(size)
        ],
        Change,
        default_user=team.developer,
        custom_historical_attrs={"change_kind": "created"},
    )
    items = ItemFactory.build_batch(size, project=team.project, status=states[0])
    for index, item in enumerate(items):
        item.change = changes[index]
        item.number = index + 1
        item.status = states[index % len(states)]
        item.position = (index + 1) * 10
        item.assignee = people[index % len(people)]
        item.priority = priorities[index % len(priorities)]
    bulk_create_with_history(
        items,
        ReleaseItem,
        default_user=team.developer,
        custom_historical_attrs={"change_kind": "created"},
    )
    first = ReleaseItem.objects.get(project=team.project, number=1)
    ReleaseItem.history.bulk_history_create(
        [first] * size,
        update=True,
        default_user=team.qa,
        custom_historical_attrs={"change_kind": "moved", "from_status_id": states[1].pk},
    )
    if rules:
        populate_governance(team, size)
    access = team.access(team.manager)
    first = services.item_update(
        access=access,
        item_id=first.pk,
        expected_version=first.version,
        fields={"title": "Round fees to the cent", "assignee": team.qa},
    )
    first = engine.item_move(
        access=access, item_id=first.pk, expected_version=first.version, direction="next"
    )
    if rules:  # 1 -> 2 needs an approval: the item page shows the vote
        approval_vote(
            access=team.access(team.approver),
            item_id=first.pk,
            to_state_id=READY_FOR_INTEGRATION,
            round=first.round,
            vote="approve",
        )
    for project in ProjectFactory.create_batch(size // 10, release_manager=team.manager):
        ReleaseMember.objects.create(project=project, user=team.manager, role=Role.RELEASE_MANAGER)
    # As on every request but a worker's first after a change: states and rules in memory.
    workflow_current()


def populate_governance(team: Team, size: int) -> None:
    """On item 1 (the item page's) `size // 5` past rounds, and on every tenth item its one
    round, each with an approval and a rejection, an emergency move still owed an approval,
    a sign-off and an acceptance decision; one test case per round with a failed and a passed
    run. Every row with its journal row. A query per vote, emergency or case would show."""
    approver2 = MemberFactory(
        project=team.project, user=UserFactory(username="arthur"), role=Role.APPROVER
    ).user
    items = list(ReleaseItem.objects.filter(project=team.project).order_by("number"))
    votes, emergencies, cases, signoffs, decisions = [], [], [], [], []
    for item in [items[0], *items[1::10]]:
        rounds = range(1, size // 5 + 2) if item.number == 1 else [item.round]
        for round_ in rounds:
            votes += [
                Approval(
                    item=item,
                    from_state_id=DEVELOPING,
                    to_state_id=READY_FOR_REVIEW,
                    round=round_,
                    approver=approver,
                    vote=vote,
                    sod_checks="not the author, not the assignee, not the requester",
                )
                for approver, vote in ((team.approver, "approve"), (approver2, "reject"))
            ]
            emergencies.append(
                EmergencyMove(
                    item=item,
                    from_state_id=DEVELOPING,
                    to_state_id=READY_FOR_REVIEW,
                    round=round_,
                    approvals_required=2,
                    moved_by=team.manager,
                    justification="P1 incident",
                    blockers="needs 1 of 2 approvals (0 so far)",
                )
            )
            signoffs.append(QASignoff(item=item, round=round_, tester=team.qa))
            decisions.append(
                AcceptanceDecision(
                    item=item,
                    round=round_,
                    decision="accepted",
                    decided_by=team.manager,
                    reason="Accepted in the UAT session.",
                )
            )
            cases.append(TestCase(item=item, title=f"Case {round_}", created_by=team.qa))
    created = {"default_user": team.qa, "custom_historical_attrs": {"change_kind": "created"}}
    for model, rows in (
        (Approval, votes),
        (EmergencyMove, emergencies),
        (QASignoff, signoffs),
        (AcceptanceDecision, decisions),
        (TestCase, cases),
    ):
        bulk_create_with_history(rows, model, **created)
    runs = [
        TestRun(test_case=case, result=result, tester=team.qa)
        for case in TestCase.objects.filter(item__project=team.project)
        for result in ("failed", "passed")
    ]
    bulk_create_with_history(runs, TestRun, **created)


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("mode", list(MODES))
def test_page_runs_the_same_queries_whatever_the_size(
    team: Team, django_assert_num_queries, mode: str, page: str, size: int
) -> None:
    populate(team, size, rules=mode == "default rules")
    url, expected = MODES[mode][page]
    client = team.client(team.manager)

    with django_assert_num_queries(len(expected)) as captured:
        response = client.get(url)

    assert response.status_code == 200
    for (table, purpose), query in zip(expected, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


@pytest.mark.parametrize("stage", ["in_progress", "released"])
@pytest.mark.parametrize("mode", list(MODES))
def test_the_release_page_reads_the_freeze_windows_once(team: Team, mode: str, stage: str) -> None:
    """The readiness panel's freeze gate and the banner share one read; a released release
    (no readiness panel) reads them for the banner alone."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from planning.models import FreezeKind, FreezeWindow

    populate(team, 10, rules=mode == "default rules")
    now = timezone.now()
    FreezeWindow.objects.create(
        name="Data centre move",
        kind=FreezeKind.ONE_OFF,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
    )
    ReleaseProject.objects.filter(pk=team.project.pk).update(lifecycle=stage)

    with CaptureQueriesContext(connection) as captured:
        response = team.client(team.manager).get("/projects/PAY/")

    reads = [q for q in captured.captured_queries if '"planning_freezewindow"' in q["sql"]]
    assert len(reads) == 1
    assert "Freeze “Data centre move” in force until" in response.text


@pytest.mark.parametrize("mode", list(MODES))
def test_the_first_page_after_a_change_to_the_states_reloads_them_once(
    team: Team, django_assert_num_queries, mode: str
) -> None:
    populate(team, 10, rules=mode == "default rules")
    ReleaseStatus.objects.filter(pk=DEVELOPING).update(description="Being built.")
    client = team.client(team.manager)
    url, expected = MODES[mode]["board"]
    reload = [
        ("items_releasestatus", "the states, changed since the last page"),
        ("items_transitionrule", "the rules, read again with them"),
    ]
    first = [*expected[:4], *reload, *expected[4:]]

    with django_assert_num_queries(len(first)) as captured:
        client.get(url)
    with django_assert_num_queries(len(expected)):
        client.get(url)

    for (table, purpose), query in zip(first, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


def test_the_governance_data_is_on_the_pages_it_is_counted_for(team: Team) -> None:
    """The pins above count real work: the votes, owed approvals and QA evidence show."""
    populate(team, 10, rules=True)
    client = team.client(team.manager)

    board = client.get("/projects/PAY/board/").text
    item = client.get("/projects/PAY/items/1/").text
    journal = client.get("/projects/PAY/journal/").text

    assert "Retrospective approval pending" in board
    assert "Retrospective approval pending" in item
    assert "1 of 1 approved" in item
    assert "Case 3" in item
    assert "Test run passed: Case" in journal


@pytest.mark.parametrize("mode", list(MODES))
def test_the_board_counts_all_500_cards_with_those_queries(team: Team, mode: str) -> None:
    populate(team, 500, rules=mode == "default rules")

    html = team.client(team.viewer).get("/projects/PAY/board/").text

    # Every card counted; each column shows its first page (items.selectors.COLUMN_PAGE).
    counts = [
        int(n)
        for n in re.findall(r'<span class="count">(\d+)<span class="visually-hidden"> items', html)
    ]
    assert sum(counts) == 500
    assert html.count('<li class="card ') == sum(min(n, COLUMN_PAGE) for n in counts)


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("mode", list(MODES))
def test_htmx_board_partial_skips_only_the_filter_forms_query(
    team: Team, django_assert_num_queries, mode: str, size: int
) -> None:
    populate(team, size, rules=mode == "default rules")
    client = team.client(team.manager)
    without_filter_form = MODES[mode]["board"][1][:-1]

    with django_assert_num_queries(len(without_filter_form)) as captured:
        response = client.get("/projects/PAY/board/", headers={"HX-Request": "true"})

    assert "<html" not in response.text
    for (table, purpose), query in zip(without_filter_form, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


APPROVAL_PAGES = {
    "waiting for my approval": (
        "/approvals/",
        [
            SESSION,
            USER,
            ("projects_releasemember", "the approver's roles in each project"),
            ("items_transitionrule", "the rules that need approvals"),
            ("items_releaseitem", "the items waiting for this approver's vote"),
            ("approvals_emergencymove", "the emergency moves still owing this approver's vote"),
        ],
    ),
    "emergency moves": (
        "/projects/PAY/emergencies/",
        [
            SESSION,
            USER,
            PROJECT,
            ("approvals_emergencymove", "the release's emergency moves, with states and people"),
        ],
    ),
}


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("page", list(APPROVAL_PAGES))
def test_the_approval_pages_run_the_same_queries_whatever_the_size(
    team: Team, django_assert_num_queries, page: str, size: int
) -> None:
    populate(team, size, rules=True)
    url, expected = APPROVAL_PAGES[page]
    client = team.client(team.approver)

    with django_assert_num_queries(len(expected)) as captured:
        response = client.get(url)

    assert response.status_code == 200
    for (table, purpose), query in zip(expected, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


# The installation's journal (administrators): every source, the accounts, groups and access
# changes included, whatever the size of the release and of the user base.
GLOBAL_JOURNAL = [
    SESSION,
    USER,
    ("evidence_seal", "the latest seal, whose digest the page shows"),
    ("items_historicalreleaseitem", "the newest item rows, with their users"),
    CONTENT_ROWS,
    ("projects_historicalreleasemember", "the newest member rows, with their users"),
    ("projects_historicalreleaseproject", "the newest project rows, with their users"),
    ("items_historicalreleasestatus", "the newest release state rows, with their users"),
    ("items_historicaltransitionrule", "the newest rule rows, with their users"),
    *JOURNAL_SOURCES,
    SCHEDULE_JOURNAL,
    FREEZE_JOURNAL,
    *NOTES_JOURNAL,
    ("journal_historicaluser", "the newest account rows, with their users"),
    ("journal_historicalgroup", "the newest group rows, with their users"),
    ("journal_accesschange", "the newest membership and permission changes, with their users"),
    EVIDENCE_READS,
    TICKETS_JOURNAL,
    VCS_JOURNAL,
    IMPORTS_JOURNAL,
    *CONVERSATION_JOURNAL,
    ("items_historicalreleaseitem", "the rows before edited item rows (what changed)"),
    CONTENT_EDITS,
    ("journal_historicaluser", "the rows before edited account rows (what changed)"),
    ("journal_historicalgroup", "the rows before edited group rows (what changed)"),
    ("items_releasestatus", "state names"),
    ("auth_user", "names of the users the rows mention"),
    CHANGE_TITLES,
    ("projects_releaseproject", "codes of the projects the rows mention"),
    ("auth_user", "every user, for the user filter"),
]


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("mode", list(MODES))
def test_the_installations_journal_runs_the_same_queries_whatever_the_size(
    team: Team, django_assert_num_queries, mode: str, size: int
) -> None:
    populate(team, size, rules=mode == "default rules")
    auditors = Group.objects.create(name="Auditors")
    for n in range(size // 10):
        user = UserFactory(username=f"auditor{n}")
        user.groups.add(auditors)
        user.is_staff = True
        user.save()
    UserFactory.create_batch(PAGE_SIZE)  # account creations fill the rest of the page
    # The newest rows: an item edit (its content, on its change, and its priority, on the item),
    # an account edit, a group rename, a membership.
    first = ReleaseItem.objects.get(project=team.project, number=1)
    services.item_update(
        access=team.access(team.manager),
        item_id=first.pk,
        expected_version=first.version,
        fields={"title": "Round fees to the cent, up", "priority": Priority.LOW},
    )
    team.viewer.is_superuser = True
    team.viewer.save()
    auditors.name = "Internal auditors"
    auditors.save()
    team.viewer.groups.add(auditors)
    client = team.client(team.admin)

    with django_assert_num_queries(len(GLOBAL_JOURNAL)) as captured:
        response = client.get("/journal/")

    assert response.status_code == 200
    for (table, purpose), query in zip(GLOBAL_JOURNAL, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose
    for words in ("Added to group", "Granted superuser", "Internal auditors", "Round fees"):
        assert words in response.text


# --- Planning: the schedule page, the release calendar and the iCal feed --------------------
SCHEDULES = ("planning_releaseschedule", "the schedules touching the month, with their releases")
FREEZES = ("planning_freezewindow", "the enabled freeze windows that apply, with their releases")
PLANNING_PAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "calendar month": ("/calendar/?month=2026-12", [SESSION, USER, SCHEDULES, FREEZES]),
    "calendar list": ("/calendar/?view=list&month=2026-12", [SESSION, USER, SCHEDULES, FREEZES]),
    "schedule": (
        "/projects/PAY/schedule/",
        [SESSION, USER, PROJECT, ("planning_releaseschedule", "the release's schedule")],
    ),
    "feed address": (
        "/calendar/feed/",
        [SESSION, USER, ("planning_calendarfeed", "whether the user has a feed address")],
    ),
}
ICAL_FEED = [
    ("auth_user", "the active user whose feed the token's digest opens"),
    ("planning_releaseschedule", "every schedule of the releases they may see, with releases"),
    FREEZES,
]


def populate_planning(team: Team, size: int) -> None:
    """`size // 10` releases the manager is a member of, each with a December schedule and a
    weekly freeze window of its own, and an installation-wide year-end freeze."""
    import datetime as dt

    from planning.models import FreezeKind, FreezeWindow
    from planning.schedule import schedule_update
    from projects.access import project_access

    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 12, day, 9, tzinfo=dt.UTC)

    projects = [
        team.project,
        *ProjectFactory.create_batch(size // 10, release_manager=team.manager),
    ]
    for project in projects:
        ReleaseMember.objects.get_or_create(
            project=project, user=team.manager, defaults={"role": Role.RELEASE_MANAGER}
        )
        schedule_update(
            access=project_access(user=team.manager, code=project.code),
            planned={
                "development_start": at(1),
                "code_freeze": at(4),
                "qa_start": at(7),
                "go_live_start": at(15),
                "go_live_end": at(16),
            },
        )
        FreezeWindow.objects.create(
            name=f"{project.code} weekend",
            project=project,
            kind=FreezeKind.WEEKLY,
            start_weekday=4,
            start_time=dt.time(16),
            end_weekday=0,
            end_time=dt.time(8),
        )
    FreezeWindow.objects.create(
        name="Year-end", kind=FreezeKind.ONE_OFF, starts_at=at(20), ends_at=at(31)
    )


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("page", list(PLANNING_PAGES))
def test_the_planning_pages_run_the_same_queries_whatever_the_size(
    team: Team, django_assert_num_queries, page: str, size: int
) -> None:
    populate_planning(team, size)
    url, expected = PLANNING_PAGES[page]
    client = team.client(team.manager)

    with django_assert_num_queries(len(expected)) as captured:
        response = client.get(url)

    assert response.status_code == 200
    for (table, purpose), query in zip(expected, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


@pytest.mark.parametrize("size", [10, 500])
def test_the_ical_feed_runs_the_same_queries_whatever_the_size(
    team: Team, django_assert_num_queries, size: int
) -> None:
    from django.test import Client

    from planning.ical import calendar_feed_create

    populate_planning(team, size)
    token = calendar_feed_create(user=team.manager)

    with django_assert_num_queries(len(ICAL_FEED)) as captured:
        response = Client().get(f"/calendar/ical/{token}.ics")

    assert response.status_code == 200
    assert response.content.count(b"BEGIN:VEVENT") > 4 * (size // 10 + 1)
    for (table, purpose), query in zip(ICAL_FEED, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


# --- Release notes: the draft (the release manager's edit form too) and a published version ---
NOTES_VERSIONS = ("releases_publishednotes", "the published versions' dates and authors")
NOTES_PAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "notes draft": (
        "/projects/PAY/notes/",
        [
            SESSION,
            USER,
            PROJECT,
            ("releases_releasenotes", "the release manager's introduction and known issues"),
            WORKFLOW,  # the states (name, production flag) of the items
            ("releases_notesitemplacement", "the items hidden or listed as known issues"),
            ("items_releaseitem", "the release's items: kind, title, external key, state"),
            NOTES_VERSIONS,
        ],
    ),
    "notes published": (
        "/projects/PAY/notes/",
        [
            SESSION,
            USER,
            PROJECT,
            ("releases_publishednotes", "the newest published version, with its content"),
            NOTES_VERSIONS,
        ],
    ),
    "notes markdown download": (
        "/projects/PAY/notes/?format=md",
        [
            SESSION,
            USER,
            PROJECT,
            ("releases_releasenotes", "the release manager's introduction and known issues"),
            WORKFLOW,
            ("releases_notesitemplacement", "the items hidden or listed as known issues"),
            ("items_releaseitem", "the release's items: kind, title, external key, state"),
        ],
    ),
}


def populate_notes(team: Team, size: int, *, published: bool) -> None:
    """`size` items of every kind, a tenth hidden and a tenth known issues; when `published`,
    the release went live twice (a reopening between)."""
    import factory

    from items.workflow import workflow_current
    from projects.access import project_access
    from projects.models import Lifecycle
    from projects.services import project_update
    from releases.notes_services import release_notes_update
    from releases.services import release_reopen

    production = next(s for s in workflow_current().states if s.production)
    items = ItemFactory.create_batch(
        size,
        project=team.project,
        status=production,
        kind=factory.Iterator(list(Kind)),
        external_key="JIRA-1",
    )

    def access():
        return project_access(user=team.manager, code="PAY")

    hidden = {i.pk: "hidden" for i in items[::10]}
    known = {i.pk: "known_issue" for i in items[5::10]}
    release_notes_update(
        access=access(),
        introduction="Hello",
        known_issues="",
        placements=hidden | known,
        revision=0,
    )
    if published:
        project_update(access=access(), fields={"lifecycle": Lifecycle.RELEASED})
        release_reopen(access=access(), reason="Hotfix")
        project_update(access=access(), fields={"lifecycle": Lifecycle.RELEASED})


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("page", list(NOTES_PAGES))
def test_the_release_notes_pages_run_the_same_queries_whatever_the_size(
    team: Team, django_assert_num_queries, page: str, size: int
) -> None:
    populate_notes(team, size, published=page == "notes published")
    url, expected = NOTES_PAGES[page]
    client = team.client(team.manager)

    with django_assert_num_queries(len(expected)) as captured:
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.count(b"PAY-") >= size * 0.7
    for (table, purpose), query in zip(expected, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose
