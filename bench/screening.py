"""Benchmark: screening a purchase list of 1,000,000 lines.

Generates (fixed seed, in Polars) a Dutch company's purchase list — descriptions in Dutch and
English, HS codes on about half the lines, 5,000 suppliers in 120 countries, ~5% lines that
name no metal — and writes it as a semicolon CSV with decimal commas and Dutch headers to a
temporary folder. The reference data comes from ../shared/data (USGS production shares, ILAB
child and forced labour, World Bank WGI, HS codes) plus a small synonym and composition table.

Measures in one run:
1. `read_s`: Polars reading the CSV and nothing else (`pl.read_csv`, codes as text);
2. `screen_s`: the whole screening from the file's bytes — read, normalise, match, aggregate,
   expand, spread, join risks, score, rank (per-line details are kept in memory, not written);
3. `duckdb_s`: DuckDB doing the same joins and aggregation over the same CSV (the reference);
4. `floor_s`: Polars reading the CSV and grouping its lines by (description, HS code, origin),
   summing the amount, and nothing else: the least an "aggregate first" screening does;
5. `peak_rss_mb`: the process's peak resident memory (ru_maxrss).

Each time is the median of `--repeat` runs, interleaved (read, floor, screen, read, …; then
DuckDB, screen, …) so that both sides of a ratio see the same load on the machine; `pass_s` is
the part of `screen_s` spent in the pass over the file (parse, aggregate, checks). Generation
runs in a child process, so `peak_rss_mb` is what reading and screening take (DuckDB's share is
reported apart). Goals: screen ≤ 1.5 × read, faster than DuckDB, peak ≤ 1 GiB. The last line
printed is one JSON object.

Screen ≤ 1.5 × read is not met on the 2-core machine the engine was tuned on: screen takes
2.5-3.0 × read (0.28-0.30 s against 0.10-0.11 s; the engine before this tuning took 3.2-3.6 ×,
0.35-0.36 s, in the same sessions), while `floor_s` alone takes 1.2-1.4 × read. What the
screening must do on top of the floor, each part measured on its own against read:
- parse all seven columns (the checks need every value) with the five text columns
  dictionary-encoded, which gives each line its ids for `lines_for` and the distinct countries
  without another pass: 1.5 × read, against 1.0 for `pl.read_csv`;
- group the lines by their packed ids (143,357 keys here): + 0.2 to 0.3;
- count duplicate lines, which needs every value of every line: a 64-bit hash per line,
  sorted to count the distinct ones (a little faster than a hash set of them): + 0.35;
- everything after the pass (`screen_s - pass_s`): match the distinct descriptions of the
  lines whose HS code did not match or names a metal of an alloy (a "messing" line under a
  copper code is brass; lower case, punctuation, Aho-Corasick; about 30 ms), list the 52,643
  unmatched lines, the keys, risks and ranking: + 0.7.
For comparison, a plain Polars query doing only the first two whole-file jobs of the issue —
group by the three keys, count the distinct lines by a row hash — takes 2.7 × read by itself.

    .venv/bin/python bench/screening.py [--lines 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from covenant.screening import engine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"

# ---------------------------------------------------------------------------------------------
# The purchase list
# ---------------------------------------------------------------------------------------------

THICK = ["0,5", "0,8", "1", "1,2", "1,5", "2", "2,5", "3", "4", "5", "6", "8", "10", "12", "15"]
FORMAT = ["1000x2000", "1250x2500", "1500x3000", "2000x4000"]
DIAM = [str(d) for d in (4, 5, 6, 8, 10, 12, 14, 16, 20, 25, 30, 35, 40, 50, 60, 80, 100)]
LENGTH = ["1000", "3000", "6000"]
SECTION = ["0,75", "1,5", "2,5", "4", "6", "10", "16", "25", "35", "50", "70", "95"]
PROFILE = [str(h) for h in (100, 120, 140, 160, 180, 200, 220, 240, 260, 280, 300)]
KG = ["1", "5", "10", "25", "50"]


def _sizes(*parts: list[str], sep: str = " ") -> list[str]:
    out = [""]
    for part in parts:
        out = [f"{a}{sep}{b}".strip() for a in out for b in part]
    return out


# (weight in lines per 1,000, description template, sizes, HS code written on the line)
MATERIALS: list[tuple[int, str, list[str], str | None]] = [
    (110, "RVS plaat 304 {}mm", _sizes(THICK, FORMAT), "721933"),
    (50, "RVS buis 316L Ø{}mm", _sizes(DIAM, LENGTH), "730640"),  # chapter 73: not in HS file
    (60, "stainless steel coil 304 {}mm", THICK, "721934"),
    (30, "Roestvast staal strip 430 {}mm", THICK, "722020"),
    (30, "inox staf 316 Ø{}mm", _sizes(DIAM, LENGTH), "722220"),
    (50, "messing staf CW614N Ø{}mm", _sizes(DIAM, LENGTH), "740721"),
    (20, "brass rod {}mm", DIAM, "740721"),
    (70, "koperdraad {}mm2", SECTION, "740811"),
    (30, "copper busbar {}mm", _sizes(THICK, LENGTH), "740710"),
    (25, "koperen buis Ø{}mm", _sizes(DIAM, LENGTH), "741110"),
    (80, "aluminium profiel 6060 {}mm", _sizes(DIAM, LENGTH), "760429"),
    (50, "aluminium sheet 5083 {}mm", _sizes(THICK, FORMAT), "760612"),
    (20, "tin ingot 99,9% {}kg", KG, "800110"),
    (15, "soldeertin Sn99Cu1 {}mm", ["0,5", "0,8", "1", "1,5", "2"], "800300"),
    (10, "mica isolatieplaat {}mm", THICK, None),
    (20, "zinkplaat {}mm", _sizes(THICK, FORMAT), "790500"),
    (10, "loodslab {}mm", THICK, "780411"),
    (10, "nikkel anode {}kg", KG, "750210"),
    (5, "kobaltpoeder {}kg", KG, "810520"),
    (5, "gouddraad {}mm", ["0,02", "0,025", "0,05", "0,1"], "710813"),
    (10, "wolfraam elektrode Ø{}mm", ["1", "1,6", "2,4", "3,2", "4"], "810196"),
    (10, "tantaal condensator {}uF", ["1", "10", "22", "47", "100", "220"], None),
    (90, "constructiestaal S235 HEA {}", _sizes(PROFILE, LENGTH), "721633"),
    (40, "staalplaat S355 {}mm", _sizes(THICK, FORMAT), "720851"),
    (20, "gietijzer rooster {}mm", ["300x300", "400x400", "500x500"], None),
    (20, "bronzen glijlager Ø{}mm", DIAM, None),
    (10, "steel wire rope {}mm", DIAM, "731210"),
    # ~5% that names no metal
    (15, "pallet hout {}", ["80x120", "100x120"], None),
    (10, "verpakkingsfolie {}m", ["100", "250", "500"], None),
    (10, "transportkosten {}", ["NL", "BE", "DE", "FR"], None),
    (8, "smeermiddel {}L", ["1", "5", "20"], None),
    (7, "consultancy uren {}", ["Q1", "Q2", "Q3", "Q4"], None),
]

# The 120 countries of the list: producing and trading countries first.
MAIN_COUNTRIES = [
    "NL",
    "BE",
    "DE",
    "FR",
    "IT",
    "ES",
    "PL",
    "SE",
    "FI",
    "NO",
    "AT",
    "CZ",
    "GB",
    "IE",
    "PT",
    "DK",
    "CH",
    "TR",
    "CN",
    "IN",
    "ID",
    "JP",
    "KR",
    "TW",
    "VN",
    "TH",
    "MY",
    "PH",
    "US",
    "CA",
    "MX",
    "BR",
    "CL",
    "PE",
    "BO",
    "AR",
    "CO",
    "ZA",
    "CD",
    "ZM",
    "ZW",
    "MG",
    "MZ",
    "RW",
    "GH",
    "ML",
    "BF",
    "GN",
    "NG",
    "TZ",
    "KZ",
    "RU",
    "UA",
    "UZ",
    "MN",
    "AU",
    "NC",
    "CU",
    "MM",
    "LA",
    "SA",
    "AE",
    "IR",
    "EG",
    "MA",
]


def countries(n: int = 120) -> list[str]:
    import pycountry

    rest = sorted(c.alpha_2 for c in pycountry.countries if c.alpha_2 not in MAIN_COUNTRIES)
    return (MAIN_COUNTRIES + rest)[:n]


def _pick(n: int, values: list, seed: int, name: str) -> pl.Series:
    """n values drawn with replacement from `values` (repeat a value to weigh it)."""
    return pl.Series(name, values).sample(n, with_replacement=True, seed=seed)


def _uniform(n: int, seed: int, modulo: int) -> pl.Expr:
    return pl.int_range(n, dtype=pl.UInt64).hash(seed) % modulo


def generate(n: int = 1_000_000, seed: int = 7) -> pl.DataFrame:
    """The purchase list: n lines with Dutch headers, as a DataFrame of strings and floats."""
    catalogue = pl.DataFrame(
        [
            (m, s, template.format(size), hs)
            for m, (_, template, sizes, hs) in enumerate(MATERIALS)
            for s, size in enumerate(sizes)
        ],
        schema={"mat": pl.Int32, "size": pl.Int32, "Omschrijving": pl.String, "hs": pl.String},
        orient="row",
    )
    n_sizes = pl.DataFrame(
        {"mat": list(range(len(MATERIALS))), "n_sizes": [len(m[2]) for m in MATERIALS]},
        schema={"mat": pl.Int32, "n_sizes": pl.Int32},
    )
    pool = [m for m, (weight, *_rest) in enumerate(MATERIALS) for _ in range(weight)]
    land = countries()
    main = MAIN_COUNTRIES
    # Names and ISO-3 codes for a few countries, as purchase systems write them.
    variants = {"DE": ["Duitsland", "Germany", "DEU"], "CN": ["China", "CHN"], "BE": ["België"]}
    supplier_land = pl.DataFrame(
        {
            "supplier_id": list(range(5000)),
            "Land leverancier": [
                (main[i % 30] if i % 3 else land[i % len(land)])
                if i % 50
                else variants["DE"][i // 50 % 3]
                for i in range(5000)
            ],
        },
        schema={"supplier_id": pl.Int32, "Land leverancier": pl.String},
    )
    origin_pool = [None] * 60 + [main[i % len(main)] for i in range(30)] + land[:10]
    lines = (
        pl.DataFrame(
            {
                "mat": _pick(n, pool, seed, "mat").cast(pl.Int32),
                "origin": _pick(n, origin_pool, seed + 1, "origin"),
            }
        )
        .lazy()
        .join(n_sizes.lazy(), on="mat")
        .with_columns(
            size=(_uniform(n, seed + 2, 1 << 30) % pl.col("n_sizes")).cast(pl.Int32),
            supplier_id=_uniform(n, seed + 3, 5000).cast(pl.Int32),
            with_hs=_uniform(n, seed + 4, 100) < 50,
            spend=(_uniform(n, seed + 5, 2_000_000) + 500).cast(pl.Float64) / 100,
            quantity=(_uniform(n, seed + 6, 50_000) + 1).cast(pl.Float64) / 10,
            no_spend=_uniform(n, seed + 7, 100) < 2,
            article=pl.when(_uniform(n, seed + 8, 100) < 10).then(
                pl.format(" (art. {})", _uniform(n, seed + 9, 20_000) + 10_000)
            ),
        )
        .join(catalogue.lazy(), on=["mat", "size"], how="left")
        .join(supplier_land.lazy(), on="supplier_id", how="left")
        .select(
            pl.concat_str("Omschrijving", pl.col("article").fill_null("")).alias("Omschrijving"),
            pl.when("with_hs").then("hs").alias("Goederencode"),
            pl.format(
                "Leverancier {} B.V.", pl.col("supplier_id").cast(pl.String).str.zfill(4)
            ).alias("Leverancier"),
            "Land leverancier",
            pl.col("origin").alias("Land van herkomst"),
            pl.col("quantity").alias("Hoeveelheid"),
            pl.when(~pl.col("no_spend")).then("spend").alias("Inkoopwaarde"),
        )
        .collect()
    )
    return lines


# ---------------------------------------------------------------------------------------------
# The reference data
# ---------------------------------------------------------------------------------------------

COMMODITIES = {
    "aluminium": "Aluminium",
    "brass": "Brass",
    "bronze": "Bronze",
    "chromium": "Chromium",
    "cobalt": "Cobalt",
    "copper": "Copper",
    "gold": "Gold",
    "iron": "Iron and steel",
    "lead": "Lead",
    "lithium": "Lithium",
    "manganese": "Manganese",
    "mica": "Mica",
    "molybdenum": "Molybdenum",
    "nickel": "Nickel",
    "silver": "Silver",
    "solder": "Solder",
    "stainless_steel": "Stainless steel",
    "tantalum": "Tantalum",
    "tin": "Tin",
    "tungsten": "Tungsten",
    "zinc": "Zinc",
}

SYNONYMS = {
    "aluminium": ["aluminium", "aluminum", "alu", "aluminium*"],
    "brass": ["messing", "messing*", "brass", "geelkoper"],
    "bronze": ["brons", "brons*", "bronzen", "bronze"],
    "chromium": ["chroom", "chromium", "chrome"],
    "cobalt": ["kobalt", "kobalt*", "cobalt"],
    "copper": ["koper", "koper*", "copper"],
    "gold": ["goud", "goud*", "gold"],
    "iron": [
        "staal",
        "staal*",
        "steel",
        "ijzer",
        "ijzer*",
        "gietijzer",
        "constructiestaal",
        "iron",
        "cast iron",
    ],
    "lead": ["lood", "lood*", "lead"],
    "lithium": ["lithium", "lithium*"],
    "manganese": ["mangaan", "manganese"],
    "mica": ["mica", "mica*", "glimmer"],
    "molybdenum": ["molybdeen", "molybdenum"],
    "nickel": ["nikkel", "nikkel*", "nickel"],
    "silver": ["zilver", "zilver*", "silver"],
    "solder": ["soldeer", "soldeer*", "soldeertin", "solder"],
    "stainless_steel": [
        "rvs",
        "rvs*",
        "inox",
        "roestvast staal",
        "roestvaststaal",
        "roestvrij staal",
        "roestvrijstaal",
        "stainless",
        "stainless steel",
    ],
    "tantalum": ["tantaal", "tantaal*", "tantalum"],
    "tin": ["tin", "tin ingot", "tinsoldeer"],
    "tungsten": ["wolfraam", "wolfraam*", "wolfram", "tungsten"],
    "zinc": ["zink", "zink*", "zinc"],
}

# Typical compositions (mass shares): AISI 304, CW614N free-cutting brass, tin bronze, SnCu1.
COMPOSITIONS = [
    ("stainless_steel", "iron", 0.705),
    ("stainless_steel", "chromium", 0.18),
    ("stainless_steel", "nickel", 0.09),
    ("stainless_steel", "manganese", 0.02),
    ("brass", "copper", 0.58),
    ("brass", "zinc", 0.39),
    ("brass", "lead", 0.03),
    ("bronze", "copper", 0.88),
    ("bronze", "tin", 0.12),
    ("solder", "tin", 0.99),
    ("solder", "copper", 0.01),
]

# HS headings the file maps to a metal ("iron/steel" etc.) → commodity; and subheadings that
# say more than their heading (stainless steel 7218-7223, brass 74x21).
HS_METALS = {
    "iron/steel": "iron",
    "iron": "iron",
    "aluminium (bauxite)": "aluminium",
}
HS_OVERRIDES = {
    **dict.fromkeys(("7218", "7219", "7220", "7221", "7222", "7223"), "stainless_steel"),
    **dict.fromkeys(("740721", "740821", "740921", "741121"), "brass"),
    "720241": "chromium",
    "720249": "chromium",
    "720260": "nickel",
    "720211": "manganese",
    "720219": "manganese",
    "720270": "molybdenum",
    "720280": "tungsten",
    "811221": "chromium",
    "811222": "chromium",
    "811229": "chromium",
    "261610": "silver",
    "261590": "tantalum",
}

# USGS (commodity, type) → (commodity, stage); one type per commodity and stage.
USGS_TYPES = {
    ("Aluminum", "Smelter production, aluminum"): ("aluminium", "smelting_refining"),
    ("Bauxite", "Mine production, bauxite, dry tons"): ("aluminium", "mining"),
    ("Chromium", "Mine production, grosss weight, marketable chromite ore"): (
        "chromium",
        "mining",
    ),
    ("Cobalt", "Mine production, cobalt content, estimated"): ("cobalt", "mining"),
    ("Copper", "Mine production, recoverable copper content"): ("copper", "mining"),
    ("Copper", "Refinery production, copper"): ("copper", "smelting_refining"),
    ("Gold", "mine production, gold content"): ("gold", "mining"),
    ("Iron Ore", "Mine production, iron content"): ("iron", "mining"),
    ("Iron and Steel", "Pig iron"): ("iron", "smelting_refining"),
    ("Lead", "Mine production, lead content"): ("lead", "mining"),
    ("Lithium", "Mine production, lithium content"): ("lithium", "mining"),
    ("Manganese", "Mine production, manganese content"): ("manganese", "mining"),
    ("Mica (Natural)", "Mine production, mica scrap and flake"): ("mica", "mining"),
    ("Molybdenum", "Mine production, molybdenum content"): ("molybdenum", "mining"),
    ("Nickel", "Mine production, nickel content"): ("nickel", "mining"),
    ("Tantalum", "Mine production, tantalum content"): ("tantalum", "mining"),
    ("Tin", "Mine production, tin content"): ("tin", "mining"),
    ("Tungsten", "Mine production, tungsten content"): ("tungsten", "mining"),
    ("Zinc", "Mine production, zinc content"): ("zinc", "mining"),
}

ILAB_GOODS = {
    "Cobalt ore (heterogenite)": "cobalt",
    "Copper": "copper",
    "Gold": "gold",
    "Iron": "iron",
    "Mica": "mica",
    "Silver": "silver",
    "Tantalum ore (coltan)": "tantalum",
    "Tin": "tin",
    "Tin ore (cassiterite)": "tin",
    "Tungsten ore (wolframite)": "tungsten",
    "Zinc": "zinc",
}


def _iso(names: pl.Series) -> dict[str, str | None]:
    return {name: engine.resolve_country(name) for name in names.unique().drop_nulls()}


def production_frame(data: Path = DATA) -> pl.DataFrame:
    """Country shares of world production: value ÷ 'World total (rounded)' of the same
    commodity and type (2023), stripped of the source's untidy spaces."""
    usgs = pl.read_csv(data / "usgs_mcs2025_world_production_metals.csv", infer_schema=False)
    usgs = usgs.select(
        pl.col("COMMODITY").str.strip_chars().alias("usgs_commodity"),
        pl.col("TYPE").str.strip_chars().alias("type"),
        pl.col("COUNTRY").str.strip_chars().alias("country_name"),
        pl.col("PROD_2023").str.strip_chars().cast(pl.Float64, strict=False).alias("value"),
    )
    types = pl.DataFrame(
        [(c, t, commodity, stage) for (c, t), (commodity, stage) in USGS_TYPES.items()],
        schema=["usgs_commodity", "type", "commodity", "stage"],
        orient="row",
    )
    world = usgs.filter(pl.col("country_name") == "World total (rounded)").select(
        "usgs_commodity", "type", world="value"
    )
    rows = (
        usgs.filter(~pl.col("country_name").is_in(["World total (rounded)", "Other Countries"]))
        .drop_nulls("value")
        .join(types, on=["usgs_commodity", "type"])
        .join(world, on=["usgs_commodity", "type"])
        .filter(pl.col("world") > 0)
    )
    codes = _iso(rows["country_name"])
    missing = sorted(k for k, v in codes.items() if v is None)
    if missing:
        raise SystemExit(f"USGS countries without ISO code: {missing}")
    return rows.select(
        "commodity",
        pl.col("country_name").replace_strict(codes, return_dtype=pl.String).alias("country"),
        "stage",
        share=pl.col("value") / pl.col("world"),
        source=pl.format("USGS MCS 2025 ({}, 2023)", pl.col("type")),
    )


def risks_frame(data: Path = DATA) -> pl.DataFrame:
    """ILAB 2022: child and forced labour in the mining of metal goods, per country."""
    ilab = pl.read_csv(data / "ilab_list_of_goods_2022_all.csv", infer_schema=False)
    ilab = ilab.filter(pl.col("Good_Name").is_in(list(ILAB_GOODS))).with_columns(
        commodity=pl.col("Good_Name").replace_strict(ILAB_GOODS)
    )
    codes = _iso(ilab["Country_Name"])
    ilab = ilab.with_columns(
        country=pl.col("Country_Name").replace_strict(codes, return_dtype=pl.String)
    )
    child = ilab.filter(pl.col("Child_Labor") == "Yes").select(
        pl.lit("child_labour").alias("theme"),
        "commodity",
        "country",
        severity=pl.when(pl.col("Forced_Child_Labor") == "Yes").then(4).otherwise(3),
    )
    forced = ilab.filter(pl.col("Forced_Labor") == "Yes").select(
        pl.lit("forced_labour").alias("theme"), "commodity", "country", severity=pl.lit(4)
    )
    return (
        pl.concat([child, forced])
        .with_columns(
            stage=pl.lit("mining"),
            source=pl.lit(
                "US DoL ILAB, List of Goods Produced by Child Labor or Forced Labor, 2022"
            ),
        )
        .unique(["theme", "commodity", "country"], keep="first", maintain_order=True)
    )


def hs_frame(data: Path = DATA) -> pl.DataFrame:
    hs = pl.read_csv(data / "hs2022_metals_chapters.csv", infer_schema=False)
    mapped = hs.filter(pl.col("level").is_in(["4", "6"])).select(
        pl.col("hscode").alias("hs_code"),
        pl.col("covenant_metal_HANDMAPPED").replace(HS_METALS).alias("commodity"),
    )
    mapped = mapped.filter(pl.col("commodity").is_in(list(COMMODITIES)))
    overrides = pl.DataFrame(
        {"hs_code": list(HS_OVERRIDES), "commodity": list(HS_OVERRIDES.values())}
    )
    # the overrides first: Reference keeps the first row of a code
    return pl.concat([overrides, mapped])


def reference(data: Path = DATA) -> engine.Reference:
    wgi = pl.read_csv(data / "worldbank_wgi_2019_2023.csv", infer_schema=False)
    return engine.Reference.build(
        commodities={"commodity": list(COMMODITIES), "name": list(COMMODITIES.values())},
        synonyms=pl.DataFrame(
            [(c, t) for c, texts in SYNONYMS.items() for t in texts],
            schema=["commodity", "text"],
            orient="row",
        ),
        hs_codes=hs_frame(data),
        compositions=pl.DataFrame(
            COMPOSITIONS, schema=["commodity", "component", "share"], orient="row"
        ),
        production=production_frame(data),
        risks=risks_frame(data),
        country_likelihood=engine.likelihood_from_wgi(wgi),
    )


# ---------------------------------------------------------------------------------------------
# The reference query in DuckDB: the same joins and aggregation
# ---------------------------------------------------------------------------------------------

DUCKDB_SQL = """
WITH lines AS (
    SELECT "Omschrijving" AS description, "Goederencode" AS hs_code,
           "Land van herkomst" AS origin, coalesce("Inkoopwaarde", "Hoeveelheid", 0) AS x
    FROM read_csv('{path}', delim=';', decimal_separator=',', header=true, quote='"',
                  columns={{'Omschrijving': 'VARCHAR', 'Goederencode': 'VARCHAR',
                           'Leverancier': 'VARCHAR', 'Land leverancier': 'VARCHAR',
                           'Land van herkomst': 'VARCHAR', 'Hoeveelheid': 'DOUBLE',
                           'Inkoopwaarde': 'DOUBLE'}})
),
total AS (SELECT sum(x) AS total FROM lines),
fine AS (
    SELECT description, hs_code, origin, sum(x) AS exposure, count(*) AS n
    FROM lines GROUP BY ALL
),
hs AS (
    SELECT d.hs_code, coalesce(h6.commodity, h4.commodity) AS commodity
    FROM (SELECT DISTINCT hs_code FROM fine WHERE hs_code IS NOT NULL) d
    LEFT JOIN ref_hs h6 ON h6.hs_code = left(regexp_replace(d.hs_code, '\\D', '', 'g'), 6)
    LEFT JOIN ref_hs h4 ON h4.hs_code = left(regexp_replace(d.hs_code, '\\D', '', 'g'), 4)
),
descs AS (
    SELECT description,
           ' ' || regexp_replace(lower(description), '[^[:alnum:]]+', ' ', 'g') || ' ' AS hay
    FROM (SELECT DISTINCT description FROM fine WHERE description IS NOT NULL)
),
by_desc AS (
    SELECT description, arg_max(commodity, weight) AS commodity
    FROM descs JOIN ref_patterns p ON contains(descs.hay, p.pattern)
    GROUP BY description
),
matched AS (
    -- the HS code's commodity, unless the description names an alloy of it (brass for copper)
    SELECT CASE WHEN alloy.commodity IS NOT NULL THEN by_desc.commodity
                ELSE coalesce(hs.commodity, by_desc.commodity) END AS commodity,
           c.iso AS origin, f.exposure, f.n
    FROM fine f
    LEFT JOIN hs ON hs.hs_code = f.hs_code
    LEFT JOIN by_desc ON by_desc.description = f.description
    LEFT JOIN ref_compositions alloy
      ON alloy.component = hs.commodity AND alloy.commodity = by_desc.commodity
    LEFT JOIN ref_countries c ON c.name = f.origin
),
keys AS (
    SELECT commodity, origin, sum(exposure) AS exposure, sum(n) AS n
    FROM matched WHERE commodity IS NOT NULL GROUP BY ALL
),
expanded AS (
    SELECT k.commodity AS original, coalesce(c.component, k.commodity) AS commodity,
           k.origin, k.exposure * coalesce(c.share, 1) AS exposure, k.n
    FROM keys k LEFT JOIN ref_compositions c ON c.commodity = k.commodity
),
spread AS (
    SELECT original, commodity, origin, origin AS country, NULL AS stage,
           1.0 AS production_share, exposure, n
    FROM expanded WHERE origin IS NOT NULL
    UNION ALL
    SELECT e.original, e.commodity, e.origin, p.country, p.stage, p.share,
           e.exposure * coalesce(p.share, 1), e.n
    FROM expanded e LEFT JOIN ref_production p ON p.commodity = e.commodity
    WHERE e.origin IS NULL
),
joined AS (
    SELECT s.*, r.theme, r.severity, r.stage AS risk_stage, r.source
    FROM spread s JOIN ref_risks r
      ON (r.commodity = s.commodity AND r.country = s.country)
      OR (r.commodity = s.commodity AND r.country IS NULL)
      OR (r.commodity IS NULL AND r.country = s.country)
    WHERE s.stage IS NULL OR r.stage IS NULL OR s.stage = r.stage
)
SELECT j.*, coalesce(l.likelihood, 0.5) AS likelihood,
       j.severity * coalesce(l.likelihood, 0.5) * j.exposure / total.total AS score,
       row_number() OVER (ORDER BY j.severity * coalesce(l.likelihood, 0.5) * j.exposure DESC,
                          j.exposure DESC, j.theme, j.commodity, j.country) AS rank
FROM joined j CROSS JOIN total LEFT JOIN ref_likelihood l ON l.country = j.country
ORDER BY rank
"""


DUCK_TYPES = {pl.Float64: "DOUBLE", pl.Int64: "BIGINT", pl.UInt32: "BIGINT", pl.String: "VARCHAR"}


def duckdb_connection(ref: engine.Reference, folder: Path):
    """A DuckDB connection with the reference tables loaded (set-up, not timed). The query does
    the joins and aggregations only: none of the reader's checks (amounts, countries,
    duplicates) and no line map."""
    import duckdb

    # The generated origins are ISO-2 codes (the names are in the supplier countries, which
    # neither query uses), so the country table is the codes themselves.
    codes = countries_all()
    countries = pl.DataFrame({"name": codes, "iso": codes})
    patterns = engine._synonym_patterns(ref.synonyms).select("pattern", "commodity", "weight")
    tables = {
        "ref_hs": ref.hs_codes,
        "ref_patterns": patterns,
        "ref_countries": countries,
        "ref_compositions": ref.compositions,
        "ref_production": ref.production,
        "ref_risks": ref.risks,
        "ref_likelihood": ref.country_likelihood,
    }
    con = duckdb.connect()
    con.execute("SET threads = 2")
    for name, frame in tables.items():
        path = folder / f"{name}.csv"
        frame.write_csv(path)
        types = ", ".join(
            f"'{column}': '{DUCK_TYPES.get(dtype, 'VARCHAR')}'"
            for column, dtype in frame.schema.items()
        )
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header=true, "
            f"columns={{{types}}})"
        )
    return con


def countries_all() -> list[str]:
    names, _, _ = engine._country_index()
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# The floor: reading and grouping, nothing else
# ---------------------------------------------------------------------------------------------

FLOOR_KEYS = ["Omschrijving", "Goederencode", "Land van herkomst"]


def floor_query(data: bytes) -> pl.DataFrame:
    """The file's lines grouped by (description, HS code, origin): amount and line count. No
    checks, no ids per line, no matching; Polars reads only the columns it needs."""
    amount = pl.coalesce("Inkoopwaarde", "Hoeveelheid").fill_null(0.0)
    return (
        pl.scan_csv(
            data, separator=";", decimal_comma=True, schema_overrides={"Goederencode": pl.String}
        )
        .group_by(FLOOR_KEYS)
        .agg(amount.sum(), pl.len())
        .collect()
    )


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--csv", help="write the generated list here and stop (internal)")
    args = parser.parse_args()

    if args.csv:  # generation runs in a child process, so that its memory is not counted
        start = time.perf_counter()
        lines = generate(args.lines)
        lines.write_csv(args.csv, separator=";", decimal_comma=True, float_precision=2)
        print(f"generated {lines.height:,} lines in {time.perf_counter() - start:.2f} s")
        return

    with tempfile.TemporaryDirectory(prefix="covenant-screening-") as tmp:
        folder = Path(tmp)
        path = folder / "purchases.csv"
        subprocess.run(
            [sys.executable, __file__, "--lines", str(args.lines), "--csv", str(path)], check=True
        )
        print(f"CSV: {path.stat().st_size / 2**20:.0f} MiB")
        ref = reference()
        data = path.read_bytes()
        read_kw = {
            "separator": ";",
            "decimal_comma": True,
            "schema_overrides": {"Goederencode": pl.String},
        }
        # warm up (imports, thread pools, the country index), not measured
        engine.screen_csv(data[: 1 << 20].rsplit(b"\n", 1)[0], ref)
        pl.read_csv(data[: 1 << 20].rsplit(b"\n", 1)[0], **read_kw)
        floor_query(data[: 1 << 20].rsplit(b"\n", 1)[0])

        read_s: list[float] = []
        floor_s: list[float] = []
        screen_s: list[float] = []
        pass_s: list[float] = []
        for _ in range(args.repeat):  # interleaved: both see the same load on the machine
            gc.collect()
            start = time.perf_counter()
            frame = pl.read_csv(data, **read_kw)
            read_s.append(time.perf_counter() - start)
            assert frame.height == args.lines
            del frame
            gc.collect()
            start = time.perf_counter()
            frame = floor_query(data)
            floor_s.append(time.perf_counter() - start)
            del frame
            gc.collect()
            start = time.perf_counter()
            result = engine.screen_csv(data, ref)
            screen_s.append(time.perf_counter() - start)
            pass_s.append(result.timings["pass"])
            assert result.lines == args.lines
        rss_polars = peak_rss_mb()

        con = duckdb_connection(ref, folder)
        sql = DUCKDB_SQL.format(path=path)
        duck_s: list[float] = []
        screen_again: list[float] = []
        for _ in range(args.repeat):
            gc.collect()
            start = time.perf_counter()
            duck = con.execute(sql).fetchall()
            duck_s.append(time.perf_counter() - start)
            gc.collect()
            start = time.perf_counter()
            result = engine.screen_csv(data, ref)
            screen_again.append(time.perf_counter() - start)
        rss_all = peak_rss_mb()

    findings = result.findings
    ours = sorted(
        (r["theme"], r["original_commodity"], r["commodity"], r["country"] or "", r["score"])
        for r in findings.iter_rows(named=True)
    )
    theirs = sorted((r[8], r[0], r[1], r[3] or "", r[-2]) for r in duck)
    agree = len(ours) == len(theirs) and all(
        a[:4] == b[:4] and abs(a[4] - b[4]) <= 1e-9 + 1e-6 * abs(a[4])
        for a, b in zip(ours, theirs, strict=True)
    )
    print(f"read (pl.read_csv):      median {median(read_s):.3f} s  (min {min(read_s):.3f})")
    print(f"screen (screen_csv):     median {median(screen_s):.3f} s  (min {min(screen_s):.3f})")
    print(f"duckdb (same joins):     median {median(duck_s):.3f} s  (min {min(duck_s):.3f})")
    print(f"floor (read + group):    median {median(floor_s):.3f} s  (min {min(floor_s):.3f})")
    print(f"screen (beside duckdb):  median {median(screen_again):.3f} s")
    print(
        f"  of which the pass over the file (parse, aggregate, checks): "
        f"median {median(pass_s):.3f} s; matching, expansion, risks, ranking: "
        f"{median(screen_s) - median(pass_s):.3f} s"
    )
    print(f"DuckDB's findings agree with the engine's: {agree}")
    print(
        f"lines {result.lines:,}, unmatched {result.unmatched.height:,}, "
        f"keys {result.keys.height:,}, findings {findings.height:,} (duckdb {len(duck):,}), "
        f"duplicates {result.report.duplicates:,}"
    )
    top = findings.row(0, named=True)
    print(
        f"top finding: {top['theme']} · {top['commodity']} · {top['country']} "
        f"(from {top['original_commodity']}), score {top['score']:.4f}, "
        f"{len(result.lines_for(top)):,} lines"
    )
    print(f"peak RSS: {rss_polars:.0f} MB after read + screen, {rss_all:.0f} MB with DuckDB")
    summary = {
        "lines": result.lines,
        "read_s": round(median(read_s), 4),
        "screen_s": round(median(screen_s), 4),
        "duckdb_s": round(median(duck_s), 4),
        "ratio_read": round(median(screen_s) / median(read_s), 2),
        "ratio_duckdb": round(median(screen_again) / median(duck_s), 2),
        "floor_s": round(median(floor_s), 4),
        "ratio_floor": round(median(floor_s) / median(read_s), 2),
        "peak_rss_mb": round(rss_polars),
        "peak_rss_with_duckdb_mb": round(rss_all),
        "findings": findings.height,
        "duckdb_findings": len(duck),
        "unmatched": result.unmatched.height,
        "keys": result.keys.height,
        "pass_s": round(median(pass_s), 4),
        "duckdb_agrees": agree,
        "repeat": args.repeat,
        "goals": {
            "ratio_read<=1.5": median(screen_s) / median(read_s) <= 1.5,
            "faster_than_duckdb": median(screen_again) < median(duck_s),
            "peak<=1GiB": rss_polars <= 1024,
        },
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
