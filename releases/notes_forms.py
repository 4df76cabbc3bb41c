"""The release manager's form for a release's notes; item placements come as
`placement-<item id>` fields, one per item listed on the page."""

from django import forms
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from releasemgmt.limits import at_most
from releases.models import NOTES_TEXT_MAX, Placement
from releases.notes_services import UNKNOWN_PLACEMENT

PLACEMENT_PREFIX = "placement-"
BAD_PLACEMENT_FIELD = gettext_noop("“{name}” is not an item's placement field.")
PLACEMENT_CHOICES = [("", _("By its kind")), *Placement.choices]


class NotesForm(forms.Form):
    introduction = forms.CharField(
        required=False,
        max_length=NOTES_TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Introduction"),
        help_text=format_lazy(
            "{} {}",
            _("Opens the notes; plain text, blank lines separate paragraphs."),
            at_most(NOTES_TEXT_MAX),
        ),
    )
    known_issues = forms.CharField(
        label=_("Known issues"),
        required=False,
        max_length=NOTES_TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            "{} {}",
            _("Listed under “Known issues” with the items placed there."),
            at_most(NOTES_TEXT_MAX),
        ),
    )
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict | None = None, **kwargs: object) -> None:
        super().__init__(data, **kwargs)
        self.placements: dict[int, str] = {}

    def clean(self) -> dict:
        cleaned = super().clean()
        valid = {value for value, _label in PLACEMENT_CHOICES}
        for name, values in self.data.lists():
            if not name.startswith(PLACEMENT_PREFIX):
                continue
            suffix = name.removeprefix(PLACEMENT_PREFIX)
            if not suffix.isascii() or not suffix.isdigit() or len(suffix) > 18:
                raise forms.ValidationError(gettext(BAD_PLACEMENT_FIELD).format(name=name[:40]))
            value = values[-1]
            if value not in valid:
                raise forms.ValidationError(gettext(UNKNOWN_PLACEMENT).format(placement=value[:40]))
            self.placements[int(suffix)] = value
        return cleaned
