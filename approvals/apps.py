from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals and emergency moves")

    def ready(self) -> None:
        # The move policy and the engine know gates and hooks, never this app (items.gates).
        from approvals.gates import APPROVALS, ApprovalsGate
        from approvals.services import (
            emergency_record_on_move,
            release_stage_blockers,
            release_votes_void_on_replanning,
        )
        from items.gates import emergency_move_made, register_gate
        from projects.signals import stage_changed
        from projects.stage_gates import register_stage_gate

        register_gate(APPROVALS, ApprovalsGate)
        # 403: leaving planning unapproved is a refusal of authority, not of input.
        register_stage_gate(APPROVALS, release_stage_blockers, status_code=403)
        emergency_move_made.connect(emergency_record_on_move, dispatch_uid="approvals.emergency")
        stage_changed.connect(
            release_votes_void_on_replanning, dispatch_uid="approvals.release_replanning"
        )
