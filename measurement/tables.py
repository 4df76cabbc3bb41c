"""The overview as a django-tables2 table, for the portal's one export path (releasemgmt.exports):
one column per release, built from the releases shown."""

import django_tables2 as tables

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
