from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "Journal"

    def ready(self) -> None:
        from journal import signals  # noqa: F401  (connects the history receivers)
        from journal.history_manager import history_descriptors_build_once

        history_descriptors_build_once()
