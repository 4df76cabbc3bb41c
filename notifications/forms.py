from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from notifications.models import Event, addresses_parse


class PreferenceForm(forms.Form):
    enabled = forms.MultipleChoiceField(
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Mail me when"),
    )


class WatchForm(forms.Form):
    action = forms.ChoiceField(choices=[("watch", _("Watch")), ("unwatch", _("Unwatch"))])


class MailingForm(forms.Form):
    distribution_list = forms.CharField(
        label=_("Distribution list"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Addresses told when the release goes live, separated by commas."),
    )

    def clean_distribution_list(self) -> str:
        value = self.cleaned_data["distribution_list"]
        try:
            return ", ".join(addresses_parse(value))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
