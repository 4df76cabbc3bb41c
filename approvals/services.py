"""Writes on approvals: votes on moves and releases, withdrawals, emergency moves.

Every vote locks the item (or project) row first, so two approvers voting at once are
serialised and neither vote is lost; every vote, rejection and withdrawal is journaled.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop, ngettext

from approvals.gates import refusal
from approvals.models import Approval, EmergencyMove, ReleaseApproval, Vote
from approvals.signals import item_vote_cast, release_vote_cast
from items.engine import (
    EngineError,
    MoveNotAllowed,
    StaleItem,
    item_lock,
    states_in_order,
)
from items.gates import Requirements
from items.models import ReleaseItem, ReleaseStatus, TransitionRule
from items.policy import MovePolicy
from items.workflow import workflow_current
from projects.access import Access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role

NOT_AN_APPROVER = gettext_noop(
    "Your role may not approve moving items from “{source}” to “{target}”."
)
NO_APPROVAL_NEEDED = gettext_noop("Moving {key} from “{source}” to “{target}” needs no approval.")
SELF_APPROVAL = gettext_noop("You cannot approve {key}: {why}.")
ALREADY_VOTED = gettext_noop(
    "You have already voted on {key} in this round; withdraw your vote first."
)
NO_VOTE_TO_WITHDRAW = gettext_noop("You have no vote on {key} in this round to withdraw.")
NO_RELEASE_VOTE_TO_WITHDRAW = gettext_noop("You have no vote on {code} to withdraw.")
STALE_ROUND = gettext_noop(
    "{key} changed since this page was loaded; its approval round is now {round}."
)
NOT_A_RELEASE_APPROVER = gettext_noop("Only the approvers of {code} may approve the release.")
OWN_RELEASE = gettext_noop("The release manager of {code} cannot approve their own release.")
RELEASE_ALREADY_VOTED = gettext_noop("You have already voted on {code}; withdraw your vote first.")
RELEASE_NOT_IN_PLANNING = gettext_noop(
    "{code} is no longer in planning; its release approval is closed."
)
RELEASE_REJECTED = gettext_noop("{code} was rejected by {names}; it cannot leave planning.")
# A journal reason (stored): English, never translated.
RELEASE_VOTE_VOIDED = (
    "Voided: {code} went back to planning, so its release needs a new round of approval."
)

# Stored with each vote (sod_checks) for the auditor in English; marked so a page can show
# them in the reader's language (approvals.sod).
AUTHOR = gettext_noop("not the author")
ASSIGNEE = gettext_noop("not the assignee")
REQUESTER = gettext_noop("not the requester")
SOD_NOT_REQUIRED = gettext_noop("segregation of duties not required")


def _sod_failures(*, user, item: ReleaseItem) -> tuple[list[str], list[str]]:
    """Segregation of duties for a vote on `item`: (checks failed, in the reader's language;
    checks passed, in English as stored)."""
    checks = [
        (AUTHOR, item.author_ids, gettext("you created it")),
        (ASSIGNEE, {item.assignee_id}, gettext("it is assigned to you")),
        (REQUESTER, {item.state_entered_by_id}, gettext("you requested this move")),
    ]
    failed = [why for _, owners, why in checks if user.pk in owners]
    passed = [name for name, owners, _ in checks if user.pk not in owners]
    return failed, passed


def _approval_need(*, access: Access, item: ReleaseItem, to_state_id: int) -> Requirements:
    """What the move of `item` on to `to_state_id` asks for now (items.policy: an item edited
    after sign-off owes the approvals it had passed); refused when no approval is needed."""
    rule = (
        TransitionRule.objects.select_related("from_state", "to_state")
        .filter(from_state_id=item.status_id, to_state_id=to_state_id)
        .first()
    )
    need = None
    if rule is not None:
        policy = MovePolicy(access=access, workflow=workflow_current(), items=[item])
        need = policy.requirements(item, rule)
    if need is None or not need.approvals_required:
        states = {s.id: s.name for s in states_in_order()}
        raise EngineError(
            gettext(NO_APPROVAL_NEEDED).format(
                key=item.key,
                source=states.get(item.status_id, "?"),
                target=states.get(to_state_id, "?"),
            )
        )
    return need


@transaction.atomic
def approval_vote(
    *,
    access: Access,
    item_id: int,
    to_state_id: int,
    round: int,
    vote: str,
    comment: str = "",
    from_state_id: int | None = None,
) -> Approval:
    """Approve or reject moving an item on to `to_state_id`, for the item's current round.

    `from_state_id` and an older `round` name a past emergency move's transition, to give
    its approvals retrospectively.
    """
    item = item_lock(access=access, item_id=item_id)
    # A past emergency move's transition, even when the item has since gone back to its state.
    emergency = from_state_id is not None and (from_state_id, round) != (item.status_id, item.round)
    if emergency:
        owed = EmergencyMove.objects.filter(
            item=item, from_state_id=from_state_id, to_state_id=to_state_id, round=round
        ).first()
        if owed is None:
            raise EngineError(gettext(STALE_ROUND).format(key=item.key, round=item.round))
        rule = TransitionRule.objects.filter(
            from_state_id=from_state_id, to_state_id=to_state_id
        ).first()
        approver_roles = rule.approver_roles if rule else [Role.APPROVER]
        sod = rule.segregation_of_duties if rule else True
        source_id = from_state_id
    else:
        if round != item.round:
            raise StaleItem(gettext(STALE_ROUND).format(key=item.key, round=item.round))
        need = _approval_need(access=access, item=item, to_state_id=to_state_id)
        approver_roles, sod, source_id = (
            need.approver_roles,
            need.segregation_of_duties,
            item.status_id,
        )
    if not access.has_role(*approver_roles):
        names = {
            s.id: s.name for s in ReleaseStatus.objects.filter(pk__in=[source_id, to_state_id])
        }
        raise MoveNotAllowed(
            gettext(NOT_AN_APPROVER).format(
                source=names.get(source_id), target=names.get(to_state_id)
            )
        )
    failed, passed = _sod_failures(user=access.user, item=item)
    if sod and failed:
        why = gettext(" and ").join(failed)
        raise MoveNotAllowed(gettext(SELF_APPROVAL).format(key=item.key, why=why))
    if vote not in Vote.values:
        raise EngineError(gettext("Unknown vote “{vote}”.").format(vote=vote))
    approval = Approval(
        item=item,
        from_state_id=source_id,
        to_state_id=to_state_id,
        round=round,
        approver=access.user,
        vote=vote,
        comment=comment.strip(),
        sod_checks=", ".join(passed) if sod else SOD_NOT_REQUIRED,
    )
    approval._history_user = access.user
    approval._change_reason = comment.strip()
    try:
        with transaction.atomic():
            approval.save()
    except IntegrityError:
        raise EngineError(gettext(ALREADY_VOTED).format(key=item.key)) from None
    item_vote_cast.send(sender=Approval, access=access, approval=approval)
    return approval


@transaction.atomic
def approval_withdraw(*, access: Access, item_id: int, approval_id: int) -> None:
    item = item_lock(access=access, item_id=item_id)
    votes = Approval.objects.filter(pk=approval_id, item=item)
    _withdraw(access=access, votes=votes, missing=gettext(NO_VOTE_TO_WITHDRAW).format(key=item.key))


def _withdraw(*, access: Access, votes: QuerySet, missing: str) -> None:
    """Withdraw the user's live vote among `votes` (a journaled edit, never a deletion)."""
    vote = votes.filter(approver=access.user, withdrawn=False).first()
    if vote is None:
        raise EngineError(missing)
    vote.withdrawn = True
    vote._history_user = access.user
    vote._change_reason = "Withdrawn"
    vote.save(update_fields=["withdrawn"])


def emergency_record(
    *,
    access: Access,
    item: ReleaseItem,
    need: Requirements,
    round: int,
    justification: str,
    blockers: tuple[str, ...],
) -> EmergencyMove:
    """Record an emergency move the engine just made, inside its transaction."""
    emergency = EmergencyMove(
        item=item,
        from_state_id=need.from_state_id,
        to_state_id=need.to_state_id,
        round=round,
        approvals_required=need.approvals_required,
        moved_by=access.user,
        justification=justification,
        # In English whatever the mover reads: the engine asked the gates under English.
        blockers="; ".join(blockers),
    )
    emergency._history_user = access.user
    emergency._change_reason = justification
    emergency.save()
    return emergency


def emergency_record_on_move(
    sender: object,
    *,
    access: Access,
    item: ReleaseItem,
    need: Requirements,
    round: int,
    justification: str,
    blockers: tuple[str, ...],
    **kwargs: object,
) -> None:
    """Receiver of items.gates.emergency_move_made (connected in ApprovalsConfig.ready())."""
    emergency_record(
        access=access,
        item=item,
        need=need,
        round=round,
        justification=justification,
        blockers=blockers,
    )


# --- Release approval ------------------------------------------------------------------------


@transaction.atomic
def release_vote(*, access: Access, vote: str, comment: str = "") -> ReleaseApproval:
    project = ReleaseProject.objects.select_for_update().get(pk=access.project.pk)
    if project.lifecycle != Lifecycle.PLANNING:
        raise EngineError(gettext(RELEASE_NOT_IN_PLANNING).format(code=project.code))
    if not access.has_role(Role.APPROVER):
        raise MoveNotAllowed(gettext(NOT_A_RELEASE_APPROVER).format(code=project.code))
    if access.user.pk == project.release_manager_id:
        raise MoveNotAllowed(gettext(OWN_RELEASE).format(code=project.code))
    if vote not in Vote.values:
        raise EngineError(gettext("Unknown vote “{vote}”.").format(vote=vote))
    approval = ReleaseApproval(
        project=project, approver=access.user, vote=vote, comment=comment.strip()
    )
    approval._history_user = access.user
    approval._change_reason = comment.strip()
    try:
        with transaction.atomic():
            approval.save()
    except IntegrityError:
        raise EngineError(gettext(RELEASE_ALREADY_VOTED).format(code=project.code)) from None
    release_vote_cast.send(sender=ReleaseApproval, access=access, approval=approval)
    return approval


def release_needs_approval(*, code: str, required: int, have: int) -> str:
    """The release's missing management approvals, in the active language, counted."""
    return ngettext(
        "{code} needs {required} management approval before it leaves planning ({have} so far).",
        "{code} needs {required} management approvals before it leaves planning ({have} so far).",
        required,
    ).format(code=code, required=required, have=have)


@transaction.atomic
def release_withdraw(*, access: Access, approval_id: int) -> None:
    project = ReleaseProject.objects.select_for_update().get(pk=access.project.pk)
    if project.lifecycle != Lifecycle.PLANNING:
        # The release left planning on these votes: they stay as they were.
        raise EngineError(gettext(RELEASE_NOT_IN_PLANNING).format(code=project.code))
    votes = ReleaseApproval.objects.filter(pk=approval_id, project=project, voided=False)
    _withdraw(
        access=access,
        votes=votes,
        missing=gettext(NO_RELEASE_VOTE_TO_WITHDRAW).format(code=project.code),
    )


def release_gate_blockers(*, project: ReleaseProject) -> list[str]:
    """Why `project` may not leave planning yet (empty: it may). Callers hold its row lock."""
    votes = list(
        ReleaseApproval.objects.filter(
            project=project, withdrawn=False, voided=False
        ).select_related("approver")
    )
    rejections = [str(v.approver) for v in votes if v.vote == Vote.REJECT]
    if rejections:
        return [refusal(RELEASE_REJECTED, code=project.code, names=", ".join(rejections))]
    have = sum(v.vote == Vote.APPROVE for v in votes)
    if have < project.release_approvals_required:
        return [
            release_needs_approval(
                code=project.code, required=project.release_approvals_required, have=have
            )
        ]
    return []


def release_stage_blockers(project: ReleaseProject, to_stage: str) -> list[str]:
    """The stage gate of management approval (registered in ApprovalsConfig.ready()): a
    release leaves planning only approved, unless it is cancelled."""
    if project.lifecycle != Lifecycle.PLANNING or to_stage in (
        Lifecycle.PLANNING,
        Lifecycle.CANCELLED,
    ):
        return []
    return release_gate_blockers(project=project)


def release_votes_void(*, project: ReleaseProject, actor) -> int:
    """Void the live release votes of `project`, which went back to planning: the approval
    was for the plan it left with. Each vote is journaled as voided, never deleted."""
    voided = 0
    for vote in ReleaseApproval.objects.filter(project=project, withdrawn=False, voided=False):
        vote.voided = True
        vote._history_user = actor
        vote._change_reason = RELEASE_VOTE_VOIDED.format(code=project.code)
        vote.save(update_fields=["voided"])
        voided += 1
    return voided


def release_votes_void_on_replanning(
    sender: type[ReleaseProject],
    *,
    project: ReleaseProject,
    to_stage: str,
    by: AbstractBaseUser | None,
    **kwargs: object,
) -> None:
    """stage_changed receiver (ApprovalsConfig.ready()): a release that goes back to planning
    — from the portal, the admin, a reopening — has its release approval voided in the same
    transaction."""
    if to_stage == Lifecycle.PLANNING:
        release_votes_void(project=project, actor=by)
