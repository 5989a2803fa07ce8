"""Builds RMI template workbooks (CMRT/EMRT) in the layout `rmi.LAYOUTS` documents, with the
header texts of a chosen language, for the tests of `covenant.screening.rmi`.

Positions and texts come from the templates' own translation sheets as dumped in
cirscn/cm-reporting docs/archive/i18n/en.json and zh-CN.json: headers on row 4, data from
row 5, the title in Declaration!D2 (kept in English in the Chinese template). Where the
template states its revision on the Declaration is not known (see `rmi._kind_and_version`),
so `version_at="declaration"` writes it into a cell of the top block (B2) chosen by us.
"""

from __future__ import annotations

import io

import openpyxl

TITLES = {
    "CMRT": "Conflict Minerals Reporting Template (CMRT)",
    "EMRT": "Extended Minerals Reporting Template (EMRT)",
    "AMRT": "Additional Minerals Reporting Template (AMRT)",
    "CRT": "Cobalt Reporting Template (CRT)",
}

# Row 4 of each sheet, A onwards (Smelter List A4..G4, Smelter Look-up A4..E4, Mine List A4..F4).
HEADERS = {
    "English": {
        "smelters": [
            "Smelter Identification Number Input Column",
            "Metal (*)",
            "Smelter Look-up (*)",
            "Smelter Name (1)",
            "Smelter Country (*)",
            "Smelter Identification",
            "Source of Smelter Identification Number",
        ],
        "lookup": [
            "Metal",
            "Smelter Look-up (*)",
            "Standard Smelter Names",
            "Smelter Facility Location: Country",
            "Smelter ID",
        ],
        "mines": [
            "Metal",
            "Name of Smelter(s) sourcing from this Mine Facility",
            "Mine Facility (Site) Name",
            "Mine Identification (e.g. CID)",
            "Source of Mine Facility Identification Number",
            "Mine Facility Country",
        ],
        "begin": "TO BEGIN:",
    },
    "中文 Chinese": {
        "smelters": [
            "冶炼厂识别号码输入列",
            "金属 (*)",
            "冶炼厂查找 (*)",
            "冶炼厂名称 (1)",
            "冶炼厂所在国家或地区 (*)",
            "冶炼厂识别",
            "冶炼厂出处识别号",
        ],
        "lookup": [
            "金属",
            "冶炼厂查找 (*)",
            "标准冶炼厂名称",
            "冶炼厂地址：国家或地区",
            "冶炼厂 ID",
        ],
        # Field names from cirscn/cm-reporting docs/archive/diffs/emrt.md §5 (Chinese template).
        "mines": [
            "金属",
            "从该矿厂采购的冶炼厂的名称",
            "矿厂(矿场)名称",
            "矿厂识别（例如《CID》）",
            "冶炼厂出处识别号",
            "矿厂所在国家或地区",
        ],
        "begin": "首先：",
    },
}


def _sheet_with_table(workbook, title: str, headers: list[str], rows, note: str = ""):
    """A sheet with a note in B2/A1, headers on row 4 and `rows` from row 5."""
    sheet = workbook.create_sheet(title)
    if note:
        sheet["B2"] = note
    for col, text in enumerate(headers, start=1):
        sheet.cell(row=4, column=col, value=text)
    for number, row in enumerate(rows, start=5):
        for col, value in enumerate(row, start=1):
            if value not in ("", None):
                sheet.cell(row=number, column=col, value=value)
    return sheet


def rmi_workbook(
    kind: str = "CMRT",
    version: str | float | None = "6.5",
    *,
    smelters=(),
    lookup=(),
    mines=None,
    language: str = "English",
    title: str | None = None,
    version_at: str = "declaration",
    revision_history=(),
    smelter_sheet: bool = True,
) -> bytes:
    """An .xlsx RMI template.

    smelters: Smelter List rows from A5 (id input, metal, look-up, name, country, id).
    lookup: Smelter Look-up rows from A5 (metal, look-up name, standard name, country, id).
    mines: Mine List rows from A5 (metal, smelter, mine, mine id, source, country); None for
    no Mine List tab. version_at: "declaration" (top block), "revision" (the Revision tab's
    history table: `revision_history` then `version`) or "" (nowhere)."""
    texts = HEADERS[language]
    workbook = openpyxl.Workbook()
    revision = workbook.active
    revision.title = "Revision"
    revision["B2"] = "DOCUMENT TITLE"
    revision["B3"] = TITLES.get(kind, "")
    for col, text in enumerate(["REVISION", "ORIGINATOR", "RELEASE DATE"], start=2):
        revision.cell(row=12, column=col, value=text)
    if version_at == "revision":
        history = [*revision_history, *([version] if version else [])]
        for number, value in enumerate(history, start=13):
            revision.cell(row=number, column=2, value=value)
            revision.cell(row=number, column=5, value="Smelter list update")
    workbook.create_sheet("Instructions")["A2"] = "Introduction"

    declaration = workbook.create_sheet("Declaration")
    declaration["D2"] = TITLES.get(kind, "") if title is None else title
    declaration["I4"] = "Link to Terms & Conditions"
    declaration["B8"] = "Company Name (*):"
    declaration["D8"] = "Supplier Ltd"
    if version_at == "declaration" and version:
        declaration["B2"] = f"Revision {version}"

    if smelter_sheet:
        _sheet_with_table(workbook, "Smelter List", texts["smelters"], smelters, texts["begin"])
    if mines is not None:
        _sheet_with_table(workbook, "Mine List", texts["mines"], mines, texts["begin"])
    workbook.create_sheet("Checker")
    workbook.create_sheet("Product List")
    look_up = _sheet_with_table(workbook, "Smelter Look-up", texts["lookup"], lookup)
    look_up["A1"] = "The following list represents the RMI's latest smelter name/alias information"
    workbook.create_sheet("L").sheet_state = "hidden"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
