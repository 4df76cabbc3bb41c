"""Events of the status engine, for apps that react to them without items importing them
(notifications: mails). Sent inside the move's transaction: a receiver that must act only once
the move is committed (a mail) defers itself with transaction.on_commit.
"""

from django.dispatch import Signal

# Sent by items.engine.item_move after an item was moved (single and bulk moves alike):
# access (who moved it, in which project), item (saved, in its new state), from_state_id,
# to_state_id, comment, emergency.
item_moved = Signal()
