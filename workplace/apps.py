from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplaceConfig(AppConfig):
    name = "workplace"
    verbose_name = _("Finding things: my work, search, saved filters")

    def ready(self) -> None:
        # The items list knows list panels, never this app (items.panels): saved filters plug in.
        from items.panels import register_list_panel
        from workplace.selectors import saved_filters_panel

        register_list_panel(
            name="saved_filters", template="workplace/_saved_filters.html", load=saved_filters_panel
        )
