import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from items.models import CONTENT_FIELDS, Change, ReleaseItem
from items.selectors import project_member_users
from projects.models import ReleaseProject
from releasemgmt.limits import COMMENT_MAX

INT_MAX = 2**31 - 1  # the database's integer range: larger numbers are bad input, not a 500
SHARED_CONTENT_HELP = gettext_lazy(
    "This change ships in several releases: its kind, title, description and external "
    "reference change in all of them."
)
SELECTION = re.compile(r"([0-9]{1,18}):([0-9]{1,9})")


ITEM_FORM_FIELDS = (
    "kind",
    "title",
    "priority",
    "assignee",
    "external_key",
    "external_url",
    "description",
)
# The fields' labels, translatable: the models name most of them only by their field names
# (a verbose_name there would be a migration).
ITEM_FORM_LABELS = {
    "kind": gettext_lazy("Kind"),
    "title": gettext_lazy("Title"),
    "priority": gettext_lazy("Priority"),
    "assignee": gettext_lazy("Assignee"),
    "external_key": gettext_lazy("External key"),
    "external_url": gettext_lazy("External URL"),
    "description": gettext_lazy("Description"),
}


class ItemForm(forms.Form):
    """An item's form: its change's content (shared by every release that includes it) and
    its priority and assignee in this release."""

    def __init__(
        self,
        data=None,
        *,
        project: ReleaseProject,
        instance: ReleaseItem | None = None,
        **kwargs,
    ) -> None:
        initial = {}
        if instance is not None:
            initial = {name: getattr(instance, name) for name in ITEM_FORM_FIELDS}
            initial["assignee"] = instance.assignee_id
        super().__init__(data, initial=initial, **kwargs)
        content = forms.fields_for_model(Change, fields=CONTENT_FIELDS)
        release = forms.fields_for_model(ReleaseItem, fields=["priority", "assignee"])
        fields = content | release
        self.fields.update({name: fields[name] for name in ITEM_FORM_FIELDS})
        for name, label in ITEM_FORM_LABELS.items():
            self.fields[name].label = label
        self.fields["description"].widget.attrs["rows"] = 6
        # Only members of the release can be assigned.
        self.fields["assignee"].queryset = project_member_users(project=project)
        # Django's "- Select an option -" lacks a German translation: say what empty means.
        self.fields["assignee"].empty_label = _("Unassigned")
        if instance is not None and instance.change.inclusions.count() > 1:
            self.fields["title"].help_text = SHARED_CONTENT_HELP


class IncludeForm(forms.Form):
    """Names an existing change to add to this release: its key in a release (PAY-12) or its
    change id (CH-7)."""

    change = forms.CharField(
        label=gettext_lazy("Existing change"),
        max_length=40,
        help_text=gettext_lazy("Its key, e.g. PAY-12, or CH-7."),
    )


class VersionedForm(forms.Form):
    """Carries the item version the page was rendered with, to detect stale requests."""

    version = forms.IntegerField(min_value=1, max_value=INT_MAX, widget=forms.HiddenInput)


class MoveForm(VersionedForm):
    direction = forms.ChoiceField(
        choices=[("next", gettext_lazy("next")), ("prev", gettext_lazy("previous"))],
        required=False,
    )
    to_status = forms.IntegerField(required=False, min_value=0, max_value=INT_MAX)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)
    emergency = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("direction") and data.get("to_status") is None:
            raise forms.ValidationError(_("Say where to move the item: a direction or a state."))
        if data.get("direction") and data.get("to_status") is not None:
            raise forms.ValidationError(_("Give either a direction or a state, not both."))
        return data


class ReorderForm(VersionedForm):
    shift = forms.ChoiceField(
        choices=[
            ("up", gettext_lazy("up")),
            ("down", gettext_lazy("down")),
            ("top", gettext_lazy("top")),
            ("bottom", gettext_lazy("bottom")),
        ]
    )
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)


class DeleteForm(VersionedForm):
    reason = forms.CharField(required=False, max_length=COMMENT_MAX)


class BulkMoveForm(forms.Form):
    """Each selected checkbox is "<item id>:<version>", so stale rows are refused too."""

    to_status = forms.IntegerField(
        min_value=0,
        max_value=INT_MAX,
        error_messages={
            "required": gettext_lazy("Choose the state to move the selected items to.")
        },
    )
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)

    def clean(self) -> dict:
        data = super().clean()
        versions: dict[int, int] = {}
        for value in self.data.getlist("selected"):
            match = SELECTION.fullmatch(value)
            if match is None:
                raise forms.ValidationError(
                    _("“{value}” is not a valid item selection.").format(value=value[:40])
                )
            versions[int(match[1])] = int(match[2])
        if not versions:
            raise forms.ValidationError(_("Select at least one item."))
        data["versions"] = versions
        return data
