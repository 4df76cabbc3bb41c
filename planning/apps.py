from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Release planning: schedules, calendar and freeze windows")

    def ready(self) -> None:
        # The move policy knows gates, never this app (items.gates): freezes plug in here.
        from items.gates import register_gate
        from planning.gates import FREEZE, FreezeGate

        register_gate(FREEZE, FreezeGate)
        self._record_actual_dates()

    def _record_actual_dates(self) -> None:
        # A schedule's actual dates come from the stage changes and journal rows the others
        # make anyway.
        from django.db.models.signals import post_save
        from simple_history.signals import post_create_historical_record

        from items.models import ReleaseItem
        from planning import schedule_actuals
        from projects.signals import stage_changed
        from qa.models import TestRun

        stage_changed.connect(
            schedule_actuals.record_project_stage, dispatch_uid="planning_actuals_project_stage"
        )
        post_create_historical_record.connect(
            schedule_actuals.record_item_move,
            sender=ReleaseItem.history.model,
            dispatch_uid="planning_actuals_item_move",
        )
        post_save.connect(
            schedule_actuals.record_test_run,
            sender=TestRun,
            dispatch_uid="planning_actuals_test_run",
        )
