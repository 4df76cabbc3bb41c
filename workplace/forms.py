from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workplace.models import NAME_MAX, QUERY_MAX
from workplace.selectors import SEARCH_MAX
from workplace.services import NOT_SAVED


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"), max_length=SEARCH_MAX, required=False, strip=True
    )


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX, strip=True)
    query = forms.CharField(max_length=QUERY_MAX, required=False, widget=forms.HiddenInput)

    def clean_query(self) -> str:
        if "\x00" in self.cleaned_data["query"]:
            raise forms.ValidationError(_("The filter holds a character that cannot be saved."))
        params = QueryDict(self.cleaned_data["query"], mutable=True)
        for name in NOT_SAVED:
            params.pop(name, None)
        return params.urlencode()
