"""Writing user text to CSV and Excel safely."""

from __future__ import annotations

import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return the value with a leading quote when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """Return an .xlsx file with one sheet per name; the first row of each is its header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for i, row in enumerate(rows):
            sheet.append([safe_cell(v) for v in row])
            if i == 0:
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
