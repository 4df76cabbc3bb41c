from django.contrib import admin
from django.http import HttpRequest

from helpdesk.models import Ticket
from projects.admin import ReadOnlyHistoryAdmin


@admin.register(Ticket)
class TicketAdmin(ReadOnlyHistoryAdmin):
    """Read-mostly: tickets are recorded, linked and imported in the portal (helpdesk.services
    checks the links and writes their journal reasons); the admin lists them and their
    journal, and never deletes one (the KPIs and the releases' journals count it)."""

    list_display = ("reference", "kind", "title", "opened_at", "resolved_at", "caused_by_release")
    list_filter = ("kind",)
    list_select_related = ("caused_by_release",)
    search_fields = ("reference", "title")
    date_hierarchy = "opened_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False
