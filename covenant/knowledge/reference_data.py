"""Loading the openly licensed reference files (../shared/data, see its README) into the
knowledge base: idempotent, one Source per file, bulk inserts of what is not there yet.

- USGS Mineral Commodity Summaries 2025, world production → Commodity + ProductionShare
  (share = value ÷ the "World total (rounded)" row of the same commodity and type);
- ILAB List of Goods 2022 → DocumentedRisk for the metal and mineral goods;
- HS 2022, chapters 26 and 72–81 → HsCode, linked to a commodity where the added column
  `covenant_metal_HANDMAPPED` (or, for the mixed headings, the subheading) names one;
- World Bank WGI 2019–2023 → GovernanceEstimate, rule of law and control of corruption (the
  screening's country likelihood), World Bank codes turned into ISO 3166 alpha-2;
- the project's own seed: Dutch and English names and synonyms, and typical compositions.
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop
from django_countries import countries

from covenant.knowledge.models import (
    Commodity,
    CommoditySynonym,
    Composition,
    DocumentedRisk,
    FactChange,
    GovernanceEstimate,
    HsCode,
    ProductionShare,
    Source,
)
from covenant.knowledge.services import removed_keys, source_register
from covenant.lib.taxonomy import ChainStage, Theme
from covenant.screening.engine import WORLD_BANK_CODES

DATA_ENV = "COVENANT_REFERENCE_DATA"


def data_dir() -> Path:
    """Return the folder of the reference files: $COVENANT_REFERENCE_DATA or ../shared/data."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "data"


@dataclass(frozen=True)
class SourceSpec:
    """A source exactly as ../shared/data/README.md states it."""

    series: str
    publisher: str
    title: str
    edition: str
    year: int
    url: str = ""
    licence: str = ""
    file_name: str = ""
    short_name: str = ""

    def register(self) -> tuple[Source, bool]:
        return source_register(
            series=self.series,
            short_name=self.short_name,
            publisher=self.publisher,
            title=self.title,
            edition=self.edition,
            year=self.year,
            url=self.url,
            licence=self.licence,
            file_name=self.file_name,
        )


PROJECT_LICENCE = "EUPL-1.2 (the Covenant project's licence)"

USGS = SourceSpec(
    series="usgs-mcs-world-data",
    short_name="USGS, Mineral Commodity Summaries 2025",
    publisher="U.S. Geological Survey",
    title="Mineral Commodity Summaries 2025 — World Data Release (MCS2025_World_Data.csv)",
    edition="production 2023, estimated 2024; reserves 2024",
    year=2025,
    url="https://doi.org/10.5066/P13XCP3R",
    licence="US public domain (work of the US federal government)",
    file_name="usgs_mcs2025_world_production_metals.csv",
)
ILAB = SourceSpec(
    series="ilab-list-of-goods",
    short_name="US DOL ILAB, List of Goods 2022",
    publisher="U.S. Department of Labor, Bureau of International Labor Affairs",
    title="List of Goods Produced by Child Labor or Forced Labor",
    edition="2022 edition",
    year=2022,
    url="",  # the README names none
    licence="US public domain",
    file_name="ilab_list_of_goods_2022_all.csv",
)
WGI = SourceSpec(
    series="worldbank-wgi",
    short_name="World Bank, WGI 2024 update",
    publisher="World Bank",
    title="Worldwide Governance Indicators",
    edition="2024 update, data 2019–2023",
    year=2024,
    url="https://www.worldbank.org/en/publication/worldwide-governance-indicators",
    licence=(
        "CC BY 4.0 (World Bank's terms for the WGI; attribute "
        '"World Bank, Worldwide Governance Indicators")'
    ),
    file_name="worldbank_wgi_2019_2023.csv",
)
HS = SourceSpec(
    series="hs-metals-chapters",
    short_name="HS 2022 (WCO, UN Comtrade)",
    publisher=(
        "World Customs Organization (nomenclature) and UN Comtrade (labels), as packaged by "
        "the Frictionless Data harmonized-system data package"
    ),
    title="Harmonized System 2022 codes and short labels",
    edition="HS 2022",
    year=2022,
    url="",  # the README names none
    licence="ODC-PDDL-1.0 as declared by the packager",
    file_name="hs2022_metals_chapters.csv",
)
HS_PROJECT = SourceSpec(
    series="covenant-hs-headings",
    short_name="Covenant project, HS headings beyond the file",
    publisher="Covenant project",
    title="HS 2022 headings of worked mica and of iron and steel articles, in the project's "
    "own labels",
    edition="1",
    year=2026,
    licence=PROJECT_LICENCE,
)
COMPOSITIONS = SourceSpec(
    series="covenant-typical-compositions",
    short_name="Covenant project, typical compositions",
    publisher="Covenant project",
    title="Typical compositions, written from public metallurgy references",
    edition="1",
    year=2025,
    licence=PROJECT_LICENCE,
)
NAMES = SourceSpec(
    series="covenant-commodity-names",
    short_name="Covenant project, names and synonyms",
    publisher="Covenant project",
    title="Dutch and English names and synonyms of commodities",
    edition="1",
    year=2025,
    licence=PROJECT_LICENCE,
)

K = Commodity.Kind
NL, EN, ANY = "nl", "en", ""

# (code, Dutch name, English name, kind, synonyms as (text, language)). Ore and mineral names
# are synonyms of their metal: the metal's mining stage is the production of its ore. "koper*"
# is a prefix: Dutch writes compounds as one word ("koperbuis", "staalkabel", "zinkplaat");
# only for the common metals whose name starts few other words of a purchase list.
COMMODITIES: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    ("aluminium", "aluminium", "aluminium", K.METAL,
     [("aluminum", EN), ("alu", NL), ("bauxiet", NL), ("bauxite", EN), ("aluminium*", NL)]),
    ("antimony", "antimoon", "antimony", K.METAL, []),
    ("bismuth", "bismut", "bismuth", K.METAL, []),
    ("brass", "messing", "brass", K.ALLOY, [("geelkoper", NL), ("messing*", NL)]),
    ("bronze", "brons", "bronze", K.ALLOY, [("brons*", NL), ("bronzen", NL)]),
    ("chromium", "chroom", "chromium", K.METAL,
     [("chrome", EN), ("chromiet", NL), ("chromite", EN)]),
    ("cobalt", "kobalt", "cobalt", K.METAL,
     [("heterogeniet", NL), ("heterogenite", EN), ("kobalt*", NL)]),
    ("copper", "koper", "copper", K.METAL, [("roodkoper", NL), ("koper*", NL)]),
    ("gold", "goud", "gold", K.METAL, [("gouden", NL)]),
    # compounds named one by one: "granietlook" and "marmerlook" tiles are ceramic or vinyl
    ("granite", "graniet", "granite", K.MINERAL,
     [("graniettegel*", NL), ("granietplaat*", NL), ("granietblok*", NL)]),
    ("iron", "ijzer", "iron", K.METAL,
     [("ijzererts", NL), ("iron ore", EN), ("ruwijzer", NL), ("pig iron", EN), ("ijzer*", NL)]),
    ("lead", "lood", "lead", K.METAL, [("loden", NL)]),
    ("limestone", "kalksteen", "limestone", K.MINERAL,
     [("hardsteen", NL), ("blauwe steen", NL), ("kalksteen*", NL), ("hardsteen*", NL)]),
    ("lithium", "lithium", "lithium", K.METAL, []),
    ("magnesium", "magnesium", "magnesium", K.METAL, []),
    ("manganese", "mangaan", "manganese", K.METAL, []),
    ("marble", "marmer", "marble", K.MINERAL,
     [("marmertegel*", NL), ("marmerplaat*", NL), ("marmerblok*", NL)]),
    ("mica", "mica", "mica", K.MINERAL, [("glimmer", NL)]),
    ("molybdenum", "molybdeen", "molybdenum", K.METAL, []),
    ("natural-stone", "natuursteen", "natural stone", K.MINERAL,
     [("natuursteen*", NL), ("stones", EN)]),
    ("nickel", "nikkel", "nickel", K.METAL, [("nikkel*", NL)]),
    ("platinum", "platina", "platinum", K.METAL, []),
    ("sandstone", "zandsteen", "sandstone", K.MINERAL, [("zandsteen*", NL)]),
    ("silver", "zilver", "silver", K.METAL, [("zilveren", NL)]),
    ("slate", "leisteen", "slate", K.MINERAL, [("leisteen*", NL)]),
    ("stainless-steel", "roestvast staal", "stainless steel", K.ALLOY,
     [("RVS", NL), ("roestvrij staal", NL), ("roestvrijstaal", NL), ("inox", ANY),
      ("stainless", EN), ("roestvast*", NL), ("roestvrij*", NL), ("rvs*", NL)]),
    ("steel", "staal", "steel", K.ALLOY,
     [("koolstofstaal", NL), ("carbon steel", EN), ("ruwstaal", NL), ("raw steel", EN),
      ("staal*", NL), ("stalen", NL)]),
    ("tantalum", "tantaal", "tantalum", K.METAL, [("coltan", ANY)]),
    ("tin", "tin", "tin", K.METAL, [("cassiteriet", NL), ("cassiterite", EN), ("tin*", NL)]),
    ("titanium", "titaan", "titanium", K.METAL, [("titanium", NL)]),
    ("tungsten", "wolfraam", "tungsten", K.METAL,
     [("wolfram", EN), ("wolframiet", NL), ("wolframite", EN)]),
    ("zinc", "zink", "zinc", K.METAL, [("zink*", NL)]),
    ("zirconium", "zirkonium", "zirconium", K.METAL, []),
]  # fmt: skip

TYPICAL_COMPOSITIONS = {
    "stainless-steel": [("iron", 0.70), ("chromium", 0.18), ("nickel", 0.10),
                        ("molybdenum", 0.02)],
    "brass": [("copper", 0.65), ("zinc", 0.35)],
    "bronze": [("copper", 0.88), ("tin", 0.12)],
}  # fmt: skip

# Countries whose names in the files django-countries does not know.
COUNTRY_NAMES = {
    "burma": "MM",
    "congo (kinshasa)": "CD",
    "congo, democratic republic of the": "CD",
    "côte d’ivoire": "CI",
    "cote d'ivoire": "CI",
    "korea, north": "KP",
    "korea, republic of": "KR",
    "kyrgyz republic": "KG",
    "turkey (türkiye)": "TR",
    "united states": "US",
}

# USGS commodity (stripped) → our commodity; "Iron and Steel" is split by its type below.
USGS_COMMODITIES = {
    "Aluminum": "aluminium",
    "Bauxite": "aluminium",  # bauxite mining and alumina refining are aluminium's chain
    "Chromium": "chromium",
    "Cobalt": "cobalt",
    "Copper": "copper",
    "Gold": "gold",
    "Iron Ore": "iron",
    "Lead": "lead",
    "Lithium": "lithium",
    "Manganese": "manganese",
    "Mica (Natural)": "mica",
    "Molybdenum": "molybdenum",
    "Nickel": "nickel",
    "Tantalum": "tantalum",
    "Tin": "tin",
    "Tungsten": "tungsten",
    "Zinc": "zinc",
}
USGS_TYPES = {("Iron and Steel", "Pig iron"): "iron", ("Iron and Steel", "Raw steel"): "steel"}
# One US cobalt row names its type differently from the world total of the same production.
# USGS's own words as the loader stores them (measures, units, notes), for the catalogue: the
# pages show them in the reader's language (`source_words`); a curator's words stay as written
USGS_WORDS = (
    gettext_noop("Mine production, bauxite, dry tons"),
    gettext_noop("Mine production, cobalt content, estimated"),
    gettext_noop("Mine production, gold content"),
    gettext_noop("Mine production, gross weight, marketable chromite ore"),
    gettext_noop("Mine production, iron content"),
    gettext_noop("Mine production, lead content"),
    gettext_noop("Mine production, lithium content"),
    gettext_noop("Mine production, manganese content"),
    gettext_noop("Mine production, mica scrap and flake"),
    gettext_noop("Mine production, mica sheet"),
    gettext_noop("Mine production, molybdenum content"),
    gettext_noop("Mine production, nickel content"),
    gettext_noop("Mine production, recoverable copper content"),
    gettext_noop("Mine production, tantalum content"),
    gettext_noop("Mine production, tin content"),
    gettext_noop("Mine production, tungsten content"),
    gettext_noop("Mine production, usable ore"),
    gettext_noop("Mine production, zinc content"),
    gettext_noop("Pig iron"),
    gettext_noop("Raw steel"),
    gettext_noop("Refinery production, alumina - calcined equivalent weights"),
    gettext_noop("Refinery production, copper"),
    gettext_noop("Smelter production, aluminum"),
    gettext_noop("metric tons"),
    gettext_noop("thousand metric tons"),
    gettext_noop("thousand metric dry tons"),
    gettext_noop("million metric tons"),
    gettext_noop("NA"),
    gettext_noop("W for 23-24"),
    gettext_noop("Excludes U.S. production."),
    gettext_noop("estimated 2023"),
    gettext_noop("reported"),
)
WORLD_TOTAL_NOTE = gettext_noop("World total: %(note)s")

USGS_TYPE_ALIASES = {
    ("Cobalt", "Mine production, estimated"): "Mine production, cobalt content, estimated"
}

# ILAB goods that are metals, minerals or natural stone of a covenant on the instance (others —
# coal, gems, salt, sand, gravel — not).
ILAB_GOODS = {
    "Cobalt ore (heterogenite)": "cobalt",
    "Copper": "copper",
    "Gold": "gold",
    "Granite": "granite",
    "Granite (crushed)": "granite",
    "Iron": "iron",
    "Mica": "mica",
    "Sandstone": "sandstone",
    "Silver": "silver",
    "Stones": "natural-stone",
    "Stones (limestone)": "limestone",
    "Tantalum ore (coltan)": "tantalum",
    "Tin": "tin",
    "Tin ore (cassiterite)": "tin",
    "Tungsten ore (wolframite)": "tungsten",
    "Zinc": "zinc",
}

# The added HS column's words → our commodity. Mixed headings ("see 6-digit") link nothing.
HS_COLUMN = {
    "aluminium": "aluminium",
    "aluminium (bauxite)": "aluminium",
    "antimony": "antimony",
    "bismuth": "bismuth",
    "chromium": "chromium",
    "cobalt": "cobalt",
    "copper": "copper",
    "gold": "gold",
    "iron": "iron",
    "iron/steel": "steel",
    "lead": "lead",
    "lithium": "lithium",
    "magnesium": "magnesium",
    "manganese": "manganese",
    "mica": "mica",
    "molybdenum": "molybdenum",
    "nickel": "nickel",
    "platinum": "platinum",
    "silver": "silver",
    "tantalum": "tantalum",
    "tin": "tin",
    "titanium": "titanium",
    "tungsten": "tungsten",
    "zinc": "zinc",
    "zirconium": "zirconium",
}
# Subheadings of the mixed headings whose text names one metal (the README: "need mapping
# per subheading"). Ferro-alloys link to the alloying metal, the one that carries the risk.
# Stainless steel's own headings (and its scrap), which the file maps to "iron/steel": a
# purchase under them is stainless steel, with its chromium and nickel.
HS_STAINLESS = ("7218", "7219", "7220", "7221", "7222", "7223", "720421")
HS_SUBHEADINGS = {
    "261510": "zirconium",
    "261610": "silver",
    "261710": "antimony",
    "720211": "manganese",
    "720219": "manganese",
    "720241": "chromium",
    "720249": "chromium",
    "720260": "nickel",
    "720270": "molybdenum",
    "720280": "tungsten",
    "720291": "titanium",
    "811221": "chromium",
    "811222": "chromium",
    "811229": "chromium",
    # copper's subheadings of its alloys, which the file maps to copper: a purchase under
    # them is brass (copper and zinc) or bronze (copper and tin)
    "740321": "brass",
    "740721": "brass",
    "740821": "brass",
    "740921": "brass",
    "740929": "brass",
    "741121": "brass",
    "740322": "bronze",
    "740931": "bronze",
    "740939": "bronze",
}
# Headings the file leaves out (its README: chapter 73 is not in it), in the project's own
# labels: a purchase list's code of worked mica or of a steel article links to its material.
HS_HEADINGS = {
    "6814": ("Worked mica and articles of mica", "mica"),
    "7301": ("Sheet piling and welded sections, of iron or steel", "steel"),
    "7302": ("Railway and tramway track material, of iron or steel", "steel"),
    "7303": ("Tubes, pipes and hollow profiles, of cast iron", "iron"),
    "7304": ("Seamless tubes, pipes and hollow profiles, of iron or steel", "steel"),
    "7305": ("Large tubes and pipes (over 406.4 mm), of iron or steel", "steel"),
    "7306": ("Other tubes, pipes and hollow profiles, of iron or steel", "steel"),
    "7307": ("Tube or pipe fittings, of iron or steel", "steel"),
    "7308": ("Structures and parts of structures, of iron or steel", "steel"),
    "7309": ("Reservoirs, tanks and vats over 300 l, of iron or steel", "steel"),
    "7310": ("Tanks, drums, cans and boxes of 300 l or less, of iron or steel", "steel"),
    "7311": ("Containers for compressed or liquefied gas, of iron or steel", "steel"),
    "7312": ("Stranded wire, ropes and cables, of iron or steel", "steel"),
    "7313": ("Barbed wire and fencing wire, of iron or steel", "steel"),
    "7314": (
        "Cloth, grill, netting and fencing of wire; expanded metal, of iron or steel",
        "steel",
    ),
    "7315": ("Chain and parts of chain, of iron or steel", "steel"),
    "7316": ("Anchors and grapnels, of iron or steel", "steel"),
    "7317": ("Nails, tacks, staples and the like, of iron or steel", "steel"),
    "7318": ("Screws, bolts, nuts, washers, rivets and the like, of iron or steel", "steel"),
    "7319": ("Needles and pins, of iron or steel", "steel"),
    "7320": ("Springs and leaves for springs, of iron or steel", "steel"),
    "7321": ("Stoves, cookers, barbecues and the like, of iron or steel", "steel"),
    "7322": ("Radiators and air heaters, of iron or steel", "steel"),
    "7323": ("Household articles, of iron or steel", "steel"),
    "7324": ("Sanitary ware, of iron or steel", "steel"),
    "7325": ("Other cast articles, of iron or steel", "steel"),
    "7326": ("Other articles, of iron or steel", "steel"),
}


@dataclass
class FileReport:
    """What one file (or seed) gave: facts loaded now, facts already there, rows skipped."""

    name: str
    what: str
    loaded: int = 0
    already: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    missing: bool = False

    def line(self) -> str:
        if self.missing:
            return f"{self.name}: not found, skipped."
        text = f"{self.name}: {self.loaded} {self.what} loaded, {self.already} already there"
        if self.skipped:
            text += f", {self.skipped} rows skipped"
        text += "."
        if self.notes:
            text += " " + " ".join(self.notes)
        return text


@dataclass
class LoadSummary:
    folder: Path
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def already(self) -> int:
        return sum(f.already for f in self.files)

    def by_name(self, name: str) -> FileReport:
        return next(f for f in self.files if f.name == name)

    def line(self) -> str:
        return (
            f"Reference data from {self.folder}: {self.loaded} facts loaded, "
            f"{self.already} already there, in {self.seconds:.2f} s."
        )


# Helpers --------------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").strip())


def _read(path: Path) -> list[dict[str, str]]:
    """Read a CSV with stripped headers (no inner spaces either) and stripped values."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return [
            {re.sub(r"\s+", "", k or ""): _clean(v) for k, v in row.items() if k is not None}
            for row in reader
        ]


def country_code(name: str) -> str | None:
    """Return the ISO 3166 alpha-2 code of a country name in the files, or None."""
    name = _clean(name)
    if not name:
        return None
    code = COUNTRY_NAMES.get(name.lower()) or countries.by_name(name)
    return code or None


def _as_in_a_sentence(name: str) -> str:
    """A list's country name as a sentence writes it: "Congo, Democratic Republic of the" →
    "the Democratic Republic of the Congo"."""
    first, comma, rest = name.partition(", ")
    if not comma:
        return name
    rest = rest if rest.lower().startswith("the ") else f"the {rest}"
    return f"{rest} {first}"


def _number(raw: str) -> Decimal | None:
    raw = raw.replace(",", "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def _commodities() -> dict[str, Commodity]:
    return {c.code: c for c in Commodity.objects.all()}


def _note_removed(report: FileReport, removed: set) -> None:
    """Facts a curator removed or corrected into others are left out of a load (they were
    counted as there)."""
    if removed:
        report.already = max(0, report.already - len(removed))
        report.notes.append(f"{len(removed)} removed or corrected by a curator, left out.")


# The seeds of the project ---------------------------------------------------------------------


def load_names() -> FileReport:
    """Create the commodities and their Dutch and English synonyms (the project's seed)."""
    report = FileReport("commodity names and synonyms", "commodities and synonyms")
    source, created = NAMES.register()
    if created and source.is_current:  # a newer edition of the seed: its words carry over
        moved = (
            CommoditySynonym.objects.filter(source__series=source.series)
            .exclude(source=source)
            .update(source=source)
        )
        if moved:
            report.notes.append(f"{moved} synonyms of the earlier edition carried over.")
    existing = _commodities()
    new = [
        Commodity(code=code, name_nl=nl, name_en=en, kind=kind)
        for code, nl, en, kind, _syn in COMMODITIES
        if code not in existing
    ]
    Commodity.objects.bulk_create(new)
    report.loaded += len(new)
    report.already += len(COMMODITIES) - len(new)
    by_code = _commodities()
    have = {
        (commodity_id, text.lower())
        for commodity_id, text in CommoditySynonym.objects.values_list("commodity_id", "text")
    }
    # the seed's words are carried from edition to edition: so are a curator's removals
    removed = {
        (commodity, text.lower())
        for edition in Source.objects.filter(series=source.series)
        for commodity, text in removed_keys(FactChange.Kind.SYNONYM, edition, ("commodity", "text"))
    }
    removed -= have  # only what is not there now
    have |= removed
    synonyms = []
    for code, _nl, _en, _kind, pairs in COMMODITIES:
        commodity = by_code[code]
        for text, language in pairs:
            if (commodity.pk, text.lower()) in have:
                report.already += 1
                continue
            have.add((commodity.pk, text.lower()))
            synonyms.append(
                CommoditySynonym(commodity=commodity, text=text, language=language, source=source)
            )
    CommoditySynonym.objects.bulk_create(synonyms)
    report.loaded += len(synonyms)
    _note_removed(report, removed)
    return report


def load_compositions() -> FileReport:
    """Seed the typical compositions of stainless steel, brass and bronze."""
    report = FileReport("typical compositions", "components")
    source, _created = COMPOSITIONS.register()
    by_code = _commodities()
    have = set(Composition.objects.filter(source=source).values_list("alloy_id", "component_id"))
    removed = removed_keys(FactChange.Kind.COMPOSITION, source, ("alloy", "component"))
    removed -= have  # only what is not there now
    have |= removed
    new = []
    for alloy_code, parts in TYPICAL_COMPOSITIONS.items():
        alloy = by_code[alloy_code]
        for component_code, share in parts:
            component = by_code[component_code]
            if (alloy.pk, component.pk) in have:
                report.already += 1
                continue
            new.append(Composition(alloy=alloy, component=component, share=share, source=source))
    Composition.objects.bulk_create(new)
    report.loaded += len(new)
    _note_removed(report, removed)
    return report


# The files ------------------------------------------------------------------------------------


def _stage_of(kind: str) -> str | None:
    lowered = kind.lower()
    if lowered.startswith("mine production"):
        return ChainStage.MINING.value
    if lowered.startswith(("refinery production", "smelter production", "pig iron", "raw steel")):
        return ChainStage.SMELTING_REFINING.value
    return None


def _usgs_type(commodity: str, raw: str) -> str:
    kind = _clean(raw).replace("grosss", "gross")
    kind = USGS_TYPE_ALIASES.get((commodity, kind), kind)
    return kind[:1].upper() + kind[1:]


def _row_note(note: str, year: int) -> str:
    """Return the row's note for this year's figure ("estimated 2023" only on 2023)."""
    dated = re.fullmatch(r"estimated (\d{4})", note)
    return "" if dated and int(dated.group(1)) != year else note


def load_usgs(path: Path, spec: SourceSpec = USGS) -> FileReport:
    """Load world production per country, with its share of the world total of its type."""
    report = FileReport(path.name, "production shares")
    rows = _read(path)
    source, _created = spec.register()
    by_code = _commodities()
    years = sorted(
        (int(m.group(2)), col, bool(m.group(1)))
        for col in (rows[0] if rows else {})
        if (m := re.fullmatch(r"PROD(_EST)?_(\d{4})", col))
    )
    world: dict[tuple[str, str, int], Decimal | None] = {}
    world_notes: dict[tuple[str, str], str] = {}
    for row in rows:
        commodity, kind = row["COMMODITY"], _usgs_type(row["COMMODITY"], row["TYPE"])
        if row["COUNTRY"].lower().startswith("world total"):
            for year, col, _est in years:
                world[(commodity, kind, year)] = _number(row[col])
            if row.get("PROD_NOTES"):
                world_notes[(commodity, kind)] = WORLD_TOTAL_NOTE % {"note": row["PROD_NOTES"]}
    have = set(
        ProductionShare.objects.filter(source=source).values_list(
            "commodity_id", "country", "chain_stage", "measure", "year"
        )
    )
    removed = removed_keys(
        FactChange.Kind.SHARE, source, ("commodity", "country", "chain_stage", "measure", "year")
    )
    removed -= have  # only what is not there now
    have |= removed
    new, residual, unmapped, withheld = [], 0, set(), 0
    for row in rows:
        commodity_name, country_name = row["COMMODITY"], row["COUNTRY"]
        kind = _usgs_type(commodity_name, row["TYPE"])
        lowered = country_name.lower()
        if lowered.startswith("world total") or lowered.startswith("other countries"):
            residual += 1
            report.skipped += 1
            continue
        code = USGS_TYPES.get((commodity_name, kind)) or USGS_COMMODITIES.get(commodity_name)
        stage = _stage_of(kind)
        iso = country_code(country_name)
        if code is None or stage is None or iso is None:
            if iso is None:
                unmapped.add(country_name)
            report.skipped += 1
            continue
        commodity = by_code[code]
        for year, col, is_est_column in years:
            value = _number(row[col])
            withheld += value is None
            key = (commodity.pk, iso, stage, kind, year)
            if key in have:
                report.already += 1
                continue
            have.add(key)
            total = world.get((commodity_name, kind, year))
            share = None
            if value is not None and total:
                share = round(float(value / total), 6)
                if share > 1:
                    share = None
            notes = [
                _row_note(row.get("PROD_NOTES", ""), year),
                world_notes.get((commodity_name, kind), ""),
            ]
            new.append(
                ProductionShare(
                    commodity=commodity,
                    country=iso,
                    chain_stage=stage,
                    measure=kind,
                    year=year,
                    value=value,
                    unit=row["UNIT_MEAS"],
                    share=share,
                    is_estimate=is_est_column or "estimated" in row.get("PROD_NOTES", "").lower(),
                    note="; ".join(n for n in notes if n)[:300],
                    source=source,
                )
            )
    ProductionShare.objects.bulk_create(new)
    report.loaded = len(new)
    _note_removed(report, removed)
    report.notes.append(
        f"Skipped {residual} world-total and “other countries” rows; "
        f"{withheld} blank values kept as withheld (no share)."
    )
    if unmapped:
        report.notes.append(f"Countries not recognised: {', '.join(sorted(unmapped))}.")
    return report


def load_ilab(path: Path, spec: SourceSpec = ILAB) -> FileReport:
    """Load child and forced labour of the metal and mineral goods as documented risks."""
    report = FileReport(path.name, "documented risks")
    rows = _read(path)
    source, _created = spec.register()
    by_code = _commodities()
    # key → (id, description, wording) of the risks this edition has
    loaded = {
        (theme, commodity, country, stage): rest
        for theme, commodity, country, stage, *rest in DocumentedRisk.objects.filter(
            source=source
        ).values_list(
            "theme", "commodity_id", "country", "chain_stage", "id", "description", "wording"
        )
    }
    have = set(loaded)
    reworded: dict[str, list[int]] = {}
    removed = removed_keys(
        FactChange.Kind.RISK, source, ("theme", "commodity", "country", "chain_stage")
    )
    removed -= have  # only what is not there now
    have |= removed
    new, unmapped = [], set()
    for row in rows:
        code = ILAB_GOODS.get(row["Good_Name"])
        iso = country_code(row["Country_Name"])
        if code is None or iso is None:
            if code is not None:
                unmapped.add(row["Country_Name"])
            report.skipped += 1
            continue
        commodity = by_code[code]
        forced_child = row.get("Forced_Child_Labor") == "Yes"
        for theme, column, words in (
            (Theme.CHILD_LABOUR, "Child_Labor", "child labour"),
            (Theme.FORCED_LABOUR, "Forced_Labor", "forced labour"),
        ):
            if row.get(column) != "Yes":
                continue
            key = (theme.value, commodity.pk, iso, ChainStage.MINING.value)
            description = (
                f"{row['Good_Name']} from {_as_in_a_sentence(row['Country_Name'])} is on the "
                "ILAB List of Goods "
                f"Produced by Child Labor or Forced Labor for {words}."
            )
            if forced_child:
                description += " The list names forced child labour too."
            wording = "ilab_forced_child" if forced_child else "ilab"
            if key in have:
                report.already += 1
                pk, written, was = loaded.get(key, (None, "", ""))
                if written == description and was != wording:  # loaded before wordings
                    reworded.setdefault(wording, []).append(pk)
                continue
            have.add(key)
            new.append(
                DocumentedRisk(
                    theme=theme,
                    commodity=commodity,
                    country=iso,
                    chain_stage=ChainStage.MINING,
                    severity=DocumentedRisk.Severity.VERY_HIGH,
                    description=description,
                    wording=wording,
                    source=source,
                )
            )
    DocumentedRisk.objects.bulk_create(new)
    for wording, pks in reworded.items():
        DocumentedRisk.objects.filter(pk__in=pks).update(wording=wording)
    report.loaded = len(new)
    _note_removed(report, removed)
    report.notes.append("Rows of other goods (coal, gems, sand, farm goods…) are skipped.")
    if unmapped:
        report.notes.append(f"Countries not recognised: {', '.join(sorted(unmapped))}.")
    return report


def load_hs(path: Path, spec: SourceSpec = HS) -> FileReport:
    """Load the HS codes as text, linked to the commodity their mapping names."""
    report = FileReport(path.name, "HS codes")
    rows = _read(path)
    source, _created = spec.register()
    by_code = _commodities()
    have = dict(HsCode.objects.filter(source=source).values_list("code", "commodity_id"))
    new, unlinked, relinked = [], 0, {}
    for row in rows:
        code = row["hscode"]
        if not re.fullmatch(r"\d{2,10}", code):
            report.skipped += 1
            continue
        mapping = row.get("covenant_metal_HANDMAPPED", "")
        commodity_code = (
            HS_SUBHEADINGS.get(code)
            or ("stainless-steel" if code.startswith(HS_STAINLESS) else None)
            or HS_COLUMN.get(mapping.lower())
        )
        commodity = by_code.get(commodity_code) if commodity_code else None
        if code in have:
            report.already += 1
            if have[code] != (commodity.pk if commodity else None):  # the project's rule changed
                relinked[code] = commodity
            continue
        have[code] = None
        unlinked += commodity_code is None
        new.append(
            HsCode(
                code=code,
                description=row["description"],
                commodity=commodity,
                mapping_note=mapping[:200],
                source=source,
            )
        )
    HsCode.objects.bulk_create(new)
    for code, commodity in relinked.items():
        HsCode.objects.filter(source=source, code=code).update(commodity=commodity)
    if relinked:
        report.notes.append(f"{len(relinked)} codes linked anew to the commodity they name.")
    report.loaded = len(new)
    if new:
        report.notes.append(
            f"{unlinked} codes name no single metal (slag, mixed headings) and link none."
        )
    return report


def load_hs_headings() -> FileReport:
    """Seed the HS headings the file leaves out (`HS_HEADINGS`), linked to their material."""
    report = FileReport("HS headings beyond the file", "HS codes")
    source, _created = HS_PROJECT.register()
    by_code = _commodities()
    have = dict(HsCode.objects.filter(source=source).values_list("code", "commodity_id"))
    new = [
        HsCode(code=code, description=label, commodity=by_code[material], source=source)
        for code, (label, material) in HS_HEADINGS.items()
        if code not in have
    ]
    HsCode.objects.bulk_create(new)
    report.loaded, report.already = len(new), len(HS_HEADINGS) - len(new)
    for code, (_label, material) in HS_HEADINGS.items():  # the project's rule changed
        if code in have and have[code] != by_code[material].pk:
            HsCode.objects.filter(source=source, code=code).update(commodity=by_code[material])
            report.notes.append(f"{code} linked anew to {material}.")
    return report


def wgi_country(code: str) -> str | None:
    """Return the ISO 3166 alpha-2 code of a World Bank country code, or None (aggregates,
    countries that no longer exist)."""
    code = _clean(code).upper()
    found = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return found.alpha_2 if found else WORLD_BANK_CODES.get(code)


def load_wgi(path: Path, spec: SourceSpec = WGI) -> FileReport:
    """Load the rule of law and control of corruption estimates per country and year."""
    report = FileReport(path.name, "governance estimates")
    rows = _read(path)
    source, _created = spec.register()
    indicators = set(GovernanceEstimate.Indicator.values)
    have = set(
        GovernanceEstimate.objects.filter(source=source).values_list("country", "year", "indicator")
    )
    new, other_indicators, no_estimate, no_country = [], 0, 0, 0
    unknown: dict[str, str] = {}
    for row in rows:
        indicator = row["indicator"].lower()
        if indicator not in indicators:
            other_indicators += 1
            continue
        iso = wgi_country(row["code"])
        if iso is None:
            unknown[row["code"]] = row["countryname"]
            no_country += 1
            continue
        try:
            year, estimate = int(row["year"]), float(row["estimate"])
        except ValueError:  # ".." is a missing estimate
            no_estimate += 1
            continue
        key = (iso, year, indicator)
        if key in have:
            report.already += 1
            continue
        have.add(key)
        new.append(
            GovernanceEstimate(
                country=iso, year=year, indicator=indicator, estimate=estimate, source=source
            )
        )
    GovernanceEstimate.objects.bulk_create(new)
    report.loaded = len(new)
    report.skipped = other_indicators + no_estimate + no_country
    report.notes.append(
        f"Kept rule of law and control of corruption: skipped {other_indicators} rows of the "
        f"other indicators and {no_estimate} rows without an estimate (“..”)."
    )
    if unknown:
        names = ", ".join(f"{code} ({name})" for code, name in sorted(unknown.items()))
        report.notes.append(f"Skipped {no_country} rows of codes that are no country: {names}.")
    return report


FILES: list[tuple[SourceSpec, Callable[[Path, SourceSpec], FileReport]]] = [
    (USGS, load_usgs),
    (ILAB, load_ilab),
    (HS, load_hs),
    (WGI, load_wgi),
]


def load(folder: Path | None = None, *, log: Callable[[str], None] = lambda _m: None):
    """Load every reference file found in `folder` (default `data_dir()`); idempotent.

    Returns a LoadSummary with one report per file and seed. Files that are missing are
    reported and skipped.
    """
    folder = Path(folder) if folder is not None else data_dir()
    started = time.perf_counter()
    summary = LoadSummary(folder=folder)
    with transaction.atomic():
        summary.files.append(load_names())
        for spec, loader in FILES:
            path = folder / spec.file_name
            if not path.is_file():
                summary.files.append(FileReport(spec.file_name, "", missing=True))
                continue
            summary.files.append(loader(path, spec))
        summary.files.append(load_hs_headings())
        summary.files.append(load_compositions())
    summary.seconds = time.perf_counter() - started
    for report in summary.files:
        log(report.line())
    log(summary.line())
    return summary
