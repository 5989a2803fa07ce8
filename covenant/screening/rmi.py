"""Reading an RMI reporting template a supplier sent: the Conflict Minerals Reporting Template
(CMRT: tin, tantalum, tungsten, gold) or the Extended Minerals Reporting Template (EMRT:
cobalt, copper, graphite, lithium, mica, nickel), .xlsx.

The smelters in its Smelter List become purchase lines for the engine: the commodity is the
metal, the origin the smelter's country, screened at the smelting/refining stage
(`engine.screen_csv(..., origin_stage=...)`). The mines in the Mine List of an EMRT 2.x that
name a country become lines after them, screened at the mining stage: a separate screening of
the same purchases, so each stage carries the whole exposure (`screening_parts`).

The templates are multilingual: the language chosen on the Declaration tab swaps the texts of
the labels and headers (from the template's hidden "L" sheet, keyed by sheet and cell), never
the sheet names, the cell positions or the values of the drop-downs (metals, Smelter Look-up
names, countries stay English). So the sheets are read by position, per template version,
never by header text. The positions and where each one comes from are listed at `LAYOUTS`.

Errors and warnings are English templates marked for translation with their parameters, like
the engine's (`engine.PurchaseFileError`): a warning is stored as {"message", "params"} and
shown in the viewer's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from covenant.screening import engine
from covenant.screening.engine import gettext_noop

# Sheet names are the same in every language: the Chinese templates keep them in English
# (cirscn/cm-reporting analysis/docs_excel_rule_check.py opens them by these names; its
# docs/archive/i18n/zh-CN.json is keyed "cmrt.6.4.Smelter List.A4" etc.).
SMELTER_SHEET = "Smelter List"
MINE_SHEET = "Mine List"
LOOKUP_SHEET = "Smelter Look-up"
DECLARATION_SHEET = "Declaration"
REVISION_SHEET = "Revision"
RMI_SHEETS = {DECLARATION_SHEET, SMELTER_SHEET, LOOKUP_SHEET, MINE_SHEET}
# The top block of the Declaration (rows 1-6, columns A-L) holds the template title in D2
# (verified) and, we expect, its revision (cell NOT verified, see `_kind_and_version`).
DECLARATION_TOP = (6, 12)
# How far the Revision tab (English in every language) is searched for its revision history.
REVISION_AREA = (400, 12)
SMELTING_STAGE = "smelting_refining"
MINING_STAGE = "mining"

CMRT_METALS = {"tin", "tantalum", "tungsten", "gold"}
EMRT_METALS = {"cobalt", "copper", "graphite", "lithium", "mica", "nickel"}
# Not real smelters: the look-up's placeholders (kept in English by the template). The
# Smelter Look-up lists "Smelter not yet identified" with the standard name "Unknown".
PLACEHOLDERS = {"smelter not listed", "smelter not yet identified", "unknown", ""}


def _column(letter: str) -> int:
    """0-based index of a column letter (A → 0, AA → 26)."""
    index = 0
    for char in letter.upper():
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


@dataclass(frozen=True)
class Columns:
    header_row: int  # 1-based row of the (translated) headers; data starts on the next row
    letters: dict[str, str]  # field → column letter

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def cols(self) -> dict[str, int]:
        return {f: _column(letter) for f, letter in self.letters.items()}


# ---------------------------------------------------------------------------------------------
# The fixed layouts. No RMI template file was at hand offline; each position below was checked
# against public sources that were themselves built from the real RMI files:
#
# [L]  cirscn/cm-reporting docs/archive/i18n/en.json and zh-CN.json: the templates' hidden "L"
#      translation sheets dumped per version and cell, for CMRT 6.01-6.5, EMRT 1.1-2.1 (and
#      CRT, AMRT). They give, identically for every CMRT 6.x and EMRT 1.x/2.x:
#      - Smelter List headers on row 4: A4 "Smelter Identification Number Input Column",
#        B4 "Metal (*)", C4 "Smelter Look-up (*)", D4 "Smelter Name (1)" (EMRT 2.x "(*)"),
#        E4 "Smelter Country (*)", F4 "Smelter Identification", G4 "Source of Smelter
#        Identification Number", H4..Q4 street, city, state, contact, e-mail, next steps,
#        mine(s), mine country(ies), 100 % recycled, comments;
#      - Smelter Look-up: A1 an explanatory note, headers on row 4: A4 "Metal", B4 "Smelter
#        Look-up (*)", C4 "Standard Smelter Names", D4 "Smelter Facility Location: Country",
#        E4 "Smelter ID", F4 source, G4..I4 street, city, state;
#      - Mine List (EMRT 2.0, 2.1): headers on row 4: A4 "Metal", B4 "Name of Smelter(s)
#        sourcing from this Mine Facility", C4 "Mine Facility (Site) Name", D4 "Mine
#        Identification (e.g. CID)", E4 source, F4 "Mine Facility Country", G4..M4;
#      - Declaration D2: the title, "Conflict Minerals Reporting Template (CMRT)" /
#        "Extended Mineral(s) Reporting Template (EMRT)", kept in English in the Chinese
#        template; company data in D8.. (also in the Checker texts "cell D8", "cell D22").
# [X]  cirscn/cm-reporting app/src/lib/public/excel.ts (+ excel.test.ts, excelSmelterList
#      .test.ts): an exporter that patches the real RMI_CMRT_6.x / RMI_EMRT_x.xlsx files and
#      refuses cells the template does not have: Smelter List rows from 5, A..Q as above
#      (R, S "Combined Metal/Smelter" in EMRT 2.1), the test asserting B5/C5/D5/E5 on CMRT 6.5;
#      Mine List rows from 5, A metal, B smelter, C mine, D mine id, E source, F country.
# [D]  cirscn/cm-reporting docs/archive/diffs/docs-excel-evidence.md: "CMRT 6.5 Smelter List
#      C5 list formulas=['SN']" (look-up drop-down in C from row 5), "EMRT 2.1 Mine List B5
#      list dv", conditional formats on Mine List B5 and F5; docs/archive/diffs/cmrt.md and
#      emrt.md (field order, Mine List from EMRT 2.0, no layout change 6.01 → 6.5, 1.1 → 2.1
#      except the Mine List and EMRT 2.1's Combined columns after Q).
# [C]  laurencornell/cmrt-consolidation consolidate.py: reads "Smelter List" from row 5,
#      r[0] id input, r[1] metal, r[3] name, r[5] smelter id; "Smelter Look-up" row[0] metal,
#      row[4] smelter id. A React CMRT comparer (find_string "Smelter Look-up", no repository
#      name shown) writes A..Q from row 5 with the same meaning and reads headers on row 4; a
#      Streamlit CMRT 6.4 script (find_string "RMI_CMRT_6.4") rewrites the list from row 4 on.
# Contradicted and not followed: a planning document (find_string "Extended Minerals
# Reporting Template", id 714297582) that puts Metal in A and data from row 2 - it describes
# no real file.
# ---------------------------------------------------------------------------------------------
SMELTER_LIST = Columns(
    header_row=4,
    letters={"id_input": "A", "metal": "B", "lookup": "C", "name": "D", "country": "E", "id": "F"},
)
MINE_LIST = Columns(
    header_row=4, letters={"metal": "A", "smelter": "B", "name": "C", "id": "D", "country": "F"}
)
# Was taken as header row 1 before the check: the look-up's row 1 is a note, row 4 the headers.
LOOKUP = Columns(
    header_row=4, letters={"metal": "A", "lookup": "B", "name": "C", "country": "D", "id": "E"}
)

# (kind, version prefix) → layout. Verified versions: CMRT 6.01, 6.1, 6.22, 6.31, 6.4, 6.5
# ([L]; 6.6 shares the exporter's columns [X]); EMRT 1.1, 1.11, 1.2, 1.3 (no Mine List) and
# 2.0, 2.1 (+2.11 in [X]). CMRT 6.0 and EMRT 1.0 are covered by the prefix but unverified.
LAYOUTS: dict[tuple[str, str], dict[str, Columns | None]] = {
    ("CMRT", "6."): {"smelters": SMELTER_LIST, "mines": None, "lookup": LOOKUP},
    ("EMRT", "1."): {"smelters": SMELTER_LIST, "mines": None, "lookup": LOOKUP},
    ("EMRT", "2."): {"smelters": SMELTER_LIST, "mines": MINE_LIST, "lookup": LOOKUP},
}
SUPPORTED_KINDS = {"CMRT", "EMRT"}

# The title names the template; the acronym is kept in every language seen ([L] zh-CN).
# The other RMI templates are recognised so they are refused instead of misread: the AMRT
# also has a Mine List, and its 1.1/1.2 Smelter List has Metal in A and country in C [D].
_KINDS = (
    ("CMRT", re.compile(r"\bCMRT\b|Conflict Minerals Reporting", re.I)),
    ("EMRT", re.compile(r"\bEMRT\b|Extended Minerals? Reporting", re.I)),
    ("AMRT", re.compile(r"\b(?:AMRT|PRT)\b|Additional Minerals Reporting|Pilot Reporting", re.I)),
    ("CRT", re.compile(r"\bCRT\b|Cobalt Reporting", re.I)),
)
_VERSION = re.compile(r"\b(?:CMRT|EMRT|Revision|Version|Rev\.?)\s*[:#]?\s*v?(\d+\.\d+)", re.I)
_REVISION = re.compile(r"\bRevision\s*[:#]?\s*v?(\d+\.\d+)", re.I)
_BARE_VERSION = re.compile(r"^(\d{1,2})(?:\.(\d{1,2}))?[a-z]?$")
_CID = re.compile(r"^[A-Z]{3}\d{6}$")

NO_VERSION = gettext_noop(
    "This looks like an RMI reporting template, but its template version could not be "
    "found on the Declaration tab. Send the CMRT or EMRT as filled in, unchanged."
)
UNSUPPORTED_KIND = gettext_noop(
    "This is an RMI %(kind)s, not a CMRT or EMRT: this screening reads only those two "
    "templates. Ask the supplier for a CMRT or an EMRT."
)
NO_SHEET = gettext_noop("This %(kind)s %(version)s has no “%(sheet)s” tab.")


class RmiTemplateError(engine.PurchaseFileError):
    """An RMI template that cannot be read; the message is for the user."""


def _warning(template: str, **params) -> dict:
    """A warning as stored with the upload: {"message": template, "params": {...}}."""
    return {"message": template, "params": params}


def _mine_warning(template: str, row: int, cell: dict, **params) -> dict:
    """A warning about a row of the Mine List, shown with the mines."""
    mine = cell["name"] or cell["id"] or cell["smelter"]
    return {**_warning(template, row=row, mine=mine, **params), "tab": MINE_SHEET}


@dataclass
class Smelter:
    metal: str
    name: str
    country: str | None  # ISO-2
    smelter_id: str
    country_text: str = ""

    def as_dict(self) -> dict:
        return {
            "metal": self.metal,
            "name": self.name,
            "country": self.country,
            "smelter_id": self.smelter_id,
        }


@dataclass
class Mine:
    metal: str
    name: str
    smelter: str
    country: str | None
    mine_id: str

    def as_dict(self) -> dict:
        return {
            "metal": self.metal,
            "name": self.name,
            "smelter": self.smelter,
            "country": self.country,
            "mine_id": self.mine_id,
        }


@dataclass
class RmiResult:
    kind: str
    version: str
    smelters: list[Smelter]
    mines: list[Mine] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)  # {"message", "params"}: `_warning`
    # country values not recognised, each once, as the countries page maps them: {"value",
    # "field", "column" ("Smelter List, E"), "row" (its first), "suggestions", "preselect"}
    unknown_countries: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "version": self.version,
            "smelters": [s.as_dict() for s in self.smelters],
            "mines": [m.as_dict() for m in self.mines],
            "warnings": self.warnings,
        }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(workbook, sheet: str, *, fill_merged: bool = False) -> list[list]:
    """The sheet's cells from A1; with `fill_merged`, a merged range's value in each of its
    cells (a supplier who merged "Tin" over three smelter rows means tin for all three).
    Raises PurchaseFileError for a damaged sheet (calamine reads a sheet only when asked)."""
    from covenant.screening.services import XLSX_UNREADABLE

    try:
        found = workbook.get_sheet_by_name(sheet)
        rows = found.to_python(skip_empty_area=False)
        merged = (found.merged_cell_ranges or []) if fill_merged else []
    except Exception as exc:  # calamine raises its own errors for a damaged sheet
        raise engine.PurchaseFileError(XLSX_UNREADABLE, error=str(exc)) from exc
    for (top, left), (bottom, right) in merged:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value
    return rows


def _get(row: list, col: int) -> str:
    return _text(row[col]) if col < len(row) else ""


def looks_like_rmi(sheet_names: list[str]) -> bool:
    """An RMI template by its (never translated) sheet names."""
    names = set(sheet_names)
    return DECLARATION_SHEET in names and bool(names & {SMELTER_SHEET, LOOKUP_SHEET, MINE_SHEET})


def _kind_of(text: str) -> str | None:
    """The RMI template a title names (CMRT, EMRT, AMRT or CRT), or None."""
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def _texts(workbook, sheet: str, n_rows: int, n_cols: int):
    """The non-empty texts of a sheet's top-left block, row by row."""
    for row in _rows(workbook, sheet)[:n_rows]:
        for value in row[:n_cols]:
            if text := _text(value):
                yield text


def _revision_history(workbook) -> str | None:
    """The last revision the Revision tab lists: its table is oldest first (CMRT 3.02: a
    "REVISION" column of bare numbers, ldenevi/ddm lib/gsp/protocols/regulations/cfsi/cmrt/
    versions/3.02.worksheet.0.txt), or texts like "Revision 6.5 April 25, 2025" (quoted by
    cirscn/cm-reporting docs/archive/diffs/cmrt.md). Neither is verified for 6.x cell by cell."""
    version = None
    revision_col = None
    n_rows, n_cols = REVISION_AREA
    for row in _rows(workbook, REVISION_SHEET)[:n_rows]:
        for col, value in enumerate(row[:n_cols]):
            text = _text(value)
            if text.lower() == "revision":
                revision_col = col
            elif col == revision_col and (m := _BARE_VERSION.match(text)):
                version = f"{m.group(1)}.{m.group(2) or 0}"
            elif m := _REVISION.search(text):
                version = m.group(1)
    return version


def _kind_from_metals(workbook, names: list[str]) -> str | None:
    """CMRT or EMRT by the metals the Smelter Look-up and Smelter List hold (English values in
    every language), for a title that does not name the template; else None."""
    metals: set[str] = set()
    for sheet, layout in ((LOOKUP_SHEET, LOOKUP), (SMELTER_SHEET, SMELTER_LIST)):
        if sheet in names:
            col = layout.cols["metal"]
            rows = _rows(workbook, sheet)[layout.first_row - 1 :]
            metals |= {_get(row, col).lower() for row in rows}
    metals.discard("")
    if metals and metals <= CMRT_METALS:
        return "CMRT"
    if metals and metals <= EMRT_METALS:
        return "EMRT"
    return None


def _kind_and_version(workbook, names: list[str]) -> tuple[str | None, str | None]:
    """The template kind and version as the file states them.

    The kind comes from the title in Declaration!D2 (verified, [L]). WHERE THE VERSION SITS ON
    THE DECLARATION IS NOT VERIFIED: the L sheets hold no revision text for the Declaration, so
    it is untranslated, but no source gives its cell. It is therefore searched by pattern in
    the Declaration's top block, then taken from the Revision tab's history (English in every
    language: no Revision keys in the L sheets)."""
    kind = version = None
    if DECLARATION_SHEET in names:
        for text in _texts(workbook, DECLARATION_SHEET, *DECLARATION_TOP):
            kind = kind or _kind_of(text)
            if version is None and (m := _VERSION.search(text)):
                version = m.group(1)
    if REVISION_SHEET in names:
        if kind is None:  # its title block (CMRT 3.02: "DOCUMENT TITLE" in B2, the title in B3)
            kind = next(filter(None, map(_kind_of, _texts(workbook, REVISION_SHEET, 6, 6))), None)
        version = version or _revision_history(workbook)
    return kind or _kind_from_metals(workbook, names), version


def _layout(kind: str, version: str) -> dict[str, Columns | None] | None:
    for (k, prefix), layout in LAYOUTS.items():
        if k == kind and version.startswith(prefix):
            return layout
    return None


def _lookup_index(workbook, names: list[str], layout: Columns) -> tuple[dict, dict]:
    """The file's own Smelter Look-up: (metal, look-up name) → row and smelter id → row."""
    by_name: dict[tuple[str, str], dict] = {}
    by_id: dict[str, dict] = {}
    if LOOKUP_SHEET not in names:
        return by_name, by_id
    c = layout.cols
    for row in _rows(workbook, LOOKUP_SHEET)[layout.first_row - 1 :]:
        entry = {f: _get(row, i) for f, i in c.items()}
        if not entry["lookup"] and not entry["id"]:
            continue
        by_name[(entry["metal"].lower(), entry["lookup"].lower())] = entry
        if entry["id"]:
            by_id.setdefault(entry["id"].upper(), entry)
    return by_name, by_id


def _unknown_country(unknown: list[dict], value: str, sheet: str, letter: str, row: int) -> None:
    """Note a country value that was not recognised (once per value, at its first row; as
    many as a purchase list lists)."""
    if len(unknown) >= engine.UNKNOWN_COUNTRIES_LISTED or any(u["value"] == value for u in unknown):
        return
    unknown.append(engine.unknown_country(value, "origin_country", f"{sheet}, {letter}", row))


def read_rmi_template(
    data: bytes, resolve: Callable[[str | None], str | None] | None = None
) -> RmiResult:
    """The smelters (and EMRT mines) of a CMRT/EMRT .xlsx, their countries read by `resolve`
    (the company's own country mapping first: `engine.country_resolver`; a value it maps to ""
    names no single country). Raises RmiTemplateError (or the upload's PurchaseFileError for a
    damaged, protected or zip-bomb file)."""
    from covenant.screening.services import open_xlsx

    resolve = resolve or engine.resolve_country
    unknown: list[dict] = []

    workbook = open_xlsx(data)
    names = list(workbook.sheet_names)
    kind, version = _kind_and_version(workbook, names)
    if kind is not None and kind not in SUPPORTED_KINDS:
        raise RmiTemplateError(UNSUPPORTED_KIND, kind=kind)
    if kind is None or version is None:
        raise RmiTemplateError(NO_VERSION)
    layout = _layout(kind, version)
    if layout is None:
        known = ", ".join(f"{k} {p}x" for k, p in LAYOUTS)
        raise RmiTemplateError(
            gettext_noop(
                "%(kind)s version %(version)s is not a template version this screening can "
                "read (known: %(known)s). Ask the supplier for a current template."
            ),
            kind=kind,
            version=version,
            known=known,
        )
    if SMELTER_SHEET not in names:
        raise RmiTemplateError(
            gettext_noop(
                "This %(kind)s %(version)s has no “%(sheet)s” tab, so no smelters can be read."
            ),
            kind=kind,
            version=version,
            sheet=SMELTER_SHEET,
        )
    by_name, by_id = _lookup_index(workbook, names, layout["lookup"])
    warnings: list[dict] = []
    smelters: list[Smelter] = []
    first_row_of: dict[tuple, int] = {}
    c = layout["smelters"].cols
    for number, row in enumerate(_rows(workbook, SMELTER_SHEET, fill_merged=True), start=1):
        if number < layout["smelters"].first_row:
            continue
        cell = {f: _get(row, i) for f, i in c.items()}
        if not any(cell.values()):
            continue
        smelter_id = (cell["id"] or cell["id_input"]).upper()
        entry = by_id.get(smelter_id) if smelter_id else None
        if entry is None and cell["lookup"]:
            entry = by_name.get((cell["metal"].lower(), cell["lookup"].lower()))
        entry = entry or {}
        metal = cell["metal"] or entry.get("metal", "")
        lookup = cell["lookup"]
        name = cell["name"] or (lookup if lookup.lower() not in PLACEHOLDERS else "")
        standard_name = entry.get("name", "")
        name = name or (standard_name if standard_name.lower() not in PLACEHOLDERS else "")
        smelter_id = smelter_id or entry.get("id", "").upper()
        country_text = cell["country"] or entry.get("country", "")
        if not metal:
            warnings.append(
                _warning(gettext_noop("Smelter List row %(row)s: no metal; skipped."), row=number)
            )
            continue
        if not name and not smelter_id:
            if lookup.lower() not in PLACEHOLDERS - {""}:
                warnings.append(
                    _warning(
                        gettext_noop("Smelter List row %(row)s: no smelter; skipped."), row=number
                    )
                )
            continue
        if smelter_id and not _CID.match(smelter_id):
            warnings.append(
                _warning(
                    gettext_noop(
                        "Smelter List row %(row)s: “%(smelter_id)s” is not an RMI smelter "
                        "identification number (like CID002763)."
                    ),
                    row=number,
                    smelter_id=smelter_id,
                )
            )
        country = resolve(country_text) if country_text else None
        if country is None:
            if country_text:
                letter = layout["smelters"].letters["country"]
                _unknown_country(unknown, country_text, SMELTER_SHEET, letter, number)
            warnings.append(
                _warning(
                    gettext_noop(
                        "Smelter List row %(row)s (%(smelter)s): country “%(country)s” not "
                        "recognised; screened with unknown origin."
                    ),
                    row=number,
                    smelter=name or smelter_id,
                    country=country_text or "—",
                )
            )
        key = (metal.lower(), name.lower(), country, smelter_id)
        if key in first_row_of:  # kept, as any repeated line, and said with the file's rows
            warnings.append(
                _warning(
                    gettext_noop(
                        "Smelter List row %(row)s (%(smelter)s) repeats row %(first)s; the "
                        "smelter counts twice."
                    ),
                    row=number,
                    smelter=name or smelter_id,
                    first=first_row_of[key],
                )
            )
        first_row_of.setdefault(key, number)
        smelters.append(Smelter(metal, name, country or None, smelter_id, country_text))
    mines: list[Mine] = []
    mine_layout = layout["mines"]
    if mine_layout is not None:
        if MINE_SHEET not in names:
            warnings.append(_warning(NO_SHEET, kind=kind, version=version, sheet=MINE_SHEET))
        else:
            m = mine_layout.cols
            for number, row in enumerate(_rows(workbook, MINE_SHEET, fill_merged=True), start=1):
                if number < mine_layout.first_row:
                    continue
                cell = {f: _get(row, i) for f, i in m.items()}
                if not cell["metal"] or not (cell["name"] or cell["smelter"] or cell["country"]):
                    continue
                country = resolve(cell["country"]) if cell["country"] else None
                if country is None and cell["country"]:
                    letter = mine_layout.letters["country"]
                    _unknown_country(unknown, cell["country"], MINE_SHEET, letter, number)
                    warnings.append(
                        _mine_warning(
                            gettext_noop(
                                "Mine List row %(row)s (%(mine)s): country “%(country)s” not "
                                "recognised; the mine is not screened."
                            ),
                            number,
                            cell,
                            country=cell["country"],
                        )
                    )
                key = ("mine", *(cell[f].lower() for f in ("metal", "name", "smelter", "id")))
                if key in first_row_of:
                    warnings.append(
                        _mine_warning(
                            gettext_noop(
                                "Mine List row %(row)s (%(mine)s) repeats row %(first)s; the "
                                "mine counts twice."
                            ),
                            number,
                            cell,
                            first=first_row_of[key],
                        )
                    )
                first_row_of.setdefault(key, number)
                mines.append(
                    Mine(cell["metal"], cell["name"], cell["smelter"], country or None, cell["id"])
                )
    if not smelters:
        raise RmiTemplateError(
            gettext_noop("The “%(sheet)s” of this %(kind)s %(version)s lists no smelters."),
            sheet=SMELTER_SHEET,
            kind=kind,
            version=version,
        )
    metals = {s.metal.lower() for s in smelters}
    expected = CMRT_METALS if kind == "CMRT" else EMRT_METALS
    if metals - expected:
        warnings.append(
            _warning(
                gettext_noop("Metals not covered by the %(kind)s: %(metals)s."),
                kind=kind,
                metals=", ".join(sorted(metals - expected)),
            )
        )
    return RmiResult(kind, version, smelters, mines, warnings, unknown)


def rmi_to_purchase_lines(result: RmiResult, stage: str | None = None) -> list[dict]:
    """One purchase line per smelter, then one per mine with a known country (`stage`: only
    those of that stage): commodity = metal, origin = the smelter's or the mine's country
    (ISO-2); "stage" is where the origin is screened. Each smelter weighs 1; the mines of a
    metal share the weight of its smelters (2 cobalt smelters, 4 cobalt mines: 0.5 each), so
    that a metal weighs the same at both stages. A mine without a country adds nothing the
    smelters do not say, so it has no line."""
    smelters_of = Counter(s.metal.lower() for s in result.smelters)
    mines_of = Counter(m.metal.lower() for m in result.mines if m.country)
    smelters = [
        {
            "description": s.metal,
            "supplier": f"{s.name} ({s.smelter_id})" if s.smelter_id else s.name,
            "origin_country": s.country,
            "quantity": 1,
            "stage": SMELTING_STAGE,
        }
        for s in result.smelters
    ]
    mines = [
        {
            "description": m.metal,
            "supplier": f"{m.name} ({m.mine_id})" if m.mine_id else m.name or m.smelter,
            "origin_country": m.country,
            "quantity": (smelters_of.get(m.metal.lower()) or 1) / mines_of[m.metal.lower()],
            "stage": MINING_STAGE,
        }
        for m in result.mines
        if m.country
    ]
    return [line for line in smelters + mines if stage is None or line["stage"] == stage]


def rmi_to_csv(result: RmiResult, stage: str | None = None) -> bytes:
    """The purchase lines (of `stage`, or all) as a CSV the engine reads with its standard
    headers: the upload's lines, numbered as the pages show them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["description", "supplier", "country of origin", "quantity"])
    for line in rmi_to_purchase_lines(result, stage):
        writer.writerow(
            [line["description"], line["supplier"], line["origin_country"] or "", line["quantity"]]
        )
    return out.getvalue().encode("utf-8")


def screening_parts(result: RmiResult) -> list[tuple[str, bytes, int]]:
    """What to screen of a template: (stage, its lines as CSV, how many lines of `rmi_to_csv`
    come before them) per stage that has lines: the smelters, then the mines."""
    parts = []
    offset = 0
    for stage in (SMELTING_STAGE, MINING_STAGE):
        count = len(rmi_to_purchase_lines(result, stage))
        if count:
            parts.append((stage, rmi_to_csv(result, stage), offset))
        offset += count
    return parts
