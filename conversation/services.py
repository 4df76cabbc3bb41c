"""Writes: comments (append-only), attachments added and removed. Each is journaled with who,
when, from where; each checks the release is still open under the engine's locks."""

import hashlib
import uuid

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from conversation.markdown import markdown_render
from conversation.models import COMMENT_MAX, Attachment, Comment
from conversation.rules import conversation_require_write
from conversation.signals import comment_added
from conversation.uploads import upload_check
from items.engine import EngineError, item_lock
from projects.access import Access
from projects.roles import MANAGE

COMMENT_EMPTY = _("A comment needs some text.")
COMMENT_TOO_LONG = _("A comment may be at most {limit} characters.")
ATTACHMENT_NOT_FOUND = _("There is no such attachment on {key}.")
NOT_YOURS = _("Only who attached a file, or a release manager, may remove it.")
REASON_MAX = 2_000


class ConversationError(EngineError):
    """A refused comment or attachment: nothing was written."""


class AttachmentNotFound(ConversationError):
    status_code = 404


def comment_add(*, access: Access, number: int, body: str) -> Comment:
    """Add a comment to item `number`; its Markdown is rendered now, once. The item's assignee
    and watchers are mailed once it commits (notifications.receivers)."""
    conversation_require_write(access=access)
    body = body.strip()
    if not body:
        raise ConversationError(str(COMMENT_EMPTY))
    if len(body) > COMMENT_MAX:
        raise ConversationError(
            COMMENT_TOO_LONG.format(limit=number_format(COMMENT_MAX, force_grouping=True))
        )
    with transaction.atomic():
        # The item's row lock: it cannot be removed, nor its release closed, under the comment.
        item = item_lock(access=access, number=number)
        comment = Comment(
            item=item, author=access.user, body=body, body_html=markdown_render(text=body)
        )
        comment._history_user = access.user
        comment.save()
        comment_added.send(sender=Comment, access=access, comment=comment)
    return comment


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attachment_add(*, access: Access, number: int, upload: UploadedFile) -> Attachment:
    """Attach `upload` to item `number` (conversation.uploads decides what is accepted).
    The file is stored first, then the row is written; if the row is not, the file goes."""
    conversation_require_write(access=access)
    checked = upload_check(upload=upload)
    stored: Attachment | None = None
    try:
        with transaction.atomic():
            item = item_lock(access=access, number=number)
            stored = Attachment(
                item=item,
                storage_name=f"{uuid.uuid4().hex}.{checked.extension}",
                name=checked.name,
                size=upload.size,
                content_type=checked.content_type,
                sha256=_sha256(upload),
                uploaded_by=access.user,
            )
            stored.file.save(stored.storage_name, upload, save=False)
            stored._history_user = access.user
            stored.save()
    except BaseException:
        if stored is not None and stored.file.name:
            stored.file.storage.delete(stored.file.name)
        raise
    return stored


def attachment_remove(*, access: Access, number: int, attachment_id: int, reason: str) -> str:
    """Remove an attachment (its uploader or a release manager): the file leaves the storage
    once the removal commits (conversation.receivers); the journal keeps its name, size,
    type, SHA-256, who attached it and who removed it, and why. Returns its name."""
    conversation_require_write(access=access)
    with transaction.atomic():
        item = item_lock(access=access, number=number)
        attachment = (
            Attachment.objects.select_for_update().filter(pk=attachment_id, item=item).first()
        )
        if attachment is None:
            raise AttachmentNotFound(ATTACHMENT_NOT_FOUND.format(key=item.key))
        if attachment.uploaded_by_id != access.user.pk and not access.can(MANAGE):
            raise PermissionDenied(str(NOT_YOURS))
        attachment._history_user = access.user
        attachment._change_reason = reason.strip()[:REASON_MAX]
        attachment.delete()
    return attachment.name
