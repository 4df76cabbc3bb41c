from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = _("Journal")

    def ready(self) -> None:
        from journal import signals  # noqa: F401  (connects the history receivers)
        from journal.history_manager import history_descriptors_build_once

        history_descriptors_build_once()
