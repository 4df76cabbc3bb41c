"""The approvals gate of the move policy (registered in ApprovalsConfig.ready()): live votes
for "n approvals, one rejection blocks", and the emergency moves still owed approvals."""

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext, gettext_noop, ngettext

from approvals.models import Approval, EmergencyMove, Vote
from items.gates import Requirements
from items.models import ReleaseItem

if TYPE_CHECKING:
    from items.policy import MovePolicy

APPROVALS = "approvals"

NEEDS_APPROVALS = gettext_noop("needs {required} of {eligible} approvals ({have} so far)")
REJECTED_BY = gettext_noop("rejected by {names}")
RETROSPECTIVE_PENDING = gettext_noop("retrospective approval pending")


def quorum_unreachable(*, required: int, eligible: int) -> str:
    """Fewer members may approve than the quorum needs (eligible < required), in the active
    language. One whole sentence per case, so each count agrees with its noun: with nobody
    eligible the required count decides the form, otherwise (then required >= 2) the eligible
    count does. The engine asks again under English for what an emergency move stores."""
    if eligible == 0:
        text = ngettext(
            "needs {required} approval but no member can approve: add an approver",
            "needs {required} approvals but no member can approve: add an approver",
            required,
        )
    else:
        text = ngettext(
            "needs {required} approvals but only {eligible} member can approve: add an approver",
            "needs {required} approvals but only {eligible} members can approve: add an approver",
            eligible,
        )
    return text.format(required=required, eligible=eligible)


def refusal(message: str, **params: Any) -> str:
    """`message` (an English msgid with named {placeholders}) in the active language. An
    emergency move stores what it skipped in English: the engine asks the gates again under
    English (items/engine.py), so a gate needs nothing more than this."""
    return gettext(message).format(**params)


class ApprovalsGate:
    def __init__(self) -> None:
        self.votes: dict[tuple[int, int, int, int], list[Approval]] = defaultdict(list)
        self.emergencies: dict[int, list[EmergencyMove]] = defaultdict(list)

    def load(self, policy: "MovePolicy") -> None:
        """Two queries: the live votes and the emergency moves of the policy's items."""
        scope = policy.scope
        for vote in Approval.objects.filter(withdrawn=False, **scope).select_related("approver"):
            self.votes[vote.item_id, vote.from_state_id, vote.to_state_id, vote.round].append(vote)
        # moved_by: the item page names who forced each move still owed approvals.
        for emergency in EmergencyMove.objects.filter(**scope).select_related("moved_by"):
            owed = self.votes[
                emergency.item_id, emergency.from_state_id, emergency.to_state_id, emergency.round
            ]
            if sum(v.vote == Vote.APPROVE for v in owed) < emergency.approvals_required:
                self.emergencies[emergency.item_id].append(emergency)

    def votes_for(self, item: ReleaseItem, need: Requirements) -> list[Approval]:
        """Live votes on `need`'s move of `item` in the item's current round."""
        return self.votes.get((item.pk, need.from_state_id, need.to_state_id, item.round), [])

    def blockers(self, item: ReleaseItem, need: Requirements, policy: "MovePolicy") -> list[str]:
        if not need.approvals_required:
            return []
        votes = self.votes_for(item, need)
        approvals = sum(v.vote == Vote.APPROVE for v in votes)
        rejections = [str(v.approver) for v in votes if v.vote == Vote.REJECT]
        reasons = []
        if need.rejection_blocks and rejections:
            reasons.append(refusal(REJECTED_BY, names=", ".join(rejections)))
        if approvals < need.approvals_required:
            eligible = len(self.eligible(item, need, policy))
            if eligible < need.approvals_required:
                # Never "2 of 2" when only one member can approve: say what is missing.
                reasons.append(
                    quorum_unreachable(required=need.approvals_required, eligible=eligible)
                )
            else:
                reasons.append(
                    refusal(
                        NEEDS_APPROVALS,
                        required=need.approvals_required,
                        eligible=eligible,
                        have=approvals,
                    )
                )
        return reasons

    def eligible(self, item: ReleaseItem, need: Requirements, policy: "MovePolicy") -> set[int]:
        """The members who may approve `need`'s move of `item`: holding an approver role, and
        (with segregation of duties) not its author, assignee or requester."""
        excluded = (
            {*item.author_ids, item.assignee_id, item.state_entered_by_id}
            if need.segregation_of_duties
            else set()
        )
        return {
            user_id
            for user_id, role in policy.members
            if role in need.approver_roles and user_id not in excluded
        }

    def satisfied_by(self, item: ReleaseItem, need: Requirements) -> list[str]:
        if not need.approvals_required:
            return []
        return [str(v.approver) for v in self.votes_for(item, need) if v.vote == Vote.APPROVE]

    def notes(self, item: ReleaseItem) -> list[str]:
        return [refusal(RETROSPECTIVE_PENDING)] if self.emergencies.get(item.pk) else []
