"""What conversation tells other apps (notifications listens); it never calls them."""

from django.dispatch import Signal

# Sent inside the comment's transaction once it is saved, with access= and comment=: a receiver
# that mails waits for the commit (a rolled-back comment tells no one).
comment_added = Signal()
