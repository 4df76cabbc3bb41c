from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from projects.models import ReleaseMember, ReleaseProject

HISTORY_READ_ONLY = "The journal is read-only: past versions cannot be restored."


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History pages only show past versions; a hand-made POST cannot revert one either."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # SIMPLE_HISTORY_REVERT_DISABLED only hides the Revert button; a POST would still save.
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied(HISTORY_READ_ONLY)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReleaseMemberInline(admin.TabularInline):
    model = ReleaseMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(ReleaseProject)
class ReleaseProjectAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "lifecycle", "release_manager", "planned_release_date")
    list_filter = ("lifecycle",)
    search_fields = ("code", "name")
    list_select_related = ("release_manager",)
    inlines = [ReleaseMemberInline]

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()


@admin.register(ReleaseMember)
class ReleaseMemberAdmin(ReadOnlyHistoryAdmin):
    list_display = ("user", "project", "role", "added_at")
    list_filter = ("role", "project")
    list_select_related = ("user", "project")
    raw_id_fields = ("user",)
