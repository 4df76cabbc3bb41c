from django import forms

from conversation.models import COMMENT_MAX
from conversation.services import REASON_MAX


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Markdown: **bold**, _italic_, `code`, lists, [links](https://…).",
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label="File", allow_empty_file=True)  # upload_check says why


class AttachmentRemoveForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=REASON_MAX, required=False)
