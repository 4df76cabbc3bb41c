"""Writes on QA evidence: test cases, test runs, sign-offs and acceptance decisions.

Each write locks the item row, so a gate check in the engine (which holds the same lock)
never sees half of a QA change; everything is journaled.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from items.engine import EngineError, ItemNotFound, MoveNotAllowed, StaleItem, item_lock
from items.models import ReleaseItem, TransitionRule
from projects.access import Access
from projects.roles import EDIT_ITEMS, Role
from qa.models import AcceptanceDecision, Decision, QASignoff, Result, TestCase, TestRun

ONLY_QA_RECORDS_RUNS = gettext_noop("Only QA testers record test runs.")
ONLY_QA_SIGNS_OFF = gettext_noop("Only QA testers sign off items.")
DEVELOPER_SIGNOFF = gettext_noop(
    "You implemented {key} (it is assigned to you), so you cannot sign it off."
)
ALREADY_SIGNED = gettext_noop("You have already signed off {key} in this round.")
STALE_ROUND = gettext_noop("{key} changed since this page was loaded; reload it and try again.")
ONLY_ACCEPTORS = gettext_noop("Only release managers and approvers record acceptance decisions.")
ACCEPTANCE_NEEDS_REASON = gettext_noop("Say why: an acceptance decision needs a reason.")
UNKNOWN_CASE = gettext_noop("There is no such test case on {key}.")
CASE_GONE = gettext_noop("There is no such test case on {key} (it may have been removed already).")
NOT_CASE_EDITOR = gettext_noop("Your role may not add or remove test cases.")

TEST_CASE_FIELDS = ("title", "steps", "expected_result")
RUN_FIELDS = ("result", "note", "evidence_url")


@transaction.atomic
def qa_case_add(*, access: Access, item_id: int, fields: dict[str, Any]) -> TestCase:
    if not (access.can(EDIT_ITEMS) or access.has_role(Role.QA_TESTER)):
        raise PermissionDenied(gettext("Your role may not add test cases."))
    item = item_lock(access=access, item_id=item_id)
    case = TestCase(item=item, created_by=access.user)
    for name in TEST_CASE_FIELDS:
        if name in fields:
            setattr(case, name, fields[name])
    case._history_user = access.user
    case.save()
    return case


@transaction.atomic
def qa_case_retire(
    *, access: Access, item_id: int, test_case_id: int, reason: str = ""
) -> TestCase:
    """Take a test case off the item: retired, never deleted, so its runs stay evidence. It no
    longer counts for the QA gate; the journal records who retired it, when and why."""
    if not (access.can(EDIT_ITEMS) or access.has_role(Role.QA_TESTER)):
        raise PermissionDenied(gettext(NOT_CASE_EDITOR))
    item = item_lock(access=access, item_id=item_id)
    case = (
        TestCase.objects.select_for_update()
        .filter(pk=test_case_id, item=item, retired_at__isnull=True)
        .first()
    )
    if case is None:
        raise ItemNotFound(gettext(CASE_GONE).format(key=item.key))
    case.retired_at = timezone.now()
    case._history_user = access.user
    case._change_reason = reason.strip()
    case.save(update_fields=["retired_at"])
    return case


@transaction.atomic
def qa_run_record(
    *, access: Access, item_id: int, test_case_id: int, fields: dict[str, Any]
) -> TestRun:
    if not access.has_role(Role.QA_TESTER):
        raise MoveNotAllowed(gettext(ONLY_QA_RECORDS_RUNS))
    item = item_lock(access=access, item_id=item_id)
    # A retired case takes no runs: it no longer counts (its old runs stay evidence).
    case = TestCase.objects.filter(pk=test_case_id, item=item, retired_at__isnull=True).first()
    if case is None:
        raise ItemNotFound(gettext(UNKNOWN_CASE).format(key=item.key))
    if fields.get("result") not in Result.values:
        raise EngineError(gettext("Unknown result “{result}”.").format(result=fields.get("result")))
    run = TestRun(test_case=case, tester=access.user)
    for name in RUN_FIELDS:
        if name in fields:
            setattr(run, name, fields[name])
    run._history_user = access.user
    run._change_reason = run.note
    run.save()
    return run


def _signoff_needs_sod(*, item: ReleaseItem) -> bool:
    """Segregation of duties applies unless every rule needing sign-off switched it off."""
    flags = TransitionRule.objects.filter(requires_qa_signoff=True).values_list(
        "segregation_of_duties", flat=True
    )
    return any(flags) or not flags


@transaction.atomic
def qa_signoff(*, access: Access, item_id: int, round: int, comment: str = "") -> QASignoff:
    if not access.has_role(Role.QA_TESTER):
        raise MoveNotAllowed(gettext(ONLY_QA_SIGNS_OFF))
    item = item_lock(access=access, item_id=item_id)
    if round != item.round:
        raise StaleItem(gettext(STALE_ROUND).format(key=item.key))
    sod = _signoff_needs_sod(item=item)
    if sod and item.assignee_id == access.user.pk:
        raise MoveNotAllowed(gettext(DEVELOPER_SIGNOFF).format(key=item.key))
    signoff = QASignoff(
        item=item,
        round=round,
        tester=access.user,
        comment=comment.strip(),
        # Stored for the auditor in English; shown translated (approvals.sod).
        sod_checks=gettext_noop("not the implementing developer")
        if sod
        else gettext_noop("not required"),
    )
    signoff._history_user = access.user
    signoff._change_reason = comment.strip()
    try:
        with transaction.atomic():
            signoff.save()
    except IntegrityError:
        raise EngineError(gettext(ALREADY_SIGNED).format(key=item.key)) from None
    return signoff


@transaction.atomic
def qa_acceptance_decide(
    *, access: Access, item_id: int, round: int, decision: str, reason: str
) -> AcceptanceDecision:
    if not access.has_role(Role.RELEASE_MANAGER, Role.APPROVER):
        raise MoveNotAllowed(gettext(ONLY_ACCEPTORS))
    if not reason.strip():
        raise EngineError(gettext(ACCEPTANCE_NEEDS_REASON))
    if decision not in Decision.values:
        raise EngineError(gettext("Unknown decision “{decision}”.").format(decision=decision))
    item = item_lock(access=access, item_id=item_id)
    if round != item.round:
        raise StaleItem(gettext(STALE_ROUND).format(key=item.key))
    accepted = AcceptanceDecision(
        item=item, round=round, decision=decision, decided_by=access.user, reason=reason.strip()
    )
    accepted._history_user = access.user
    accepted._change_reason = reason.strip()
    accepted.save()
    return accepted
