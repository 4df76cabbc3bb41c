"""An item's journal row (and a vote's, a test record's) names the token it was written
through: the API appends it to the row's reason."""

from typing import Any

from simple_history.models import HistoricalRecords

from api.models import ApiToken
from approvals.models import Approval
from items.models import Change, ReleaseItem
from qa.models import TestCase, TestRun

VIA_TOKEN = "via API token {label}"  # noqa: S105  (a message)
# What the API writes itself; other rows written on the side (a schedule's milestone reached,
# recorded by the system) keep their own reason.
MARKED = (ReleaseItem, Change, Approval, TestCase, TestRun)


def journal_name_the_token(
    sender: Any, instance: Any, history_instance: Any, **kwargs: Any
) -> None:
    """pre_create_historical_record receiver (ApiConfig.ready())."""
    if not isinstance(instance, MARKED):
        return
    request = getattr(HistoricalRecords.context, "request", None)
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        return
    note = VIA_TOKEN.format(label=token.label)
    reason = history_instance.history_change_reason or ""
    history_instance.history_change_reason = f"{reason} ({note})" if reason else note
