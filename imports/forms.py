from django import forms

from imports.uploads import MAX_ROWS, MAX_UPLOAD_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text=(
            f"At most {MAX_UPLOAD_BYTES // 1024} KB and {MAX_ROWS:,} rows. The first row names "
            "the columns: key, title, kind, priority, state, assignee, external key, "
            "external URL, description."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ConfirmForm(forms.Form):
    """Carries the preview's signed token (imports.tokens) back, and nothing else."""

    token = forms.CharField(widget=forms.HiddenInput)
