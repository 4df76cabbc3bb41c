from django import forms
from django.utils.translation import gettext_lazy as _

from conversation.models import COMMENT_MAX
from conversation.services import REASON_MAX


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Markdown: **bold**, _italic_, `code`, lists, [links](https://…)."),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)  # upload_check says why


class AttachmentRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)
