from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.forms import BaseModelFormSet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from items.engine import item_content_edited
from items.models import Change, ReleaseItem, ReleaseStatus, TransitionRule
from items.rules import (
    NEW_PROBLEMS,
    STATE_EDIT_PROBLEMS,
    USES_DISABLED,
    Move,
    StatePlan,
    rule_change_problems,
    rule_direction,
    rule_set_problems,
    state_change_plan,
)
from items.services import change_content_booked, change_lock, change_shipped_reason
from projects.admin import ReadOnlyHistoryAdmin
from projects.models import READ_ONLY_STAGES, ReleaseProject
from projects.roles import Role


def quorum_cannot_be_met(*, required: int, projects: str) -> str:
    """The warning for a quorum some open projects cannot reach, in the reader's language."""
    return ngettext(
        "This rule needs {required} approval, more than these projects have members who may "
        "give one: {projects}. Add approvers there, or moves along it stay blocked.",
        "This rule needs {required} approvals, more than these projects have members who may "
        "give one: {projects}. Add approvers there, or moves along it stay blocked.",
        required,
    ).format(required=required, projects=projects)


def quorum_short_projects(*, rule: TransitionRule) -> list[tuple[str, int]]:
    """The open projects with fewer members in `rule`'s approver roles than its quorum, as
    (code, how many), one query."""
    if not rule.approvals_required:
        return []
    counted = Count("members__user", filter=Q(members__role__in=rule.approver_roles), distinct=True)
    projects = (
        ReleaseProject.objects.exclude(lifecycle__in=READ_ONLY_STAGES)
        .annotate(approvers=counted)
        .filter(approvers__lt=rule.approvals_required)
        .order_by("code")
    )
    return list(projects.values_list("code", "approvers"))


def _states_after(changes: dict[int, dict]) -> list[ReleaseStatus]:
    """Every state as it would be with `changes` (id: field values), new ones included."""
    states = {s.id: s for s in ReleaseStatus.objects.order_by("position", "id")}
    after = []
    for state_id in {*states, *changes}:
        current = states.get(state_id)
        copy = ReleaseStatus(
            id=state_id,
            name=current.name if current else "",
            position=current.position if current else 0,
            enabled=current.enabled if current else True,
        )
        for name, value in changes.get(state_id, {}).items():
            setattr(copy, name, value)
        after.append(copy)
    return after


def _check_states(changes: dict[int, dict]) -> StatePlan:
    """Refuse a state edit that would break the rule set, as rule edits are refused."""
    plan = state_change_plan(after=_states_after(changes))
    if plan.problems:
        raise ValidationError(_(STATE_EDIT_PROBLEMS).format(problems=" ".join(plan.problems)))
    return plan


class ReleaseStatusForm(forms.ModelForm):
    class Meta:
        model = ReleaseStatus
        fields = ["id", "name", "position", "enabled", "production", "wip_limit", "description"]

    def clean(self) -> dict:
        data = super().clean()
        state_id = self.instance.pk if self.instance.pk else data.get("id")
        if state_id is None or self.errors:
            return data
        wanted = {k: data[k] for k in ("name", "position", "enabled") if k in data}
        self.state_plan = _check_states({state_id: wanted})
        return data


class ReleaseStatusChangeListFormSet(BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        changes = {
            form.instance.pk: {k: form.cleaned_data[k] for k in ("position", "enabled")}
            for form in self.forms
            if form.has_changed()
        }
        if changes:
            plan = _check_states(changes)
            for form in self.forms:
                form.state_plan = plan


@admin.register(ReleaseStatus)
class ReleaseStatusAdmin(ReadOnlyHistoryAdmin):
    form = ReleaseStatusForm
    list_display = ("id", "name", "position", "enabled", "production", "wip_limit", "item_count")
    list_display_links = ("id", "name")
    list_editable = ("position", "enabled")
    ordering = ("position", "id")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_item_count=Count("items"))

    @admin.display(description=gettext_lazy("Items"), ordering="_item_count")
    def item_count(self, obj: ReleaseStatus) -> int:
        return obj._item_count

    def get_readonly_fields(self, request: HttpRequest, obj: ReleaseStatus | None = None):
        # The category id is fixed once created: imported data refers to it.
        return ("id",) if obj else ()

    def get_changelist_formset(self, request: HttpRequest, **kwargs):
        kwargs["formset"] = ReleaseStatusChangeListFormSet
        return super().get_changelist_formset(request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ReleaseStatus, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        plan: StatePlan | None = getattr(form, "state_plan", None)
        if plan is None or plan.applied:
            return
        plan.applied = True  # a list edit shares one plan between its rows
        for rule in plan.rules:
            rule._history_user = request.user
            rule._change_reason = f"Added with the release state “{obj.name}”"
            rule.save()
        for message in plan.messages:
            messages.info(request, message)


@admin.register(ReleaseItem)
class ReleaseItemAdmin(ReadOnlyHistoryAdmin):
    list_display = (
        "__str__",
        "project",
        "status",
        "kind_of_change",
        "priority_by_meaning",
        "assignee",
        "updated_at",
    )
    list_filter = ("project", "status", "change__kind", "priority")
    list_select_related = ("project", "status", "assignee", "change")
    search_fields = ("change__title", "change__external_key")
    readonly_fields = ("project", "change_link", "status", "position", "version", "created_by")

    @admin.display(description=gettext_lazy("kind"), ordering="change__kind")
    def kind_of_change(self, obj: ReleaseItem) -> str:
        return obj.get_kind_display()

    @admin.display(description=gettext_lazy("change"))
    def change_link(self, obj: ReleaseItem) -> str:
        url = reverse("admin:items_change_change", args=[obj.change_id])
        return format_html('<a href="{}">{}</a>', url, obj.change)

    raw_id_fields = ("assignee",)

    # Priority 1 is Critical: ascending goes from Low up, descending puts Critical first.
    @admin.display(description=gettext_lazy("priority"), ordering="-priority")
    def priority_by_meaning(self, obj: ReleaseItem) -> str:
        return obj.get_priority_display()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # items are added in the portal, numbered by their project

    def has_change_permission(self, request: HttpRequest, obj: ReleaseItem | None = None) -> bool:
        # A released, closed or cancelled release's items are read-only here too (reopen it).
        if obj is not None and obj.project.read_only_reason:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ReleaseItem | None = None) -> bool:
        if obj is not None and obj.project.read_only_reason:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ReleaseItem, form, change: bool) -> None:
        if form.has_changed():  # a new round, and reopened gates after sign-off
            item_content_edited(item=obj, changed=form.changed_data)
        else:
            obj.version += 1  # open board pages must see this edit as a newer version
        super().save_model(request, obj, form, change)


@admin.register(Change)
class ChangeAdmin(ReadOnlyHistoryAdmin):
    """A change's content, shared by every release that includes it: an edit here reopens the
    gates of each inclusion that had passed one, as an edit in the portal does."""

    list_display = ("__str__", "kind", "external_key", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title", "external_key")
    readonly_fields = ("created_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # changes are added to a release in the portal

    def has_delete_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        return False  # its journal and its releases' journals name it

    def has_change_permission(self, request: HttpRequest, obj: Change | None = None) -> bool:
        # What a released, closed or cancelled release shipped stays as it shipped.
        if obj is not None and any(
            i.project.read_only_reason for i in obj.inclusions.select_related("project")
        ):
            return False
        return super().has_change_permission(request, obj)

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Change, form, change: bool) -> None:
        _change, inclusions = change_lock(change_id=obj.pk)
        shipped = change_shipped_reason(change=obj, inclusions=inclusions)
        if shipped:  # released since the form was shown
            raise PermissionDenied(shipped)
        super().save_model(request, obj, form, change)
        if form.has_changed():
            change_content_booked(
                change=obj, changed=form.changed_data, user=request.user, inclusions=inclusions
            )


class TransitionRuleForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Roles that may make this move (release managers always may)."),
    )
    approver_roles = forms.MultipleChoiceField(
        # Viewers are read-only members: a vote is a change, so they never count.
        choices=[(role, label) for role, label in Role.choices if role != Role.VIEWER],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Roles whose approvals count (viewers are read-only and cannot approve)."
        ),
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
            raise ValidationError(_("A rule must lead to another state."))
        for state in (source, target):
            if not state.enabled:
                raise ValidationError(
                    _(USES_DISABLED).format(source=source.name, target=target.name)
                )
        if data.get("approvals_required") and not data.get("approver_roles"):
            self.add_error("approver_roles", _("Say whose approvals count."))
        problems = rule_change_problems(
            states=list(ReleaseStatus.objects.order_by("position", "id")),
            remove=self.instance if self.instance.pk else None,
            add=Move(source.id, target.id),
        )
        if problems:
            raise ValidationError(_(NEW_PROBLEMS).format(problems=" ".join(problems)))
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
        # Rules are installation-wide, approvers per project: say where a quorum is out of reach.
        short = quorum_short_projects(rule=obj)
        if short:
            projects = ", ".join(f"{code} ({n})" for code, n in short)
            messages.warning(
                request,
                quorum_cannot_be_met(required=obj.approvals_required, projects=projects),
            )

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
                messages.error(request, _(NEW_PROBLEMS).format(problems=" ".join(problems)))
                return redirect(reverse("admin:items_transitionrule_change", args=[rule.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # deletions are checked one by one
        return actions
