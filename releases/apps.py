from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = "The release level: gates, readiness, reopening"

    def ready(self) -> None:
        # projects knows stage gates, never this app (projects.stage_gates).
        from projects.stage_gates import register_stage_gate
        from releases.checks import GatesCheck, ProductionCheck, register_readiness_check
        from releases.selectors import READINESS, release_stage_blockers

        register_readiness_check("production", ProductionCheck)
        register_readiness_check("gates", GatesCheck)
        register_stage_gate(READINESS, release_stage_blockers, status_code=400)
