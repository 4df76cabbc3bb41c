from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from imports.uploads import MAX_ROWS, MAX_UPLOAD_BYTES
from releasemgmt.limits import grouped_lazy


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=format_lazy(
            _(
                "At most {size} KB and {rows} rows. The first row names the columns: key, title, "
                "kind, priority, state, assignee, external key, external URL, description."
            ),
            size=MAX_UPLOAD_BYTES // 1024,
            rows=grouped_lazy(MAX_ROWS),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ConfirmForm(forms.Form):
    """Carries the preview's signed token (imports.tokens) back, and nothing else."""

    token = forms.CharField(widget=forms.HiddenInput)
