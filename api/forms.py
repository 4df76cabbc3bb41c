from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from api.models import Scope
from api.services import MAX_DAYS

DEFAULT_DAYS = 90


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What it is for, e.g. “deploy pipeline” or “my laptop”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=Scope.choices,
        initial=Scope.READ,
        help_text=_("Read only, or read and write (moves, edits, votes, test runs)."),
    )
    days = forms.IntegerField(
        label=_("Expires in (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=format_lazy(_("1 to {days} days."), days=MAX_DAYS),
    )
