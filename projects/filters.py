import django_filters

from projects.models import Lifecycle, ReleaseProject


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    lifecycle = django_filters.ChoiceFilter(
        choices=Lifecycle.choices, empty_label="Any stage", label="Stage"
    )

    class Meta:
        model = ReleaseProject
        fields = ["q", "lifecycle"]
