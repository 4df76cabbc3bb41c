import django_tables2 as tables
from django.db.models import QuerySet
from django.utils.html import format_html

from items.models import ReleaseItem
from releasemgmt.pagination import TABLE_ATTRS


class SelectColumn(tables.Column):
    """A labelled checkbox whose value carries the item's version (stale rows are refused)."""

    def __init__(self) -> None:
        super().__init__(
            accessor="pk", verbose_name="Select", orderable=False, exclude_from_export=True
        )

    def render(self, record: ReleaseItem) -> str:
        return format_html(
            '<input type="checkbox" name="selected" value="{}:{}" form="bulk-move" '
            'aria-label="Select {}">',
            record.pk,
            record.version,
            record.key,
        )


class ItemTable(tables.Table):
    select = SelectColumn()
    key = tables.Column(
        accessor="number",
        verbose_name="Key",
        order_by=("number",),
        linkify=lambda record: record.get_absolute_url(),
    )
    title = tables.Column(accessor="change__title", order_by=("change__title", "number"))
    kind = tables.Column(
        accessor="change__kind", order_by=("change__kind", "number"), verbose_name="Kind"
    )
    priority = tables.Column()
    status = tables.Column(verbose_name="State", order_by=("status__position", "position"))
    assignee = tables.Column(order_by=("assignee__username",), default="—")
    external_key = tables.Column(
        accessor="change__external_key", verbose_name="External", default=""
    )
    updated_at = tables.DateTimeColumn(verbose_name="Updated", format="Y-m-d H:i")

    class Meta:
        model = ReleaseItem
        fields = ()
        sequence = (
            "select",
            "key",
            "title",
            "kind",
            "priority",
            "status",
            "assignee",
            "external_key",
            "updated_at",
        )
        order_by = ("status", "number")
        attrs = TABLE_ATTRS

    def order_priority(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        # Priority 1 is Critical: by meaning, "descending" (most urgent first) is the smallest
        # number first. Ties by key, ascending either way.
        direction = "priority" if is_descending else "-priority"
        return queryset.order_by(direction, "number"), True

    def render_kind(self, record: ReleaseItem) -> str:
        return record.get_kind_display()

    def value_kind(self, record: ReleaseItem) -> str:
        return record.get_kind_display()

    def render_assignee(self, value) -> str:
        return value.get_full_name() or value.get_username()

    def render_key(self, record: ReleaseItem) -> str:
        return record.key

    def value_key(self, record: ReleaseItem) -> str:
        return record.key

    def __init__(self, *args, selectable: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not selectable:
            self.columns.hide("select")
