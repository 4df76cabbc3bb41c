from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasurementConfig(AppConfig):
    name = "measurement"
    verbose_name = _("Measuring the release process: the release overview, KPIs and flow")

    def ready(self) -> None:
        # The items' journal feeds the stays table; items never import this app.
        from simple_history.signals import post_create_historical_record

        from items.models import ReleaseItem
        from measurement.services import stays_on_journal_row

        post_create_historical_record.connect(
            stays_on_journal_row,
            sender=ReleaseItem.history.model,
            dispatch_uid="measurement_stays_item_journal",
        )
