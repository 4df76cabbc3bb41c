import django_filters
from django.utils.translation import gettext_lazy as _

from projects.models import Lifecycle, ReleaseProject


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    lifecycle = django_filters.ChoiceFilter(
        choices=Lifecycle.choices, empty_label=_("Any stage"), label=_("Stage")
    )

    class Meta:
        model = ReleaseProject
        fields = ["q", "lifecycle"]
