"""The ticket pages' forms: record, edit, link the cause and the fix, upload a CSV file."""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from helpdesk.imports import CSV_MAX_BYTES
from helpdesk.models import Ticket, TicketKind

UNREADABLE = _("The page's version of the ticket is unreadable.")
KEY_HELP = _("An item key, e.g. PAY-12 (or a change id, e.g. CH-7).")


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _when(label: str, *, required: bool) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=_DateTimeInput())


class TicketFieldsForm(forms.Form):
    """A ticket's own fields (its links are linked on their own)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=TicketKind.choices, initial=TicketKind.INCIDENT
    )
    title = forms.CharField(label=_("Title"), max_length=Ticket._meta.get_field("title").max_length)
    opened_at = _when(_("Opened"), required=True)
    resolved_at = _when(_("Resolved"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        opened, resolved = data.get("opened_at"), data.get("resolved_at")
        if opened and resolved and resolved < opened:
            self.add_error(
                "resolved_at", gettext("A ticket cannot be resolved before it was opened.")
            )
        return data


class TicketForm(TicketFieldsForm):
    """A new ticket: its reference, fields and, optionally, its links."""

    reference = forms.CharField(
        label=_("Reference"),
        max_length=Ticket._meta.get_field("reference").max_length,
        help_text=_("The help desk's own id, e.g. INC-1042."),
    )
    caused_by_release = forms.CharField(
        label=_("Caused by release"),
        max_length=10,
        required=False,
        help_text=_("Its code, e.g. PAY."),
    )
    caused_by_item = forms.CharField(
        label=_("Caused by item"), max_length=20, required=False, help_text=KEY_HELP
    )
    fixes_item = forms.CharField(
        label=_("Fixed by item"), max_length=20, required=False, help_text=KEY_HELP
    )

    field_order = (
        "reference",
        "kind",
        "title",
        "opened_at",
        "resolved_at",
        "caused_by_release",
        "caused_by_item",
        "fixes_item",
    )


class CauseForm(forms.Form):
    caused_by_release = forms.CharField(
        label=_("Caused by release"), max_length=10, help_text=_("Its code, e.g. PAY.")
    )
    caused_by_item = forms.CharField(
        label=_("Caused by item"),
        max_length=20,
        required=False,
        help_text=_("Optional: the item of that release that caused it, e.g. PAY-12."),
    )


class FixForm(forms.Form):
    fixes_item = forms.CharField(label=_("Fixed by item"), max_length=20, help_text=KEY_HELP)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=format_lazy(
            _(
                "Columns: reference, kind, title, opened_at, resolved_at, caused_by_release, "
                "caused_by_item, fixes_item. At most {size} MB."
            ),
            size=CSV_MAX_BYTES // (1024 * 1024),
        ),
    )


class SeenForm(forms.Form):
    """The ticket's updated_at as the page showed it (every form on the ticket page carries
    it): a write on a ticket that changed since is refused with 409."""

    seen = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)

    def clean_seen(self) -> datetime | None:
        value = self.cleaned_data["seen"]
        if not value:
            return None
        try:
            seen = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(UNREADABLE) from None
        if timezone.is_naive(seen):
            raise forms.ValidationError(UNREADABLE)
        return seen
