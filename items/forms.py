import re

from django import forms

from items.models import ReleaseItem
from items.selectors import project_member_users
from projects.models import ReleaseProject
from releasemgmt.limits import COMMENT_MAX

INT_MAX = 2**31 - 1  # the database's integer range: larger numbers are bad input, not a 500
SELECTION = re.compile(r"([0-9]{1,18}):([0-9]{1,9})")


class ItemForm(forms.ModelForm):
    class Meta:
        model = ReleaseItem
        fields = [
            "kind",
            "title",
            "priority",
            "assignee",
            "external_key",
            "external_url",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, project: ReleaseProject, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only members of the release can be assigned.
        self.fields["assignee"].queryset = project_member_users(project=project)


class VersionedForm(forms.Form):
    """Carries the item version the page was rendered with, to detect stale requests."""

    version = forms.IntegerField(min_value=1, max_value=INT_MAX, widget=forms.HiddenInput)


class MoveForm(VersionedForm):
    direction = forms.ChoiceField(choices=[("next", "next"), ("prev", "previous")], required=False)
    to_status = forms.IntegerField(required=False, min_value=0, max_value=INT_MAX)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)
    emergency = forms.BooleanField(required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("direction") and data.get("to_status") is None:
            raise forms.ValidationError("Say where to move the item: a direction or a state.")
        if data.get("direction") and data.get("to_status") is not None:
            raise forms.ValidationError("Give either a direction or a state, not both.")
        return data


class ReorderForm(VersionedForm):
    shift = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)


class DeleteForm(VersionedForm):
    reason = forms.CharField(required=False, max_length=COMMENT_MAX)


class BulkMoveForm(forms.Form):
    """Each selected checkbox is "<item id>:<version>", so stale rows are refused too."""

    to_status = forms.IntegerField(min_value=0, max_value=INT_MAX)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)

    def clean(self) -> dict:
        data = super().clean()
        versions: dict[int, int] = {}
        for value in self.data.getlist("selected"):
            match = SELECTION.fullmatch(value)
            if match is None:
                raise forms.ValidationError(f"“{value[:40]}” is not a valid item selection.")
            versions[int(match[1])] = int(match[2])
        if not versions:
            raise forms.ValidationError("Select at least one item.")
        data["versions"] = versions
        return data
