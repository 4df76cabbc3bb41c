"""Events of approvals, for apps that react to them without approvals importing them
(notifications: mails). Sent inside the vote's transaction; defer work with on_commit.
"""

from django.dispatch import Signal

# Sent by approvals.services.approval_vote after a vote on an item's move was saved:
# access (the voter), approval (the saved Approval, with item loaded).
item_vote_cast = Signal()

# Sent by approvals.services.release_vote after a vote on a release was saved:
# access (the voter), approval (the saved ReleaseApproval).
release_vote_cast = Signal()
