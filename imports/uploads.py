"""Reading an uploaded CSV or XLSX file into rows with their line numbers, within caps.

Both are read row by row, counted as they are read, rather than through tablib (which the
exports use): tablib loads a whole sheet before it can be counted, and its CSV reader does not
say the line a row starts on, which the user is told (a quoted cell may span lines). XLSX rows
are the sheet's rows, read with openpyxl (tablib's own XLSX engine), after checking that the
file does not unpack into something far larger than it is.
"""

import csv
import io
import itertools
import zipfile
from dataclasses import dataclass

import openpyxl
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 512 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 50
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024
FORMATS = ("csv", "xlsx")

TOO_BIG = _("The file is larger than {limit} KB; split it into smaller files.")
TOO_MANY_ROWS = _("The file has more than {limit} rows; split it into smaller files.")
UNKNOWN_FORMAT = _("Upload a .csv or .xlsx file.")
NOT_UTF8 = _("The CSV file is not UTF-8 text; save it as “CSV UTF-8” and upload it again.")
UNREADABLE_CSV = _("The CSV file could not be read: {error}.")
UNREADABLE_XLSX = _("The XLSX file could not be read; save it again as an Excel workbook.")
EMPTY = _("The file has no header row.")
NUL_BYTES = _("The CSV file contains NUL characters: it is not a text file.")


class UploadError(Exception):
    """The file as a whole cannot be read: nothing is previewed or written (HTTP 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class SheetRow:
    line: int  # where the row starts: its line in a CSV file, its row number in a sheet
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[SheetRow, ...]


def upload_format(file_name: str) -> str:
    """csv or xlsx, from the file name; UploadError otherwise."""
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix not in FORMATS:
        raise UploadError(UNKNOWN_FORMAT)
    return suffix


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 3 arrives as 3.0
    return str(value).strip()


def _read_csv(content: bytes) -> Sheet:
    if b"\x00" in content:  # no text column can store it (PostgreSQL refuses NUL)
        raise UploadError(NUL_BYTES)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(NOT_UTF8) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[SheetRow] = []
    headers: tuple[str, ...] | None = None
    try:
        start = 1
        for record in reader:
            if headers is None:
                headers = tuple(_cell(c) for c in record)
            else:
                rows.append(SheetRow(line=start, cells=tuple(_cell(c) for c in record)))
                if len(rows) > MAX_ROWS:
                    raise UploadError(TOO_MANY_ROWS.format(limit=MAX_ROWS))
            start = reader.line_num + 1
    except csv.Error as error:
        raise UploadError(UNREADABLE_CSV.format(error=str(error)[:100])) from None
    if not headers:
        raise UploadError(EMPTY)
    return Sheet(headers=headers, rows=tuple(rows))


def _read_xlsx(content: bytes) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise UploadError(UNREADABLE_XLSX) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:  # a small file that unpacks into a huge one
        raise UploadError(TOO_BIG.format(limit=MAX_UPLOAD_BYTES // 1024))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            values = workbook.active.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            # Counted while read: a sheet of a million rows is refused at row 1,002.
            read = list(itertools.islice(values, MAX_ROWS + 2))
        finally:
            workbook.close()
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise UploadError(UNREADABLE_XLSX) from None
    if not read or not any(read[0]):
        raise UploadError(EMPTY)
    if len(read) > MAX_ROWS + 1:
        raise UploadError(TOO_MANY_ROWS.format(limit=MAX_ROWS))
    headers = tuple(_cell(h) for h in read[0])
    # The header is the sheet's row 1: data rows start on row 2.
    rows = tuple(
        SheetRow(line=index + 2, cells=tuple(_cell(c) for c in row))
        for index, row in enumerate(read[1:])
    )
    return Sheet(headers=headers, rows=rows)


def sheet_read(*, content: bytes, file_format: str) -> Sheet:
    """The file's header and rows; UploadError when it is too big or cannot be read."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadError(TOO_BIG.format(limit=MAX_UPLOAD_BYTES // 1024))
    if file_format == "xlsx":
        return _read_xlsx(content)
    return _read_csv(content)
