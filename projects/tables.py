import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from projects.models import ReleaseProject
from releasemgmt.pagination import TABLE_ATTRS


class ProjectTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"), linkify=True)
    name = tables.Column(verbose_name=_("Name"), linkify=True)
    lifecycle = tables.Column(verbose_name=_("Stage"))
    release_manager = tables.Column(
        verbose_name=_("Release manager"), order_by=("release_manager__username",)
    )
    planned_release_date = tables.DateColumn(verbose_name=_("Planned"), format="Y-m-d")
    actual_release_date = tables.DateColumn(verbose_name=_("Released"), format="Y-m-d")
    item_count = tables.Column(verbose_name=_("Items"))

    class Meta:
        model = ReleaseProject
        fields = ()
        sequence = (
            "code",
            "name",
            "lifecycle",
            "release_manager",
            "planned_release_date",
            "actual_release_date",
            "item_count",
        )
        order_by = ("code",)
        attrs = TABLE_ATTRS
