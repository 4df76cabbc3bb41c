from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from planning.freezes import freeze_next, freezes_open_at
from planning.models import FreezeWindow
from projects.admin import ReadOnlyHistoryAdmin


@admin.register(FreezeWindow)
class FreezeWindowAdmin(ReadOnlyHistoryAdmin):
    """Administrators define freeze windows; every change is journaled (simple-history)."""

    list_display = ("name", "scope", "kind", "time_zone", "enabled", "state_now")
    list_filter = ("kind", "enabled")
    list_select_related = ("project",)
    search_fields = ("name", "project__code")
    raw_id_fields = ("project",)
    fieldsets = (
        (None, {"fields": ("name", "project", "kind", "time_zone", "reason", "enabled")}),
        ("One-off", {"fields": ("starts_at", "ends_at")}),
        ("Every week", {"fields": ("start_weekday", "end_weekday")}),
        ("Every year", {"fields": (("start_month", "start_day"), ("end_month", "end_day"))}),
        (
            "Times of day (every week, every year)",
            {
                "fields": ("start_time", "end_time"),
                "description": "Wall-clock times in the window's time zone; the freeze is in "
                "force from its start up to (not including) its end.",
            },
        ),
    )

    @admin.display(description="now")
    def state_now(self, window: FreezeWindow) -> str:
        if not window.enabled:
            return "disabled"
        now = timezone.now()
        current = freezes_open_at([window], at=now)
        if current:
            return f"in force until {current[0].local(current[0].end)}"
        upcoming = freeze_next([window], after=now)
        return f"next from {upcoming.local(upcoming.start)}" if upcoming else "no next occurrence"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("project")
