from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from items.models import ReleaseItem, ReleaseStatus, TransitionRule
from items.rules import (
    NEW_PROBLEMS,
    USES_DISABLED,
    Move,
    rule_change_problems,
    rule_direction,
    rule_set_problems,
)
from projects.admin import ReadOnlyHistoryAdmin
from projects.roles import Role


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
        if form.has_changed():
            obj.round += 1  # approvals and sign-offs were given for the content before this edit
        super().save_model(request, obj, form, change)


class TransitionRuleForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Roles that may make this move (release managers always may).",
    )
    approver_roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Roles whose approvals count.",
    )

    class Meta:
        model = TransitionRule
        fields = [
            "from_state",
            "to_state",
            "roles",
            "comment_required",
            "approvals_required",
            "approver_roles",
            "rejection_blocks",
            "requires_passing_tests",
            "requires_qa_signoff",
            "requires_acceptance",
            "segregation_of_duties",
        ]

    def clean(self) -> dict:
        data = super().clean()
        source, target = data.get("from_state"), data.get("to_state")
        if not source or not target:
            return data
        if source == target:
            raise ValidationError("A rule must lead to another state.")
        for state in (source, target):
            if not state.enabled:
                raise ValidationError(USES_DISABLED.format(source=source.name, target=target.name))
        if data.get("approvals_required") and not data.get("approver_roles"):
            self.add_error("approver_roles", "Say whose approvals count.")
        problems = rule_change_problems(
            states=list(ReleaseStatus.objects.order_by("position", "id")),
            remove=self.instance if self.instance.pk else None,
            add=Move(source.id, target.id),
        )
        if problems:
            raise ValidationError(NEW_PROBLEMS.format(problems=" ".join(problems)))
        return data


@admin.register(TransitionRule)
class TransitionRuleAdmin(ReadOnlyHistoryAdmin):
    form = TransitionRuleForm
    list_display = (
        "from_state",
        "to_state",
        "direction",
        "roles",
        "comment_required",
        "approvals_required",
        "requires_passing_tests",
        "requires_qa_signoff",
        "requires_acceptance",
        "segregation_of_duties",
    )
    list_select_related = ("from_state", "to_state")
    list_filter = ("direction", "from_state", "to_state")

    def save_model(self, request: HttpRequest, obj: TransitionRule, form, change: bool) -> None:
        obj.direction = rule_direction(from_state=obj.from_state, to_state=obj.to_state)
        super().save_model(request, obj, form, change)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # The admin says what is wrong with the rule set as it stands.
        states = list(ReleaseStatus.objects.order_by("position", "id"))
        moves = [Move(r.from_state_id, r.to_state_id) for r in TransitionRule.objects.all()]
        for problem in rule_set_problems(moves=moves, states=states) if moves else []:
            messages.warning(request, problem)
        return super().changelist_view(request, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        rule = self.get_object(request, object_id)
        if request.method == "POST" and rule is not None:
            states = list(ReleaseStatus.objects.order_by("position", "id"))
            problems = rule_change_problems(states=states, remove=rule)
            if problems:
                messages.error(request, NEW_PROBLEMS.format(problems=" ".join(problems)))
                return redirect(reverse("admin:items_transitionrule_change", args=[rule.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # deletions are checked one by one
        return actions
