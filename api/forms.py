from django import forms

from api.models import Scope
from api.services import MAX_DAYS

DEFAULT_DAYS = 90


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What it is for, e.g. “deploy pipeline” or “my laptop”."
    )
    scope = forms.ChoiceField(
        choices=Scope.choices,
        initial=Scope.READ,
        help_text="Read only, or read and write (moves, edits, votes, test runs).",
    )
    days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=f"1 to {MAX_DAYS} days.",
    )
