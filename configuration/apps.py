from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigurationConfig(AppConfig):
    name = "configuration"
    verbose_name = _("Configuration items and the dependencies between changes")

    def ready(self) -> None:
        # The move policy and the release gate know plug-ins, never this app.
        from configuration.gates import DEPENDENCIES, DependencyGate, DependencyReadinessCheck
        from configuration.selectors import dependency_panel
        from items.gates import register_gate
        from items.panels import register_item_panel
        from releases.checks import register_readiness_check

        register_gate(DEPENDENCIES, DependencyGate)
        register_readiness_check(DEPENDENCIES, DependencyReadinessCheck)
        register_item_panel(
            name="dependencies",
            template="configuration/_item_panel.html",
            load=lambda access, item: dependency_panel(access=access, item=item),
            order=10,
        )
