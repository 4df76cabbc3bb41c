from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from releasemgmt.limits import COMMENT_MAX, at_most


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=COMMENT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=format_lazy(
            "{} {}", _("Why it must change again; the journal keeps it."), at_most(COMMENT_MAX)
        ),
    )
