from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("QA: test cases, runs, sign-off, acceptance")

    def ready(self) -> None:
        # The move policy knows gates, never this app (items.gates).
        from items.gates import register_gate
        from qa.gates import QA, QAGate

        register_gate(QA, QAGate)
