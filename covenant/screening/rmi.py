"""Reading an RMI reporting template a supplier sent: the Conflict Minerals Reporting Template
(CMRT: tin, tantalum, tungsten, gold) or the Extended Minerals Reporting Template (EMRT:
cobalt, copper, graphite, lithium, mica, nickel), .xlsx.

The smelters in its Smelter List (and, for the EMRT 2.x, the mines in its Mine List) become
purchase lines for the engine: the commodity is the metal, the origin the smelter's country,
screened at the smelting/refining stage (`engine.screen_csv(..., origin_stage=...)`).

The templates are multilingual: the language chosen on the Declaration tab changes the header
texts (and the texts of the Smelter Look-up drop-down), not the sheet names or the positions.
So the sheets are read by position, per template version, never by header text.

What the layout is based on (researched in public sources; no RMI template file itself was at
hand, so the positions below are corroborated, not copied from the template):

* Sheet names (English in every language): Declaration, Smelter List, Product List,
  Smelter Look-up, Checker, Instructions, Definitions, Revision; EMRT 2.0+ adds Mine List
  (EMRT 1.x has none). Source: github.com/cirscn/cm-reporting docs/02-emrt-prd.md (§2.1),
  docs/05-cross-template.md and docs/archive/diffs/emrt.md, which were written from the
  Chinese-language templates and still name the tabs in English; the CMRT 6.4/6.5 scripts
  below open the sheets by these names.
* Smelter List, CMRT 6.x and EMRT 1.x/2.x, same column order: A smelter identification number
  input column, B metal (*), C smelter look-up (*), D smelter name, E smelter country (*),
  F smelter identification (filled by a formula from the look-up), G source of the smelter
  identification number, H street, I city, J state/province, K contact name, L contact e-mail,
  M proposed next steps, N mine name(s), O mine country(ies), P 100 % recycled/scrap?,
  Q comments; then hidden system columns (Standard Smelter Name, Country Code, ...; EMRT 2.1
  adds Combined Metal / Combined Smelter). Header row 4, first data row 5. Sources: the column
  list and `header=3` of a CMRT 6.4 consolidation script (a Streamlit app found by
  find_string "Smelter Identification Number Input Column", reading `sheet_name='Smelter
  List', header=3`, then writing rows back from row 4/5); the field order in
  cirscn/cm-reporting docs/archive/diffs/emrt.md §4 (EMRT 1.1-2.1, identical to CMRT); the
  Checker rule `COUNTBLANK('Smelter List'!C5:C2498)` quoted in cirscn/cm-reporting
  docs/03-crt-prd.md (look-up in column C, data from row 5).
* Smelter Look-up tab: A metal, B smelter look-up name, C standard smelter name, D country,
  E smelter ID, F source of the ID; header row 1. Sources: a JS importer reading the RMI list
  with keys "METAL", "Smelter Look-up (*)", "Standard Smelter Names", "Smelter Facility
  Location: Country", "Smelter ID" in that order, and a Python consolidation script reading
  `template['Smelter Look-up']` with `row[0]` = metal and `row[4]` = smelter ID.
* Mine List (EMRT 2.0+): metal, name of the smelter the mine supplies, mine name, mine
  identification (e.g. CID), source of the smelter identification number, mine country, street,
  city, state/province, contact, e-mail, next steps, comments; then Country Code etc.
  Source: cirscn/cm-reporting docs/archive/diffs/emrt.md §5 (order only). NOT CONFIRMED: the
  first column (taken as A) and the header/data rows (taken as 4/5, like the Smelter List).
* Template version: NOT FOUND in the sources as a fixed cell. The templates state it in their
  title/revision texts ("Revision 6.5", EMRT "Revision 2.1 October 17, 2025" per
  docs/archive/diffs/emrt.md §8). So the version is read from the text of a fixed small region
  — the first rows of the Declaration and Revision tabs (`VERSION_REGION`) — by pattern.

Because of the unconfirmed parts, the layout is table-driven: `LAYOUTS` maps (kind, version
prefix) to the sheet positions, easy to correct once checked against a real template. A version
with no entry is refused with a clear message rather than read wrongly.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from covenant.screening import engine

SMELTER_SHEET = "Smelter List"
MINE_SHEET = "Mine List"
LOOKUP_SHEET = "Smelter Look-up"
DECLARATION_SHEET = "Declaration"
REVISION_SHEET = "Revision"
RMI_SHEETS = {DECLARATION_SHEET, SMELTER_SHEET, LOOKUP_SHEET, MINE_SHEET}
# Where the version is stated: (sheet, first rows, first columns) searched by pattern.
VERSION_REGION = ((DECLARATION_SHEET, 6, 12), (REVISION_SHEET, 12, 6))
SMELTING_STAGE = "smelting_refining"

CMRT_METALS = {"tin", "tantalum", "tungsten", "gold"}
EMRT_METALS = {"cobalt", "copper", "graphite", "lithium", "mica", "nickel"}
# Not real smelters: the look-up's placeholders (kept in English by the template).
PLACEHOLDERS = {"smelter not listed", "smelter not yet identified", "unknown", ""}


@dataclass(frozen=True)
class Columns:
    first_row: int  # 1-based first data row
    cols: dict[str, int]  # field → 0-based column


SMELTER_LIST = Columns(
    first_row=5, cols={"id_input": 0, "metal": 1, "lookup": 2, "name": 3, "country": 4, "id": 5}
)
MINE_LIST = Columns(first_row=5, cols={"metal": 0, "smelter": 1, "name": 2, "id": 3, "country": 5})
LOOKUP = Columns(first_row=2, cols={"metal": 0, "lookup": 1, "name": 2, "country": 3, "id": 4})

LAYOUTS: dict[tuple[str, str], dict[str, Columns | None]] = {
    ("CMRT", "6."): {"smelters": SMELTER_LIST, "mines": None, "lookup": LOOKUP},
    ("EMRT", "1."): {"smelters": SMELTER_LIST, "mines": None, "lookup": LOOKUP},
    ("EMRT", "2."): {"smelters": SMELTER_LIST, "mines": MINE_LIST, "lookup": LOOKUP},
}

_KIND = re.compile(r"\b(CMRT|EMRT)\b|(Conflict Minerals)|(Extended Minerals)", re.I)
_VERSION = re.compile(r"\b(?:CMRT|EMRT|Revision|Version|Rev\.?)\s*[:#]?\s*v?(\d+\.\d+)", re.I)
_CID = re.compile(r"^[A-Z]{3}\d{6}$")


class RmiTemplateError(engine.PurchaseFileError):
    """An RMI template that cannot be read; the message is for the user."""


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
    warnings: list[str] = field(default_factory=list)

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


def _rows(workbook, sheet: str) -> list[list]:
    return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _get(row: list, col: int) -> str:
    return _text(row[col]) if col < len(row) else ""


def looks_like_rmi(sheet_names: list[str]) -> bool:
    """An RMI template by its (never translated) sheet names."""
    names = set(sheet_names)
    return DECLARATION_SHEET in names and bool(names & {SMELTER_SHEET, LOOKUP_SHEET, MINE_SHEET})


def _kind_and_version(workbook, names: list[str]) -> tuple[str | None, str | None]:
    kind = version = None
    for sheet, n_rows, n_cols in VERSION_REGION:
        if sheet not in names:
            continue
        for row in _rows(workbook, sheet)[:n_rows]:
            for value in row[:n_cols]:
                text = _text(value)
                if not text:
                    continue
                if kind is None and (m := _KIND.search(text)):
                    kind = "CMRT" if (m.group(1) or "").upper() == "CMRT" or m.group(2) else "EMRT"
                if version is None and (m := _VERSION.search(text)):
                    version = m.group(1)
    return kind, version


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


def read_rmi_template(data: bytes) -> RmiResult:
    """The smelters (and EMRT mines) of a CMRT/EMRT .xlsx. Raises RmiTemplateError (or the
    upload's PurchaseFileError for a damaged, protected or zip-bomb file)."""
    from covenant.screening.services import open_xlsx

    workbook = open_xlsx(data)
    names = list(workbook.sheet_names)
    kind, version = _kind_and_version(workbook, names)
    if kind is None and MINE_SHEET in names:
        kind = "EMRT"
    if kind is None or version is None:
        raise RmiTemplateError(
            "This looks like an RMI reporting template, but its template version could not be "
            "found on the Declaration tab. Send the CMRT or EMRT as filled in, unchanged."
        )
    layout = _layout(kind, version)
    if layout is None:
        known = ", ".join(f"{k} {p}x" for k, p in LAYOUTS)
        raise RmiTemplateError(
            f"{kind} version {version} is not a template version this screening can read "
            f"(known: {known}). Ask the supplier for a current template."
        )
    if SMELTER_SHEET not in names:
        raise RmiTemplateError(
            f"This {kind} {version} has no “{SMELTER_SHEET}” tab, so no smelters can be read."
        )
    by_name, by_id = _lookup_index(workbook, names, layout["lookup"])
    warnings: list[str] = []
    smelters: list[Smelter] = []
    c = layout["smelters"].cols
    for number, row in enumerate(_rows(workbook, SMELTER_SHEET), start=1):
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
        name = name or entry.get("name", "")
        smelter_id = smelter_id or entry.get("id", "").upper()
        country_text = cell["country"] or entry.get("country", "")
        if not metal:
            warnings.append(f"Smelter List row {number}: no metal; skipped.")
            continue
        if not name and not smelter_id:
            if lookup.lower() not in PLACEHOLDERS - {""}:
                warnings.append(f"Smelter List row {number}: no smelter; skipped.")
            continue
        if smelter_id and not _CID.match(smelter_id):
            warnings.append(
                f"Smelter List row {number}: “{smelter_id}” is not an RMI smelter identification "
                "number (like CID002763)."
            )
        country = engine.resolve_country(country_text)
        if country is None:
            warnings.append(
                f"Smelter List row {number} ({name or smelter_id}): country "
                f"“{country_text or '—'}” not recognised; screened with unknown origin."
            )
        smelters.append(Smelter(metal, name, country, smelter_id, country_text))
    mines: list[Mine] = []
    mine_layout = layout["mines"]
    if mine_layout is not None:
        if MINE_SHEET not in names:
            warnings.append(f"This {kind} {version} has no “{MINE_SHEET}” tab.")
        else:
            m = mine_layout.cols
            for number, row in enumerate(_rows(workbook, MINE_SHEET), start=1):
                if number < mine_layout.first_row:
                    continue
                cell = {f: _get(row, i) for f, i in m.items()}
                if not cell["metal"] or not (cell["name"] or cell["smelter"] or cell["country"]):
                    continue
                mines.append(
                    Mine(
                        cell["metal"],
                        cell["name"],
                        cell["smelter"],
                        engine.resolve_country(cell["country"]),
                        cell["id"],
                    )
                )
    if not smelters:
        raise RmiTemplateError(f"The “{SMELTER_SHEET}” of this {kind} {version} lists no smelters.")
    metals = {s.metal.lower() for s in smelters}
    expected = CMRT_METALS if kind == "CMRT" else EMRT_METALS
    if metals - expected:
        warnings.append(
            f"Metals not covered by the {kind}: {', '.join(sorted(metals - expected))}."
        )
    return RmiResult(kind, version, smelters, mines, warnings)


def rmi_to_purchase_lines(result: RmiResult) -> list[dict]:
    """One purchase line per smelter: commodity = metal, origin = smelter country (ISO-2),
    quantity 1 (each smelter weighs the same). Screen them with
    `origin_stage=SMELTING_STAGE`."""
    return [
        {
            "description": s.metal,
            "supplier": f"{s.name} ({s.smelter_id})" if s.smelter_id else s.name,
            "origin_country": s.country,
            "quantity": 1,
        }
        for s in result.smelters
    ]


def rmi_to_csv(result: RmiResult) -> bytes:
    """The purchase lines as a CSV the engine reads with its standard headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["description", "supplier", "country of origin", "quantity"])
    for line in rmi_to_purchase_lines(result):
        writer.writerow(
            [line["description"], line["supplier"], line["origin_country"] or "", line["quantity"]]
        )
    return out.getvalue().encode("utf-8")
