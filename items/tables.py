from html import escape  # the standard library's: Django's lazy wrapper costs ~4,000 calls

import django_tables2 as tables
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from items.models import Kind, Priority, ReleaseItem
from releasemgmt.pagination import TABLE_ATTRS


class SelectColumn(tables.Column):
    """A labelled checkbox whose value carries the item's version (stale rows are refused)."""

    def __init__(self) -> None:
        super().__init__(
            accessor="pk",
            verbose_name=gettext_lazy("Select"),
            orderable=False,
            exclude_from_export=True,
        )

    def render(self, record: ReleaseItem) -> str:
        return format_html(
            '<input type="checkbox" name="selected" value="{}:{}" form="bulk-move" '
            'aria-label="{}">',
            record.pk,
            record.version,
            _("Select {key}").format(key=record.key),
        )


# The items list's rows, read as plain values (ItemTable.rows_html); labels known ahead.
ROW_FIELDS = (
    "pk",
    "version",
    "number",
    "project__code",
    "change__title",
    "change__kind",
    "priority",
    "status__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "change__external_key",
    "updated_at",
)


def _labels(choices: list) -> dict:
    """A choice's label by its value, escaped, in the reader's language."""
    return {value: escape(str(label)) for value, label in choices}


# The items list's page sizes: up to a whole 1,000-item release on one page.
PAGE_SIZES = (25, 50, 100, 250, 500, 1000)


class ItemTable(tables.Table):
    caption = gettext_lazy("Release items")
    page_sizes = PAGE_SIZES
    select = SelectColumn()
    key = tables.Column(
        accessor="number",
        verbose_name=gettext_lazy("Key"),
        order_by=("number",),
        linkify=lambda record: record.get_absolute_url(),
    )
    title = tables.Column(
        accessor="change__title",
        order_by=("change__title", "number"),
        verbose_name=gettext_lazy("Title"),
    )
    kind = tables.Column(
        accessor="change__kind",
        order_by=("change__kind", "number"),
        verbose_name=gettext_lazy("Kind"),
    )
    priority = tables.Column(verbose_name=gettext_lazy("Priority"))
    status = tables.Column(
        verbose_name=gettext_lazy("State"), order_by=("status__position", "position")
    )
    assignee = tables.Column(
        verbose_name=gettext_lazy("Assignee"), order_by=("assignee__username",), default="—"
    )
    external_key = tables.Column(
        accessor="change__external_key", verbose_name=gettext_lazy("External"), default=""
    )
    # In the reader's zone, named (T): an export read elsewhere stays unambiguous too.
    updated_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Updated"), format="Y-m-d H:i T")

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
        template_name = "items/_item_table.html"

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
        self.selectable = selectable
        if not selectable:
            self.columns.hide("select")

    def rows_html(self) -> SafeString:
        """The page's rows, the same cells as the columns above render, in one pass over plain
        values: django-tables2's per-cell rendering of model instances cost ~0.8 s at 1,000
        rows (docs/PERFORMANCE.md). Sorting, paging, headers and exports stay django-tables2's;
        the page's one query is this one. Every text is escaped here."""
        page = self.page
        rows = []
        if page.paginator.count:
            rows = self.data.data[page.start_index() - 1 : page.end_index()].values_list(
                *ROW_FIELDS
            )
        if not rows:
            return format_html(
                '<tr><td colspan="{}">{}</td></tr>', len(self.columns), _("No items.")
            )
        kinds, priorities = _labels(Kind.choices), _labels(Priority.choices)
        select = escape(_("Select {key}"))
        out = []
        base = ""
        for row in rows:
            pk, version, number, code, title, kind, priority, state, user, first, last, ext, at = (
                row
            )
            base = base or reverse("items:list", kwargs={"code": code})  # + number: the item
            key = f"{code}-{number}"
            picked = (
                f'<td><input type="checkbox" name="selected" value="{pk}:{version}" '
                f'form="bulk-move" aria-label="{select.format(key=key)}"></td>'
                if self.selectable
                else ""
            )
            # first and last are None for an unassigned item (the join found no user).
            name = " ".join(filter(None, (first, last))) or user or "—"
            out.append(
                f'<tr>{picked}<td><a href="{base}{number}/">{key}</a></td><td>{escape(title)}</td>'
                f"<td>{kinds.get(kind, kind)}</td><td>{priorities.get(priority, priority)}</td>"
                f"<td>{escape(state)}</td><td>{escape(name)}</td><td>{escape(ext)}</td>"
                f"<td>{timezone.localtime(at):%Y-%m-%d %H:%M %Z}</td></tr>"
            )
        return mark_safe("\n".join(out))  # noqa: S308 - every text above went through escape()
