from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.models import ReleaseMember, ReleaseProject


class ReleaseMemberInline(admin.TabularInline):
    model = ReleaseMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(ReleaseProject)
class ReleaseProjectAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "lifecycle", "release_manager", "planned_release_date")
    list_filter = ("lifecycle",)
    search_fields = ("code", "name")
    list_select_related = ("release_manager",)
    inlines = [ReleaseMemberInline]

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()


@admin.register(ReleaseMember)
class ReleaseMemberAdmin(SimpleHistoryAdmin):
    list_display = ("user", "project", "role", "added_at")
    list_filter = ("role", "project")
    list_select_related = ("user", "project")
    raw_id_fields = ("user",)
