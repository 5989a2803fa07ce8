"""Writing user text to CSV and Excel safely."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """Return the value with a leading quote when a spreadsheet would read it as a formula,
    also after spaces or a line break (" =HYPERLINK(…)" is a formula to some)."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_bytes(
    sheets: dict[str, list[list]], number_formats: Mapping[str, Mapping[int, str]] | None = None
) -> bytes:
    """Return an .xlsx file with one sheet per name; the first row of each is its header,
    bold, frozen and with a filter, and each column is as wide as its values (within reason).
    `number_formats` gives, per sheet, a column's Excel number format ("0.0%")."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        formats = (number_formats or {}).get(title, {})
        widths: dict[int, int] = {}
        for i, row in enumerate(rows):
            sheet.append([safe_cell(v) for v in row])
            for j, value in enumerate(row):
                widths[j] = max(widths.get(j, 0), len(str(value)) if value is not None else 0)
            if i and formats:
                for j, number_format in formats.items():
                    sheet.cell(row=i + 1, column=j + 1).number_format = number_format
        if not rows:
            continue
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for j, width in widths.items():
            sheet.column_dimensions[get_column_letter(j + 1)].width = min(max(width, 8) + 2, 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_MAX_RATIO = 100  # an .xlsx that unpacks to more than 100 × its size is a zip bomb
XLSX_RATIO_FLOOR = 1 << 20  # up to 1 MB unpacked, any ratio is harmless (tiny files compress)


def xlsx_unpacks_too_large(file, *, max_unpacked: int, max_ratio: int = XLSX_MAX_RATIO) -> bool:
    """Return whether an .xlsx file unpacks to far more data than it holds: more than
    `max_ratio` × its size (a zip bomb), or more than `max_unpacked` bytes in all.

    Reads only the archive's directory; raises zipfile.BadZipFile when it is not a zip.
    """
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    finally:
        file.seek(0)
    return unpacked > max(size * max_ratio, XLSX_RATIO_FLOOR) or unpacked > max_unpacked
