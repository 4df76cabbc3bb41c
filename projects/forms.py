from django import forms
from django.contrib.auth import get_user_model

from projects.models import ReleaseProject
from projects.roles import Role

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.ModelForm):
    class Meta:
        model = ReleaseProject
        fields = [
            "name",
            "code",
            "lifecycle",
            "release_manager",
            "planned_release_date",
            "actual_release_date",
            "description",
        ]
        widgets = {
            "planned_release_date": DATE_INPUT,
            "actual_release_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["release_manager"].queryset = get_user_model().objects.filter(is_active=True)
        if self.instance.pk:
            # The code prefixes every item key: it never changes.
            del self.fields["code"]
        else:
            # New releases start in planning; leaving it needs management approval.
            del self.fields["lifecycle"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("lifecycle") in ("released", "closed") and not data.get("actual_release_date"):
            self.add_error("actual_release_date", "A released project needs its release date.")
        return data


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, empty_label="Choose a person")
    # No role is pre-selected: a hurried "Add member" must not hand out release-manager rights.
    role = forms.ChoiceField(
        choices=[("", "Choose a role"), *Role.choices],
        error_messages={"required": "Choose the new member's role."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
