from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from items.models import Kind, Priority, ReleaseItem, ReleaseStatus
from items.selectors import project_member_users
from projects.models import ReleaseProject


class BoardFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        field_name="change__kind",
        choices=Kind.choices,
        empty_label=_("Any kind"),
        label=_("Change kind"),
    )
    priority = django_filters.ChoiceFilter(
        choices=Priority.choices, empty_label=_("Any priority"), label=_("Priority")
    )
    assignee = django_filters.ModelChoiceFilter(
        queryset=None, empty_label=_("Anyone"), label=_("Assignee")
    )

    class Meta:
        model = ReleaseItem
        fields = ["kind", "priority", "assignee"]

    def __init__(self, *args, project: ReleaseProject, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["assignee"].queryset = project_member_users(project=project)


class ItemFilter(BoardFilter):
    status = django_filters.ModelChoiceFilter(
        queryset=ReleaseStatus.objects.all(), empty_label=_("Any state"), label=_("State")
    )
    q = django_filters.CharFilter(
        field_name="change__title", lookup_expr="icontains", label=_("Title")
    )

    class Meta:
        model = ReleaseItem
        fields = ["q", "status", "kind", "priority", "assignee"]


# "Hide done after N days": the last state's cards untouched for longer leave the board.
DONE_DAYS_DEFAULT = 30
# The default first: the select shows what the board does when the user has chosen nothing.
DONE_CHOICES = [
    ("30", pgettext_lazy("hide done after", "30 days")),
    ("7", pgettext_lazy("hide done after", "7 days")),
    ("90", pgettext_lazy("hide done after", "90 days")),
    ("never", pgettext_lazy("hide done after", "never")),
]


class BoardQuickFilter(BoardFilter):
    """The board's quick filter: mine, text and kind (Jira's), and when done cards hide."""

    q = django_filters.CharFilter(method="filter_text", label=_("Text"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Only mine"), widget=forms.CheckboxInput
    )
    done = django_filters.ChoiceFilter(
        method="filter_done",
        choices=DONE_CHOICES,
        empty_label=None,
        label=_("Hide done after"),
    )

    class Meta:
        model = ReleaseItem
        fields = ["q", "mine", "kind", "priority", "assignee", "done"]

    def __init__(self, *args, project: ReleaseProject, user, done_state_id: int | None, **kwargs):
        super().__init__(*args, project=project, **kwargs)
        self.user = user
        self.done_state_id = done_state_id

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        found = Q(change__title__icontains=text)
        number = text.rpartition("-")[2]
        if number.isdigit() and len(number) < 10:  # "PAY-12" or "12": the key too
            found |= Q(number=int(number))
        return queryset.filter(found)

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(assignee=self.user) if value else queryset

    def filter_done(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in filter_queryset, with its default when absent

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        value = self.form.cleaned_data.get("done") or str(DONE_DAYS_DEFAULT)
        if value == "never" or self.done_state_id is None:
            return queryset
        cutoff = timezone.now() - timedelta(days=int(value))
        return queryset.exclude(status_id=self.done_state_id, updated_at__lt=cutoff)
