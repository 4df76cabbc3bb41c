import django_tables2 as tables

from projects.models import ReleaseProject
from releasemgmt.pagination import TABLE_ATTRS


class ProjectTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    lifecycle = tables.Column(verbose_name="Stage")
    release_manager = tables.Column(order_by=("release_manager__username",))
    planned_release_date = tables.DateColumn(verbose_name="Planned", format="Y-m-d")
    actual_release_date = tables.DateColumn(verbose_name="Released", format="Y-m-d")
    item_count = tables.Column(verbose_name="Items")

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
