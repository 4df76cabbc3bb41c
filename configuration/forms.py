from django import forms


class DependencyAddForm(forms.Form):
    key = forms.CharField(
        label="Depends on (item key)", max_length=25, help_text="An item's key, e.g. CRM-4."
    )


class CIAddForm(forms.Form):
    configuration_item = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
