from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

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
        # The model's field names, as today's labels, but in the reader's language.
        labels = {
            "name": _("Name"),
            "code": _("Code"),
            "lifecycle": _("Lifecycle"),
            "release_manager": _("Release manager"),
            "planned_release_date": _("Planned release date"),
            "actual_release_date": _("Actual release date"),
            "description": _("Description"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["release_manager"].queryset = get_user_model().objects.filter(is_active=True)
        # Django's "- Select an option -" is missing from its German catalogue.
        self.fields["release_manager"].empty_label = _("Choose a person")
        if self.instance.pk:
            # The code prefixes every item key: it never changes.
            del self.fields["code"]
        else:
            # New releases start in planning; leaving it needs management approval.
            del self.fields["lifecycle"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("lifecycle") in ("released", "closed") and not data.get("actual_release_date"):
            self.add_error("actual_release_date", _("A released project needs its release date."))
        return data


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, empty_label=_("Choose a person"))
    # No role is pre-selected: a hurried "Add member" must not hand out release-manager rights.
    role = forms.ChoiceField(
        choices=[("", _("Choose a role")), *Role.choices],
        error_messages={"required": _("Choose the new member's role.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
