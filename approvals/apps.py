from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Approvals and emergency moves"

    def ready(self) -> None:
        # The move policy and the engine know gates and hooks, never this app (items.gates).
        from approvals.gates import APPROVALS, ApprovalsGate
        from approvals.services import emergency_record_on_move
        from items.gates import emergency_move_made, register_gate

        register_gate(APPROVALS, ApprovalsGate)
        emergency_move_made.connect(emergency_record_on_move, dispatch_uid="approvals.emergency")
