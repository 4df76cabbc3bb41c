from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "configuration"
    verbose_name = "Configuration items and the dependencies between changes"

    def ready(self) -> None:
        # The move policy and the release gate know plug-ins, never this app.
        from configuration.gates import DEPENDENCIES, DependencyGate, DependencyReadinessCheck
        from items.gates import register_gate
        from releases.checks import register_readiness_check

        register_gate(DEPENDENCIES, DependencyGate)
        register_readiness_check(DEPENDENCIES, DependencyReadinessCheck)
