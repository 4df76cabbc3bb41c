"""Read-only in the admin: comments are append-only, attachments are removed on the item page
(so the file leaves the storage and the journal says who and why)."""

from django.contrib import admin
from django.http import HttpRequest

from conversation.models import Attachment, Comment


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(_ReadOnly):
    list_display = ["item", "author", "created_at"]
    list_select_related = ["item__project", "item__change", "author"]
    exclude = ["body_html"]


@admin.register(Attachment)
class AttachmentAdmin(_ReadOnly):
    list_display = ["name", "item", "size", "content_type", "uploaded_by", "created_at"]
    list_select_related = ["item__project", "item__change", "uploaded_by"]
    exclude = ["file", "storage_name"]
