"""What projects tells the apps that react to a release project's life, without knowing them.

`stage_changed` is sent by `projects.services.project_save`, the one place a project's stage
changes (the portal, the API, the admin and reopening all go through it), inside its
transaction, right after the project's row and its journal row are written. Receivers connect
from their AppConfig.ready(): approvals, planning, releases and notifications import projects,
never the other way round.
"""

from django.dispatch import Signal

# sender=ReleaseProject; project (saved, row locked), from_stage, to_stage (Lifecycle values,
# never equal), by (the user, or None for the system), at (the journal row's date).
stage_changed = Signal()
