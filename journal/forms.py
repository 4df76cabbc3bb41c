from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from journal.models import ChangeKind
from journal.selectors import SOURCES, BadCursor, JournalQuery, parse_cursor

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class JournalFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Anyone"), label=_("User")
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any change")), *ChangeKind.choices], required=False, label=_("Change")
    )
    source = forms.ChoiceField(required=False, label=_("About"))
    since = forms.DateField(required=False, widget=DATE_INPUT, label=_("From"))
    until = forms.DateField(required=False, widget=DATE_INPUT, label=_("To"))
    before = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, users: QuerySet, sources: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["source"].choices = [("", _("Anything"))] + [
            (name, SOURCES[name].label) for name in sources
        ]
        if len(sources) < 2:
            del self.fields["source"]

    def clean_before(self) -> tuple | None:
        value = self.cleaned_data.get("before")
        if not value:
            return None
        try:
            return parse_cursor(value)
        except BadCursor as error:
            raise forms.ValidationError(str(error)) from None

    def journal_query(self) -> JournalQuery:
        data = self.cleaned_data
        user = data.get("user")
        return JournalQuery(
            user_id=user.pk if user else None,
            kind=data.get("kind") or None,
            source=data.get("source") or None,
            since=data.get("since"),
            until=data.get("until"),
            before=data.get("before"),
        )
