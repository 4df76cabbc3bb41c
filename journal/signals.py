"""Fill the journal's extra columns as django-simple-history writes each row."""

from typing import Any

from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from journal.models import ChangeKind
from releasemgmt.client_ip import client_ip_address

_KIND_BY_HISTORY_TYPE = {"+": ChangeKind.CREATED, "~": ChangeKind.EDITED, "-": ChangeKind.REMOVED}


@receiver(pre_create_historical_record)
def journal_fill_extra_columns(
    sender: Any, instance: Any, history_instance: Any, **kwargs: Any
) -> None:
    # Services say what kind of change this is (a move, a reorder) for this one save.
    kind = instance.__dict__.pop("_journal_kind", None)
    history_instance.change_kind = kind or _KIND_BY_HISTORY_TYPE[history_instance.history_type]
    from_status_id = instance.__dict__.pop("_journal_from_status_id", None)
    emergency = instance.__dict__.pop("_journal_emergency", False)
    if hasattr(history_instance, "from_status_id"):
        history_instance.from_status_id = from_status_id
        history_instance.emergency = emergency
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None:
        history_instance.ip_address = client_ip_address(request)
