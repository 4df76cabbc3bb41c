from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        (gettext_lazy("One-off"), {"fields": ("starts_at", "ends_at")}),
        (gettext_lazy("Every week"), {"fields": ("start_weekday", "end_weekday")}),
        (
            gettext_lazy("Every year"),
            {"fields": (("start_month", "start_day"), ("end_month", "end_day"))},
        ),
        (
            gettext_lazy("Times of day (every week, every year)"),
            {
                "fields": ("start_time", "end_time"),
                "description": gettext_lazy(
                    "Wall-clock times in the window's time zone; the freeze is in "
                    "force from its start up to (not including) its end."
                ),
            },
        ),
    )

    @admin.display(description=gettext_lazy("now"))
    def state_now(self, window: FreezeWindow) -> str:
        if not window.enabled:
            return _("disabled")
        now = timezone.now()
        current = freezes_open_at([window], at=now)
        if current:
            return _("in force until {until}").format(until=current[0].local(current[0].end))
        upcoming = freeze_next([window], after=now)
        if upcoming is None:
            return _("no next occurrence")
        return _("next from {start}").format(start=upcoming.local(upcoming.start))

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("project")
