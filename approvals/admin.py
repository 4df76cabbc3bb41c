from django.contrib import admin
from django.http import HttpRequest

from approvals.models import Approval, EmergencyMove, ReleaseApproval


class EvidenceAdmin(admin.ModelAdmin):
    """Votes are evidence: readable in the admin, written only through the portal's checks."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Approval)
class ApprovalAdmin(EvidenceAdmin):
    list_display = ("item", "from_state", "to_state", "round", "approver", "vote", "withdrawn")
    list_select_related = ("item__project", "from_state", "to_state", "approver")
    list_filter = ("vote", "withdrawn")


@admin.register(ReleaseApproval)
class ReleaseApprovalAdmin(EvidenceAdmin):
    list_display = ("project", "approver", "vote", "withdrawn", "created_at")
    list_select_related = ("project", "approver")


@admin.register(EmergencyMove)
class EmergencyMoveAdmin(EvidenceAdmin):
    list_display = ("item", "from_state", "to_state", "moved_by", "created_at")
    list_select_related = ("item__project", "from_state", "to_state", "moved_by")
