from django import forms

from releasemgmt.limits import COMMENT_MAX, at_most


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=COMMENT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"Why it must change again; the journal keeps it. {at_most(COMMENT_MAX)}",
    )
