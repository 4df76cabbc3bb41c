"""Writes for finding things: a user's saved filters of the items list."""

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from items.engine import EngineError
from projects.access import Access
from workplace.models import SavedFilter

FILTER_NAME_TAKEN = _("You already have a saved filter named “{name}” in {code}.")
FILTER_NOT_FOUND = _("No such saved filter of yours in {code}.")
# Paging and exports are how a list is read, not what it shows: they are never saved.
NOT_SAVED = ("page", "_export")


class FilterNameTaken(EngineError):
    status_code = 409


def saved_filter_create(*, access: Access, name: str, query: str) -> SavedFilter:
    """Save the items list's `query` under `name` for the reader, in this release."""
    try:
        with transaction.atomic():  # a savepoint: a double submit loses to the unique index
            return SavedFilter.objects.create(
                user=access.user, project=access.project, name=name, query=query
            )
    except IntegrityError:
        message = FILTER_NAME_TAKEN.format(name=name, code=access.project.code)
        raise FilterNameTaken(message) from None


def saved_filter_delete(*, access: Access, filter_id: int) -> SavedFilter:
    """Delete one of the reader's own saved filters of this release; others' are not found."""
    saved = SavedFilter.objects.filter(
        pk=filter_id, user=access.user, project=access.project
    ).first()
    if saved is None:
        raise Http404(FILTER_NOT_FOUND.format(code=access.project.code))
    saved.delete()
    return saved
