"""Sorting and pagination of the lists from the request, in one place for every list.

Site-wide like the exports: django-tables2's RequestConfig passes any integer `per_page` on to
the paginator, so `-1` crashed the page (500) and a huge number listed a whole table at once.
Here `per_page` must be a whole number from 1 to PER_PAGE_MAX (or the list's own larger
maximum: the items list offers 1,000); anything else is refused (the list answers 400 with
BAD_PER_PAGE and shows the default page size). `page` stays forgiving,
as django-tables2 makes it: not a number shows the first page, out of range the last.
"""

import re

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_tables2 import Table

PER_PAGE_MAX = 100
BAD_PER_PAGE = _("Rows per page must be a whole number from 1 to {max}; showing {default}.")
# ASCII digits only: int() would also take " 5", "+5", "٣" and "1_0".
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def table_configure(
    *, request: HttpRequest, table: Table, per_page: int, per_page_max: int = PER_PAGE_MAX
) -> str:
    """Sort and paginate `table` as the request asks; returns why `per_page` was refused
    ("" when it was not), in which case the list shows `per_page` rows."""
    table.request = request
    order_by = request.GET.getlist(table.prefixed_order_by_field)
    if order_by:
        table.order_by = order_by
    error = ""
    asked = request.GET.get(table.prefixed_per_page_field)
    if asked is not None:
        if WHOLE_NUMBER.fullmatch(asked) and 1 <= int(asked) <= per_page_max:
            per_page = int(asked)
        else:
            error = BAD_PER_PAGE.format(max=per_page_max, default=per_page)
    page = request.GET.get(table.prefixed_page_field, "1")
    try:
        table.paginate(per_page=per_page, page=page)
    except PageNotAnInteger:
        table.page = table.paginator.page(1)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)
    return error


def header_sort(bound_column) -> str | None:
    """The `aria-sort` of a column header: which way the list is sorted by it, if it is."""
    if not bound_column.is_ordered:
        return None
    return "descending" if bound_column.order_by_alias.is_descending else "ascending"


# Every list table's attributes: its class, and headers that say how the list is sorted
# (screen readers read aria-sort; app.css draws the arrow from the asc/desc class).
TABLE_ATTRS = {"class": "table", "th": {"aria-sort": header_sort}}
