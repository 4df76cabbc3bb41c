"""The overview and the KPI dashboards' tables as django-tables2 tables, for the portal's one
export path (releasemgmt.exports): the overview has one column per release shown."""

import django_tables2 as tables

from measurement.dashboards import KpiTable
from measurement.selectors import OverviewRelease, OverviewRow


class OverviewExportTable(tables.Table):
    change = tables.Column(verbose_name="Change")
    title = tables.Column(verbose_name="Title")
    kind = tables.Column(verbose_name="Kind")


def overview_export_table(
    *, releases: list[OverviewRelease], rows: list[OverviewRow]
) -> OverviewExportTable:
    """Every row (not one page): the change, its title and kind, then its state per release."""
    data = []
    for row in rows:
        record = {"change": row.key, "title": row.title, "kind": row.kind_label}
        for index, cell in enumerate(row.cells):
            record[f"r{index}"] = cell.state if cell is not None else ""
        data.append(record)
    extra = [
        (f"r{index}", tables.Column(verbose_name=release.label))
        for index, release in enumerate(releases)
    ]
    return OverviewExportTable(data, extra_columns=extra, orderable=False)


class KpiExportTable(tables.Table):
    """A KPI table's columns are the dashboard's own (measurement.dashboards.KpiTable)."""


def kpi_export_table(*, table: KpiTable) -> KpiExportTable:
    """Every row of a dashboard table; a value that is not defined (no ratio, no values yet)
    is an empty cell."""
    keys = [f"c{index}" for index in range(len(table.columns))]
    data = [
        {key: ("" if value is None else value) for key, value in zip(keys, row, strict=True)}
        for row in table.rows
    ]
    extra = [
        (key, tables.Column(verbose_name=header))
        for key, header in zip(keys, table.columns, strict=True)
    ]
    return KpiExportTable(data, extra_columns=extra, orderable=False)
