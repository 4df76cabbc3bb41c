from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from projects.models import Lifecycle, ReleaseMember, ReleaseProject
from projects.services import START_IN_PLANNING, project_save, project_stage_refusal

HISTORY_READ_ONLY = _("The journal is read-only: past versions cannot be restored.")


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


class ReleaseProjectAdminForm(forms.ModelForm):
    """A stage change in the admin asks what the portal's does: reopening needs a reason
    (the portal's Reopen button), leaving planning an approval, releasing ready items."""

    def clean(self) -> dict:
        data = super().clean()
        to_stage = data.get("lifecycle")
        if to_stage is None or "lifecycle" not in self.changed_data:
            return data
        if self.instance.pk is None:
            if to_stage != Lifecycle.PLANNING:
                self.add_error("lifecycle", START_IN_PLANNING.format(code=data.get("code", "")))
            return data
        # The stage as stored (the instance takes the form's values after clean()).
        before = ReleaseProject.objects.get(pk=self.instance.pk)
        refusal = project_stage_refusal(project=before, to_stage=to_stage)
        if refusal is not None:
            raise ValidationError({"lifecycle": refusal.message})
        return data


@admin.register(ReleaseProject)
class ReleaseProjectAdmin(ReadOnlyHistoryAdmin):
    form = ReleaseProjectAdminForm
    list_display = ("code", "name", "lifecycle", "release_manager", "planned_release_date")
    list_filter = ("lifecycle",)
    search_fields = ("code", "name")
    list_select_related = ("release_manager",)
    inlines = [ReleaseMemberInline]

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:  # a new project starts in planning (the form): no stage changes
            return super().save_model(request, obj, form, change)
        # Through the portal's one save, so a stage change here gets the same reactions; the
        # stored stage under a lock (the admin's view is one transaction).
        rows = ReleaseProject.objects.select_for_update().filter(pk=obj.pk)
        from_stage = rows.values_list("lifecycle", flat=True).get()
        project_save(project=obj, from_stage=from_stage, by=request.user)


@admin.register(ReleaseMember)
class ReleaseMemberAdmin(ReadOnlyHistoryAdmin):
    list_display = ("user", "project", "role", "added_at")
    list_filter = ("role", "project")
    list_select_related = ("user", "project")
    raw_id_fields = ("user",)
