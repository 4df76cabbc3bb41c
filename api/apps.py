"""The REST API under /api/v1/ and its access tokens."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from api.signals import journal_name_the_token

        pre_create_historical_record.connect(
            journal_name_the_token, dispatch_uid="api_journal_name_the_token"
        )
