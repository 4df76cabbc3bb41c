"""Exports of the lists (`?_export=csv|xlsx`), in one place for every list.

Site-wide like the middleware: the projects list and the items list (and any list to come) call
`table_export_response`, so the formats offered and the neutralising of formulas cannot drift
apart between exports.

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`,
`-` or `@` (and tab or carriage return, which some strip before parsing) as a formula, so a
release item titled `=HYPERLINK("http://evil.example/","x")` would become a live link, or worse,
in the release manager's spreadsheet. Every *text* cell that starts with one of those gets a
leading single quote, in every format, including text that merely looks like a negative number
("-5% fee"): OWASP's advice, since telling "-5" from "-5+cmd|..." is how escapes go wrong.
Cells that are numbers in the database (the item counts) stay numbers: they carry no formula.
"""

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_tables2 import Table
from django_tables2.export import TableExport

EXPORT_PARAMETER = "_export"
# Only formats whose tablib writer is installed (xlsx needs openpyxl): django-tables2 also
# names json, latex, ods, tsv, xls and yaml, which answered 500 or were never meant to be offered.
EXPORT_FORMATS = ("csv", "xlsx")
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
UNKNOWN_EXPORT_FORMAT = _(
    'Unknown export format "{name}": choose csv or xlsx. Nothing was exported.'
)
# Machines read the exports: their headers and cells stay in the installation's English
# whatever language the reader's pages are in.
EXPORT_LANGUAGE = "en"
# The message echoes the requested name, cut short: it is the user's own input.
ECHOED_NAME_LENGTH = 20


def cell_neutralise(value: object) -> object:
    """The value as a spreadsheet may open it: text that would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return f"'{value}"
    return value


class NeutralisedTableExport(TableExport):
    """django-tables2's export with every cell (headers included) passed through the quoting."""

    def table_to_dataset(self, table: Table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        headers = [cell_neutralise(header) for header in dataset.headers or []]
        rows = [[cell_neutralise(cell) for cell in row] for row in dataset]
        dataset.wipe()
        dataset.headers = headers
        dataset.extend(rows)
        return dataset


def table_export_response(
    *,
    request: HttpRequest,
    table: Table,
    filename_stem: str,
    exclude_columns: Iterable[str] = (),
) -> HttpResponse | None:
    """The export the request asks for, a 400 page for an unknown format, or None (no export)."""
    if EXPORT_PARAMETER not in request.GET:
        return None
    name = request.GET[EXPORT_PARAMETER]
    if name not in EXPORT_FORMATS:
        message = UNKNOWN_EXPORT_FORMAT.format(name=name[:ECHOED_NAME_LENGTH])
        return HttpResponseBadRequest(
            render_to_string("400.html", {"message": message}, request=request)
        )
    with translation.override(EXPORT_LANGUAGE):
        exporter = NeutralisedTableExport(name, table, exclude_columns=tuple(exclude_columns))
        return exporter.response(f"{filename_stem}.{name}")
