from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from items.models import ReleaseItem, ReleaseStatus
from projects.admin import ReadOnlyHistoryAdmin


@admin.register(ReleaseStatus)
class ReleaseStatusAdmin(ReadOnlyHistoryAdmin):
    list_display = ("id", "name", "position", "enabled", "item_count")
    list_display_links = ("id", "name")
    list_editable = ("position", "enabled")
    ordering = ("position", "id")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_item_count=Count("items"))

    @admin.display(description="Items", ordering="_item_count")
    def item_count(self, obj: ReleaseStatus) -> int:
        return obj._item_count

    def get_readonly_fields(self, request: HttpRequest, obj: ReleaseStatus | None = None):
        # The category id is fixed once created: imported data refers to it.
        return ("id",) if obj else ()


@admin.register(ReleaseItem)
class ReleaseItemAdmin(ReadOnlyHistoryAdmin):
    list_display = ("__str__", "project", "status", "kind", "priority", "assignee", "updated_at")
    list_filter = ("project", "status", "kind", "priority")
    list_select_related = ("project", "status", "assignee")
    search_fields = ("title", "external_key")
    readonly_fields = ("project", "status", "position", "version", "created_by")
    raw_id_fields = ("assignee",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # items are added in the portal, numbered by their project

    def save_model(self, request: HttpRequest, obj: ReleaseItem, form, change: bool) -> None:
        obj.version += 1  # open board pages must see this edit as a newer version
        super().save_model(request, obj, form, change)
