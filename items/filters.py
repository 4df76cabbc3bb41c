import django_filters

from items.models import Kind, Priority, ReleaseItem, ReleaseStatus
from items.selectors import project_member_users
from projects.models import ReleaseProject


class BoardFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        field_name="change__kind", choices=Kind.choices, empty_label="Any kind"
    )
    priority = django_filters.ChoiceFilter(choices=Priority.choices, empty_label="Any priority")
    assignee = django_filters.ModelChoiceFilter(queryset=None, empty_label="Anyone")

    class Meta:
        model = ReleaseItem
        fields = ["kind", "priority", "assignee"]

    def __init__(self, *args, project: ReleaseProject, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.filters["assignee"].queryset = project_member_users(project=project)


class ItemFilter(BoardFilter):
    status = django_filters.ModelChoiceFilter(
        queryset=ReleaseStatus.objects.all(), empty_label="Any state", label="State"
    )
    q = django_filters.CharFilter(
        field_name="change__title", lookup_expr="icontains", label="Title"
    )

    class Meta:
        model = ReleaseItem
        fields = ["q", "status", "kind", "priority", "assignee"]
