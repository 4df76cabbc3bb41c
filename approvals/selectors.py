"""Reads for approvals: the item page's vote panel, the approver's waiting list, releases."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, gettext_noop

from approvals.gates import APPROVALS, ApprovalsGate
from approvals.models import Approval, EmergencyMove, ReleaseApproval, Vote
from approvals.services import _sod_failures
from items.models import ReleaseItem, TransitionRule
from items.policy import MovePolicy
from projects.access import Access
from projects.models import Lifecycle, ReleaseMember, ReleaseProject
from projects.roles import Role

# The waiting list says why an item edited after sign-off is back (see items.engine).
REAPPROVAL = gettext_noop("re-approval (edited after sign-off)")


@dataclass(slots=True)
class Round:
    """One transition's vote in one round: who voted what, and what this user may do."""

    from_state_id: int
    to_state_id: int
    to_state_name: str
    round: int
    required: int
    votes: list[Approval]
    emergency: EmergencyMove | None = None
    can_vote: bool = False
    cannot_vote_because: str = ""
    my_vote: Approval | None = None

    @property
    def approvals(self) -> int:
        return sum(v.vote == Vote.APPROVE for v in self.votes)

    @property
    def rejections(self) -> list[Approval]:
        return [v for v in self.votes if v.vote == Vote.REJECT]


@dataclass(slots=True)
class ApprovalsPanel:
    rounds: list[Round] = field(default_factory=list)


def _round(
    *, access: Access, item: ReleaseItem, rule_roles: Sequence[str], sod: bool, **kwargs
) -> Round:
    entry = Round(**kwargs)
    entry.my_vote = next((v for v in entry.votes if v.approver_id == access.user.pk), None)
    may = access.has_role(*rule_roles) and not access.read_only_reason  # no votes once released
    failed, _ = _sod_failures(user=access.user, item=item)
    if not may:
        entry.cannot_vote_because = ""  # not an approver here: say nothing
    elif entry.my_vote:
        entry.cannot_vote_because = gettext("You have voted in this round.")
    elif sod and failed:
        entry.cannot_vote_because = gettext("You cannot approve: {why}.").format(
            why=gettext(" and ").join(failed)
        )
    else:
        entry.can_vote = True
    return entry


def approvals_panel(*, access: Access, item: ReleaseItem, policy: MovePolicy) -> ApprovalsPanel:
    """The votes on the moves out of the item's state that need approvals, and the
    retrospective approvals owed for its emergency moves. No queries: the policy has them."""
    panel = ApprovalsPanel()
    gate: ApprovalsGate = policy.gate(APPROVALS)
    for (source, _target), rule in policy.rules.items():
        if source != item.status_id:
            continue
        need = policy.requirements(item, rule)
        if not need.approvals_required:
            continue
        panel.rounds.append(
            _round(
                access=access,
                item=item,
                rule_roles=need.approver_roles,
                sod=need.segregation_of_duties,
                from_state_id=source,
                to_state_id=rule.to_state_id,
                to_state_name=policy.states[rule.to_state_id].name,
                round=item.round,
                required=need.approvals_required,
                votes=gate.votes_for(item, need),
            )
        )
    for emergency in gate.emergencies.get(item.pk, []):
        rule = policy.rules.get((emergency.from_state_id, emergency.to_state_id))
        key = (item.pk, emergency.from_state_id, emergency.to_state_id, emergency.round)
        panel.rounds.append(
            _round(
                access=access,
                item=item,
                rule_roles=rule.approver_roles if rule else [Role.APPROVER],
                sod=rule.segregation_of_duties if rule else True,
                from_state_id=emergency.from_state_id,
                to_state_id=emergency.to_state_id,
                to_state_name=policy.states[emergency.to_state_id].name,
                round=emergency.round,
                required=emergency.approvals_required,
                votes=gate.votes.get(key, []),
                emergency=emergency,
            )
        )
    return panel


def roles_by_project(*, user) -> dict[int, set[str]]:
    """The user's roles in each project they are a member of (one query)."""
    roles: dict[int, set[str]] = {}
    for project_id, role in ReleaseMember.objects.filter(user=user).values_list(
        "project_id", "role"
    ):
        roles.setdefault(project_id, set()).add(role)
    return roles


def items_waiting_for_approval(*, user, roles: dict[int, set[str]]) -> list[ReleaseItem]:
    """Items waiting for this user's vote: in a state whose way on needs approvals from a role
    the user has in that project, not voted on by the user in the current round, and not the
    user's own (author, assignee, requester) where segregation of duties applies.
    Each item's `waiting_for` names the state its approval would let it move to."""
    wanted = Q(pk__in=[])
    gated = list(
        TransitionRule.objects.filter(approvals_required__gt=0).select_related(
            "from_state", "to_state"
        )
    )
    targets: dict[int, list[str]] = {}
    for rule in gated:
        targets.setdefault(rule.from_state_id, []).append(rule.to_state.name)
    for rule in gated:
        # An item edited after sign-off owes again the approvals of every gate it had passed.
        reopened = Q(needs_reapproval=True, status__position__gt=rule.from_state.position)
        if user.is_superuser:
            wanted |= Q(status_id=rule.from_state_id) | reopened
            continue
        projects = [p for p, held in roles.items() if held & set(rule.approver_roles)]
        if projects:
            wanted |= (Q(status_id=rule.from_state_id) | reopened) & Q(project_id__in=projects)
    voted = Approval.objects.filter(
        item=OuterRef("pk"), round=OuterRef("round"), approver=user, withdrawn=False
    )
    own = (
        Q(created_by=user)
        | Q(change__created_by=user)
        | Q(assignee=user)
        | Q(state_entered_by=user)
    )
    items = list(
        ReleaseItem.objects.filter(wanted)
        .exclude(Exists(voted))
        .exclude(own)
        .select_related("project", "status", "assignee", "state_entered_by", "change")
        .order_by("project__code", "number")
    )
    for item in items:
        waiting_for = targets.get(item.status_id, [])
        if item.needs_reapproval:
            waiting_for = [gettext(REAPPROVAL), *waiting_for]
        item.waiting_for = ", ".join(waiting_for)
    return items


def emergencies_owed_to(*, user, roles: dict[int, set[str]]) -> list[EmergencyMove]:
    """Emergency moves still owing approvals that this user may give (not their own items)."""
    voted = Approval.objects.filter(
        item=OuterRef("item"),
        from_state=OuterRef("from_state"),
        to_state=OuterRef("to_state"),
        round=OuterRef("round"),
        withdrawn=False,
    )
    approved = voted.filter(vote=Vote.APPROVE).values("item").annotate(n=Count("pk")).values("n")
    moves = (
        EmergencyMove.objects.annotate(have=Coalesce(Subquery(approved[:1]), 0))
        .filter(approvals_required__gt=F("have"))
        .exclude(Exists(voted.filter(approver=user)))
        .exclude(
            Q(item__created_by=user)
            | Q(item__change__created_by=user)
            | Q(item__assignee=user)
            | Q(moved_by=user)
        )
        .select_related("item__project", "from_state", "to_state", "moved_by")
        .order_by("-created_at")
    )
    if not user.is_superuser:
        approver_projects = [p for p, held in roles.items() if Role.APPROVER in held]
        moves = moves.filter(item__project_id__in=approver_projects)
    return list(moves)


def emergencies_for_project(*, project: ReleaseProject) -> QuerySet[EmergencyMove]:
    return EmergencyMove.objects.filter(item__project=project).select_related(
        "item", "item__project", "from_state", "to_state", "moved_by"
    )


@dataclass(slots=True)
class ReleasePanel:
    votes: list[ReleaseApproval]
    required: int
    open: bool
    can_vote: bool
    my_vote: ReleaseApproval | None
    voided: list[ReleaseApproval] = field(default_factory=list)  # of earlier rounds

    @property
    def approvals(self) -> int:
        return sum(v.vote == Vote.APPROVE for v in self.votes)


def release_panel(*, access: Access) -> ReleasePanel:
    project = access.project
    # One query: this round's votes and those voided when the release went back to planning.
    rows = list(
        ReleaseApproval.objects.filter(project=project, withdrawn=False).select_related("approver")
    )
    votes = [v for v in rows if not v.voided]
    mine = next((v for v in votes if v.approver_id == access.user.pk), None)
    is_approver = access.has_role(Role.APPROVER)
    open_ = project.lifecycle == Lifecycle.PLANNING
    return ReleasePanel(
        votes=votes,
        required=project.release_approvals_required,
        open=open_,
        can_vote=open_
        and is_approver
        and mine is None
        and access.user.pk != project.release_manager_id,
        my_vote=mine,
        voided=[v for v in rows if v.voided],
    )
