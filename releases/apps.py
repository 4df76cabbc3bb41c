from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = _("The release level: gates, readiness, reopening")

    def ready(self) -> None:
        # projects knows stage gates, never this app (projects.stage_gates).
        from projects.stage_gates import register_stage_gate
        from releases.checks import GatesCheck, ProductionCheck, register_readiness_check
        from releases.selectors import READINESS, release_stage_blockers

        register_readiness_check("production", ProductionCheck)
        register_readiness_check("gates", GatesCheck)
        register_stage_gate(READINESS, release_stage_blockers, status_code=400)
        self._publish_notes_on_go_live()

    def _publish_notes_on_go_live(self) -> None:
        # projects says when a stage changes, on every path; it never imports this app.
        from projects.signals import stage_changed
        from releases.notes_services import publish_on_go_live

        stage_changed.connect(publish_on_go_live, dispatch_uid="releases_publish_notes_on_go_live")
