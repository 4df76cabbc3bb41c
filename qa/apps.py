from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = "QA: test cases, runs, sign-off, acceptance"

    def ready(self) -> None:
        # The move policy knows gates, never this app (items.gates).
        from items.gates import register_gate
        from qa.gates import QA, QAGate

        register_gate(QA, QAGate)
