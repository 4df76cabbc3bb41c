from django import forms
from django.utils.translation import gettext_lazy as _


class DependencyAddForm(forms.Form):
    key = forms.CharField(
        label=_("Depends on (item key)"),
        max_length=25,
        help_text=_("An item's key, e.g. CRM-4."),
    )


class CIAddForm(forms.Form):
    configuration_item = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
