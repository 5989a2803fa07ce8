"""The screening engine: purchase lines → ranked, explained risk findings. Pure Python + Polars.

No Django here: the `screening` app stores uploads and findings, the `knowledge` app supplies the
reference frames; this module only computes. Everything is columnar and lazy; Python loops run
over distinct values (countries, descriptions' match keys, reference rows), never per line.

Inputs
------
A purchase list as a LazyFrame with the normalised columns (`PURCHASE_SCHEMA`):

    line (int)  description (str|null)  hs_code (str|null, text: leading zeros kept)
    supplier (str)  supplier_country (ISO-2|null)  origin_country (ISO-2|null)
    quantity (float|null)  spend (float|null)

`read_purchase_csv` makes one from a CSV file; `line` is then the row number as a spreadsheet
shows it (the header is row 1, the first purchase row 2; empty rows are skipped but counted,
a line break inside a quoted cell is not counted).

A `Reference` of small frames (the knowledge base):

    commodities         commodity, name
    synonyms            commodity, text — lower-case match keys (Dutch and English names).
                        A key matches whole words ("rvs", "stainless steel"); a key ending in
                        "*" also matches the start of a word, for Dutch compounds ("koper*"
                        matches "koperdraad"). The longest matching key wins.
    hs_codes            hs_code (text prefix, 4 or 6 digits), commodity — longest prefix wins.
    compositions        commodity (alloy), component, share (0-1, of the alloy's mass)
    production          commodity, country (ISO-2), stage ("mining" | "smelting_refining"),
                        share (0-1 of world production), source
    risks               theme, commodity|null, country|null, stage, severity (1-4), source
    country_likelihood  country (ISO-2), likelihood (0-1); unknown countries get
                        `default_likelihood` (0.5). `likelihood_from_wgi` derives it from the
                        World Bank WGI: the mean of rule of law (rl) and control of corruption
                        (cc), −2.5..+2.5, mapped linearly to 1..0.

Steps (`screen`)
----------------
1. Aggregate first, in the one pass over the lines: group by (description, HS code, origin) —
   categorical, so each is a small integer id and the key is one packed integer — summing
   exposure = spend, or quantity where a line has no spend (mixing the two units is the
   uploader's choice; the report counts lines that have neither). A million lines become as
   many keys as the list has distinct descriptions. Each line keeps its three ids (`line_map`).
2. Match the distinct values, never the lines: each distinct HS code (6, then 4 digits) and
   each distinct description whose HS code did not match (synonyms, with an Aho-Corasick
   search). A line is unmatched when neither matched: the `unmatched` frame, one row per line.
3. Aggregate to (commodity, origin country or null): a few hundred or thousand keys, each with
   its exposure and line count, before any expansion.
4. Expand alloys into components (exposure × share); other commodities are their own component
   at share 1. One level: a component is not expanded again.
5. Spread: a known origin counts at share 1 (stage null: the stated origin, which matches risks
   at any stage; or the stage the file states, such as an RMI template's smelters, whose other
   stages are then spread like an unknown origin's); an unknown origin is spread over world
   production shares per stage (mining, and smelting/refining where the data has it). Each
   stage carries the whole exposure, so exposures add up per stage, not across stages. A
   component without production data keeps one row with country and stage null. Shares of a
   stage sum to less than 1 where the source leaves a residual ("other countries").
6. Join documented risks. A risk matches an exposure row on
   - (commodity, country): the pair;
   - commodity only (risk country null): that commodity in any country, unknown included;
   - country only (risk commodity null): any commodity in that country;
   and in every case on stage: the risk's stage equals the row's stage, or the row's stage is
   null (stated origin) or the risk's stage is null.
7. Score = severity × likelihood(country) × exposure share, where exposure share = the row's
   exposure ÷ the company's total exposure (all lines, matched or not). Rank by score
   (ties: exposure, theme, commodity, country).

Output (`ScreeningResult`)
--------------------------
`findings` (one row per explained chain): rank, score, theme, commodity (the component),
country, stage, severity, likelihood, exposure, exposure_share, risk_source, production_share,
production_source, origin_known, original_commodity (before expansion), component_share,
origin_country, key, line_count. `lines_for(finding)` gives the purchase lines behind a finding
(a findings row, or key ids): `id_keys` maps the matched (description, HS code, origin) ids to
keys, `line_map` holds each line's ids. `exposures`: the spread rows before the risk join (for
mapping pages and the sector map). `unmatched`: line, description, hs_code, origin_country.
`keys`: key, commodity, origin_country, exposure, line_count.

Reading files
-------------
`read_purchase_csv(source)` → (LazyFrame, ReadReport): sniffs the delimiter (comma, semicolon,
tab, pipe), the encoding (a UTF-8 or UTF-16 byte-order mark, else UTF-8, else UTF-16 by its
zero bytes, else Windows-1252), decimal comma or point (and thousands separators), and maps
Dutch or English headers. It validates the whole file and raises `PurchaseFileError(template,
row, column, **params)` for an empty file, a header without lines, binary data or an unknown
encoding, a missing column, a non-numeric or negative amount (with row and column) and an
unknown country (with close matches); duplicate lines are kept and counted. The message is an
English template marked for translation with its parameters: `.message` is the English text,
`.translated()` the text in Django's active language (see `PurchaseFileError`). `screen_csv(source,
reference)` does reading, the same checks and the screening in one pass over the file.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import itertools
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

STAGES = ("mining", "smelting_refining")
DEFAULT_LIKELIHOOD = 0.5
UNKNOWN_COUNTRIES_LISTED = 100  # unknown country values listed for the user to map
PRESELECT = 0.75  # similarity from which the closest country is proposed for a value
OTHER_WHOLE_NAME = 0.85  # a value this close to another country's whole name is not its word's
HS_PREFIXES = (6, 4)
_ENGINE = "auto"  # the pass over the lines: "auto" (in-memory) measured as fast as streaming

PURCHASE_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "description": pl.String(),
    "hs_code": pl.String(),
    "supplier": pl.String(),
    "supplier_country": pl.String(),
    "origin_country": pl.String(),
    "quantity": pl.Float64(),
    "spend": pl.Float64(),
}

REFERENCE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "commodities": {"commodity": pl.String(), "name": pl.String()},
    "synonyms": {"commodity": pl.String(), "text": pl.String()},
    "hs_codes": {"hs_code": pl.String(), "commodity": pl.String()},
    "compositions": {"commodity": pl.String(), "component": pl.String(), "share": pl.Float64()},
    "production": {
        "commodity": pl.String(),
        "country": pl.String(),
        "stage": pl.String(),
        "share": pl.Float64(),
        "source": pl.String(),
    },
    "risks": {
        "theme": pl.String(),
        "commodity": pl.String(),
        "country": pl.String(),
        "stage": pl.String(),
        "severity": pl.Int64(),
        "source": pl.String(),
    },
    "country_likelihood": {"country": pl.String(), "likelihood": pl.Float64()},
}

FrameLike = pl.DataFrame | pl.LazyFrame | Mapping[str, Any] | list[dict[str, Any]]


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------


def _as_frame(name: str, data: FrameLike) -> pl.DataFrame:
    """A reference table as a DataFrame with exactly the columns and types of its schema."""
    schema = REFERENCE_SCHEMAS[name]
    if isinstance(data, pl.LazyFrame):
        data = data.collect()
    elif not isinstance(data, pl.DataFrame):
        data = pl.DataFrame(data) if data else pl.DataFrame(schema=schema)
    missing = [c for c in schema if c not in data.columns]
    if missing:
        raise ValueError(f"reference table {name!r} lacks column(s) {', '.join(missing)}")
    return data.select(pl.col(c).cast(t) for c, t in schema.items())


@dataclass(frozen=True)
class Reference:
    """The knowledge base as small frames (see the module docstring for their columns)."""

    commodities: pl.DataFrame
    synonyms: pl.DataFrame
    hs_codes: pl.DataFrame
    compositions: pl.DataFrame
    production: pl.DataFrame
    risks: pl.DataFrame
    country_likelihood: pl.DataFrame
    default_likelihood: float = DEFAULT_LIKELIHOOD

    @classmethod
    def build(
        cls,
        *,
        commodities: FrameLike,
        synonyms: FrameLike,
        hs_codes: FrameLike,
        compositions: FrameLike,
        production: FrameLike,
        risks: FrameLike,
        country_likelihood: FrameLike,
        default_likelihood: float = DEFAULT_LIKELIHOOD,
    ) -> Reference:
        """Check and normalise the tables: typed columns, trimmed lower-case keys and codes."""
        frames = {
            name: _as_frame(name, data)
            for name, data in {
                "commodities": commodities,
                "synonyms": synonyms,
                "hs_codes": hs_codes,
                "compositions": compositions,
                "production": production,
                "risks": risks,
                "country_likelihood": country_likelihood,
            }.items()
        }
        synonyms_df = (
            frames["synonyms"]
            .with_columns(text=pl.col("text").str.strip_chars().str.to_lowercase())
            .filter(pl.col("text").str.len_chars() > 0)
            .unique(maintain_order=True)
        )
        clash = synonyms_df.group_by("text").agg(pl.col("commodity").n_unique().alias("n"))
        clash = clash.filter(pl.col("n") > 1)
        if clash.height:
            raise ValueError(
                "synonym(s) name more than one commodity: " + ", ".join(clash["text"].sort())
            )
        hs = (
            frames["hs_codes"]
            .with_columns(hs_code=pl.col("hs_code").str.replace_all(r"\D", ""))
            .filter(pl.col("hs_code").str.len_chars().is_in(list(HS_PREFIXES)))
            .unique(subset="hs_code", keep="first", maintain_order=True)
        )
        stages = set(frames["production"]["stage"].drop_nulls().unique())
        if stages - set(STAGES):
            raise ValueError(f"unknown production stage(s): {sorted(stages - set(STAGES))}")
        severities = frames["risks"]["severity"]
        if severities.null_count() or not severities.is_between(1, 4).all():
            raise ValueError("risk severity must be 1 to 4")
        return cls(
            commodities=frames["commodities"],
            synonyms=synonyms_df,
            hs_codes=hs,
            compositions=frames["compositions"],
            production=frames["production"],
            risks=frames["risks"],
            country_likelihood=frames["country_likelihood"].unique(
                subset="country", keep="first", maintain_order=True
            ),
            default_likelihood=default_likelihood,
        )


def likelihood_from_governance(rule_of_law: pl.Expr, control_of_corruption: pl.Expr) -> pl.Expr:
    """Likelihood 0-1 from two WGI estimates (−2.5 weak … +2.5 strong): mean, mapped to 1..0."""
    mean = (rule_of_law + control_of_corruption) / 2
    return ((2.5 - mean) / 5).clip(0.0, 1.0)


# The World Bank's own codes that are not ISO 3166-1 alpha-3.
WORLD_BANK_CODES = {"ZAR": "CD", "ROM": "RO", "ADO": "AD", "TMP": "TL", "KSV": "XK", "WBG": "PS"}


def likelihood_from_wgi(wgi: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """`country_likelihood` from the WGI in its long form (code, year, indicator, estimate).

    Per country the latest year with both rule of law (rl) and control of corruption (cc);
    missing estimates are written ".." in the source. Codes are ISO-3 or the World Bank's own.
    """
    long = (
        wgi.lazy()
        .filter(pl.col("indicator").is_in(["rl", "cc"]))
        .select(
            pl.col("code").cast(pl.String).str.strip_chars(),
            pl.col("year").cast(pl.Int64, strict=False),
            pl.col("indicator"),
            pl.col("estimate").cast(pl.String).cast(pl.Float64, strict=False),
        )
        .drop_nulls()
        .collect()
    )
    wide = long.pivot(on="indicator", index=["code", "year"], values="estimate").drop_nulls(
        ["rl", "cc"]
    )
    latest = wide.sort("year").group_by("code").last()
    codes = {code: resolve_country(code) for code in latest["code"].to_list()}
    return (
        latest.with_columns(
            country=pl.col("code").replace_strict(codes, default=None, return_dtype=pl.String)
        )
        .drop_nulls("country")
        .select("country", likelihood=likelihood_from_governance(pl.col("rl"), pl.col("cc")))
        .unique(subset="country", keep="first")
        .sort("country")
    )


# ---------------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------------

OTHER_LANGUAGES = ("de", "fr", "es", "pt", "it")
# Names that stand for more than one country: asked, never guessed ("Congo" in a metals list
# is more often DR Congo than the Republic of the Congo that ISO calls "Congo").
AMBIGUOUS_COUNTRIES = {
    "congo": ("CD", "CG"),
    "kongo": ("CD", "CG"),
    "korea": ("KR", "KP"),
    "corea": ("KR", "KP"),
    "coree": ("KR", "KP"),
}
COUNTRY_ALIASES = {
    # USGS, ILAB, WGI and common Dutch and English usage that the ISO names miss
    "burma": "MM",
    "congo kinshasa": "CD",
    "congo democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "dr congo": "CD",
    "d r congo": "CD",
    "drc": "CD",
    "congo drc": "CD",
    "congo dr": "CD",
    "dr of the congo": "CD",
    "dem rep congo": "CD",
    "democratic republic of congo": "CD",
    "congo democratic republic": "CD",
    "democratische republiek congo": "CD",
    "rd congo": "CD",
    "rdc": "CD",
    "zaire": "CD",
    "congo brazzaville": "CG",
    "republic of the congo": "CG",
    "republic of congo": "CG",
    "congo republic": "CG",
    "republiek congo": "CG",
    "korea north": "KP",
    "north korea": "KP",
    "noord korea": "KP",
    "korea south": "KR",
    "south korea": "KR",
    "korea republic of": "KR",
    "republic of korea": "KR",
    "republic of china": "TW",
    "chinese taipei": "TW",
    # Taiwan's state name in the other languages read ("Volksrepublik China" is the PRC)
    "republiek china": "TW",
    "republik china": "TW",
    "republique de chine": "TW",
    "republica de china": "TW",
    "repubblica di cina": "TW",
    "p r china": "CN",
    "pr china": "CN",
    "prc": "CN",
    "hong kong sar": "HK",
    "peoples republic of china": "CN",
    "people s rep of china": "CN",
    "china p r": "CN",
    "china prc": "CN",
    "virgin islands uk": "VG",
    "virgin islands gb": "VG",
    "virgin islands us": "VI",
    "zuid korea": "KR",
    "russia": "RU",
    "rusland": "RU",
    "laos": "LA",
    "iran": "IR",
    "vietnam": "VN",
    "turkey": "TR",
    "turkije": "TR",
    "turkiye": "TR",
    "bolivia": "BO",
    "tanzania": "TZ",
    "venezuela": "VE",
    "syria": "SY",
    "moldova": "MD",
    "taiwan": "TW",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "czech republic": "CZ",
    "tsjechie": "CZ",
    "macedonia": "MK",
    "holland": "NL",
    "the netherlands": "NL",
    "usa": "US",
    "u s a": "US",
    "united states of america": "US",
    "verenigde staten": "US",
    "vs": "US",
    "uk": "GB",
    "vk": "GB",  # Verenigd Koninkrijk, as "VS" is the Verenigde Staten
    "great britain": "GB",
    "england": "GB",
    "verenigd koninkrijk": "GB",
    "groot brittannie": "GB",
    "engeland": "GB",
    "el": "GR",
    "kosovo": "XK",
    "west bank and gaza": "PS",
    "palestine": "PS",
    "eswatini": "SZ",
    "swaziland": "SZ",
    "cape verde": "CV",
    "east timor": "TL",
    "micronesia": "FM",
    "brunei": "BN",
    "vatican": "VA",
    # the World Bank's names (WGI, World Development Indicators)
    "congo dem rep": "CD",
    "congo rep": "CG",
    "korea rep": "KR",
    "korea dem people s rep": "KP",
    "egypt arab rep": "EG",
    "iran islamic rep": "IR",
    "venezuela rb": "VE",
    "yemen rep": "YE",
    "gambia the": "GM",
    "the gambia": "GM",
    "bahamas the": "BS",
    "the bahamas": "BS",
    "lao pdr": "LA",
    "micronesia fed sts": "FM",
    "hong kong sar china": "HK",
    "macao sar china": "MO",
    "st lucia": "LC",
    "st kitts and nevis": "KN",
    "st vincent and the grenadines": "VC",
}


def _name_key(text: str) -> str:
    """Lower case without accents, punctuation as single spaces ('Côte d’Ivoire' → 'cote d
    ivoire')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


@functools.cache
def _country_index() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(ISO-2 → English name, ISO-3 → ISO-2, name key → ISO-2), from pycountry (with Dutch names)
    or, where it is not installed, from django-countries' list."""
    names: dict[str, str] = {}
    alpha3: dict[str, str] = {}
    keys: dict[str, str] = {}
    try:
        import gettext

        import pycountry

        def names_in(language: str) -> gettext.NullTranslations:
            try:
                return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [language])
            except OSError:  # pragma: no cover - translations missing from the package
                return gettext.NullTranslations()

        dutch = names_in("nl")
        for c in pycountry.countries:
            names[c.alpha_2] = getattr(c, "common_name", None) or c.name
            alpha3[c.alpha_3] = c.alpha_2
            for name in (
                c.name,
                getattr(c, "common_name", None),
                getattr(c, "official_name", None),
                dutch.gettext(c.name),
            ):
                if name:
                    keys.setdefault(_name_key(name), c.alpha_2)
            # the form of many official names ("Republic of Rwanda"; the aliases below say
            # which of China, Congo and Korea it is)
            if "," not in c.name:
                keys.setdefault(f"republic of {_name_key(c.name)}", c.alpha_2)
            # "Falkland Islands (Malvinas)" as "Falkland Islands"; "Virgin Islands, British"
            # as "British Virgin Islands"
            if "(" in c.name:
                keys.setdefault(_name_key(c.name.split("(")[0]), c.alpha_2)
            if ", " in c.name:
                first, _sep, rest = c.name.partition(", ")
                keys.setdefault(_name_key(f"{rest} {first}"), c.alpha_2)
        # the languages of a supplier's RMI template and of European exports, after English
        # and Dutch ("Deutschland", "Allemagne", "Alemania")
        for language in OTHER_LANGUAGES:
            translated = names_in(language)
            for c in pycountry.countries:
                key = _name_key(translated.gettext(c.name))
                if key:
                    keys.setdefault(key, c.alpha_2)
    except ImportError:  # pragma: no cover - exercised only without pycountry
        from django_countries.data import COUNTRIES

        for code, name in COUNTRIES.items():
            text = getattr(name, "_args", [name])[0] if not isinstance(name, str) else name
            names[code] = str(text)
            keys.setdefault(_name_key(str(text)), code)
    names.setdefault("XK", "Kosovo")
    for key, code in COUNTRY_ALIASES.items():
        keys[key] = code
    for key in AMBIGUOUS_COUNTRIES:
        keys.pop(key, None)
    return names, alpha3, keys


@functools.cache
def resolve_country(value: str | None) -> str | None:
    """ISO-2 for an ISO-2 or ISO-3 code or a country name in English or Dutch; else None."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    names, alpha3, keys = _country_index()
    upper = text.upper()
    if len(upper) == 2 and upper in names:
        return upper
    if len(upper) == 3 and upper.isalpha():
        code = alpha3.get(upper) or WORLD_BANK_CODES.get(upper)
        if code:
            return code
    return keys.get(_name_key(text))


# words that many countries' official names share, in the languages read (see
# OTHER_LANGUAGES): compared, they made "Republic of Korea" "Republic of Kenya" (0.88 alike),
# "Republic of Rwanda" Uganda and "République de Corée" Congo
_STATE_WORDS = frozenset((
    "the", "of", "republic", "rep", "kingdom", "democratic", "dem", "people", "peoples",
    "federal", "fed", "federation", "state", "plurinational", "islamic", "socialist",
    "bolivarian", "principality", "sultanate", "commonwealth", "popular", "arab",
    # Dutch, German, French, Spanish, Portuguese and Italian forms and articles
    "republiek", "democratische", "volksrepubliek", "koninkrijk", "federale", "van", "het",
    "republik", "demokratische", "volksrepublik", "bundesrepublik", "konigreich", "der",
    "republique", "democratique", "populaire", "royaume", "de", "du", "des", "la", "le",
    "les", "d", "l", "republica", "democratica", "reino", "del", "el", "los", "da", "do",
    "repubblica", "democratica", "popolare", "regno", "di", "della", "dello",
))  # fmt: skip
# abbreviations of a value, written out before it is compared ("S. Sudan", "Virgin Isl.")
_ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "isl": "islands", "isls": "islands", "is": "islands",
    "eq": "equatorial", "s": "south", "n": "north", "rep": "republic",
}  # fmt: skip
# the longer ones, also when mistyped ("repblic", "federaton")
_LONG_STATE_WORDS = [w for w in _STATE_WORDS if len(w) >= 6]
# the words that make a state's form; the others above (articles, "of", "people", "state")
# come with them, and alone make no form: "La Libertad" and "Niger State" are regions
_FORM_WORDS = _STATE_WORDS - frozenset((
    "the", "of", "people", "peoples", "state", "arab", "van", "het", "der", "de", "du", "des",
    "d", "l", "la", "le", "les", "del", "el", "los", "da", "do", "di", "della", "dello",
))  # fmt: skip
_LONG_FORM_WORDS = [w for w in _FORM_WORDS if len(w) >= 6]


def _is_one_of(word: str, words: frozenset[str], long_words: list[str]) -> bool:
    """Whether the word is one of `words`, or one of the longer ones mistyped."""
    return word in words or (
        len(word) >= 5 and bool(difflib.get_close_matches(word, long_words, 1, 0.85))
    )


@functools.cache
def _is_state_word(word: str) -> bool:
    return _is_one_of(word, _STATE_WORDS, _LONG_STATE_WORDS)


@functools.cache
def _is_form_word(word: str) -> bool:
    return _is_one_of(word, _FORM_WORDS, _LONG_FORM_WORDS)


def _in_state_form(key: str) -> bool:
    """Whether the words a value loses without its state's form make one: a form word
    ("republic", "koninkrijk", also mistyped) with its articles; not "state" (the states of
    Nigeria and the US), nor articles alone ("La Libertad", "Los Lagos")."""
    dropped = [w for w in key.split() if _is_state_word(w)]
    return "state" not in dropped and any(_is_form_word(w) for w in dropped)


def _written_out(key: str) -> str:
    """A value's name key with its abbreviations written out ("s sudan" → "south sudan")."""
    key = f" {key} ".replace(" u s ", " united states ")
    return " ".join(_ABBREVIATIONS.get(w, w) for w in key.split())


def _distinctive(key: str) -> str:
    """A name key without the words of a state's form ("republic of korea" → "korea")."""
    key = f" {key} ".replace(" people s ", " people ")
    return " ".join(w for w in key.split() if not _is_state_word(w)) or key.strip()


@functools.cache
def _whole_index() -> dict[str, tuple[str, ...]]:
    """Name key → its ISO-2 code, as `_ranked` takes them."""
    _names, _, keys = _country_index()
    return {name: (code,) for name, code in keys.items()}


@functools.cache
def _distinctive_index() -> dict[str, tuple[str, ...]]:
    """Distinctive name → the ISO-2 codes it names (two for "korea" and "congo")."""
    _names, _, keys = _country_index()
    index: dict[str, set[str]] = {}
    for key, code in keys.items():
        index.setdefault(_distinctive(key), set()).add(code)
    return {name: tuple(sorted(codes)) for name, codes in index.items()}


def _ranked(word: str, index: Mapping[str, Sequence[str]], n: int) -> list[tuple[str, float]]:
    """(ISO-2, similarity) of the names in `index` closest to `word`, closest first; a name
    of two countries counts below PRESELECT for both."""
    out: dict[str, float] = {}
    for name in difflib.get_close_matches(word, list(index), n=n * 3, cutoff=0.6):
        score = difflib.SequenceMatcher(None, word, name).ratio()
        if len(index[name]) > 1:
            score = min(score, PRESELECT / 2)
        for code in index[name]:
            out[code] = max(out.get(code, 0.0), score)
    return sorted(out.items(), key=lambda item: -item[1])


# codes a name of two countries stands for: never preselected by a likeness of names
_SHARED_CODES = frozenset(code for codes in AMBIGUOUS_COUNTRIES.values() for code in codes)


# the words of a region's kind, in the languages read and in ISO 3166-2's own names, left
# out (with an "of" after them) where a value is compared with the regions' names ("Lagos
# State", "Provincia de Potosí", "Yunnan Sheng", "Adygeya, Respublika", "Department of La
# Paz")
_REGION_KINDS = frozenset((
    "state", "province", "region", "department", "district", "county", "prefecture",
    "governorate", "territory", "municipality", "staat", "deelstaat", "provincie", "regio",
    "departement", "gewest", "bundesland", "bundesstaat", "provinz", "bezirk", "etat",
    "estado", "provincia", "departamento", "regione", "sheng", "zizhiqu", "oblast", "okrug",
    "kraj", "kray", "respublika",
))  # fmt: skip
_OF = frozenset(("of", "van", "der", "des", "de", "du", "d", "del", "da", "do", "di", "della"))
# the words of names many countries give a region ("Northern Province", "Central Region"):
# such a name is asked, never taken for one country's region
_GENERIC_REGION_WORDS = frozenset((
    "north", "northern", "south", "southern", "east", "eastern", "west", "western", "central",
    "centre", "center", "capital", "upper", "lower", "coast", "coastal", "nord", "sud", "est",
    "ouest", "noord", "zuid", "oost", "norte", "sur", "este", "oeste", "centro", "city",
))  # fmt: skip


# regions of the metals' supply chains by the names a purchase list gives them that ISO 3166-2
# does not: former provinces ("Katanga", "Shaba") and English names ("Inner Mongolia")
REGION_NAMES = {
    "katanga": "CD", "shaba": "CD", "kivu": "CD", "kolwezi": "CD", "lubumbashi": "CD",
    "styria": "AT", "inner mongolia": "CN", "guangxi": "CN", "tibet": "CN", "xinjiang": "CN",
    "siberia": "RU", "norilsk": "RU", "pilbara": "AU", "witwatersrand": "ZA",
    "bushveld": "ZA",
}  # fmt: skip
_PARTS = re.compile(r"[,;()/]| - ")  # "Potosí, Bolivia", "Styria (Austria)", "Kolwezi - DRC"


def _region_key(key: str) -> str:
    """A name key without the words of a region's kind ("provincia de potosi" → "potosi")."""
    words: list[str] = []
    after_kind = False
    for word in key.split():
        if word in _REGION_KINDS or (after_kind and word in _OF):
            after_kind = True
            continue
        after_kind = False
        words.append(word)
    return " ".join(words)


# ISO 3166-2 lists these territories as subdivisions of another country; each has a code of
# its own, which a value naming one means ("Taiwan Sheng", "Bonaire", "La Réunion")
_OWN_CODES = {
    "CN-TW": "TW", "CN-HK": "HK", "CN-MO": "MO", "FI-01": "AX", "NO-21": "SJ", "NO-22": "SJ",
    "FR-971": "GP", "FR-972": "MQ", "FR-973": "GF", "FR-974": "RE", "FR-976": "YT",
    "FR-BL": "BL", "FR-MF": "MF", "FR-NC": "NC", "FR-PF": "PF", "FR-PM": "PM", "FR-TF": "TF",
    "FR-WF": "WF", "NL-AW": "AW", "NL-CW": "CW", "NL-SX": "SX", "NL-BQ1": "BQ", "NL-BQ2": "BQ",
    "NL-BQ3": "BQ", "US-PR": "PR", "US-GU": "GU", "US-VI": "VI", "US-AS": "AS", "US-MP": "MP",
    "US-UM": "UM",
}  # fmt: skip


@functools.cache
def _region_index() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(whole, bare): a region's name key (ISO 3166-2's subdivisions, in their own names and
    in English, Dutch and the other languages read, and `REGION_NAMES`), whole and without
    the words of its kind ("los lagos", "lagos"), → the ISO-2 codes of the countries with a
    region of that name (a territory with a code of its own, its code: `_OWN_CODES`). A bare
    key of words many countries give a region ("northern", "north west") is left out."""
    try:
        import gettext

        import pycountry
    except ImportError:  # pragma: no cover - exercised only without pycountry
        return {}, {}
    languages = [gettext.NullTranslations()] + [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, [language], fallback=True)
        for language in ("en", "nl", *OTHER_LANGUAGES)
    ]
    whole: dict[str, set[str]] = {}
    bare: dict[str, set[str]] = {}
    for region in pycountry.subdivisions:
        code = _OWN_CODES.get(region.code, region.country_code)
        for name in {language.gettext(region.name) for language in languages}:
            key = _name_key(name.split("(")[0])  # "Guyane (française)"
            if len(key) >= 4:
                whole.setdefault(key, set()).add(code)
            if len(short := _region_key(key)) >= 4 and not _generic(short):
                bare.setdefault(short, set()).add(code)
    for text, code in REGION_NAMES.items():
        whole.setdefault(text, set()).add(code)
    return (
        {text: tuple(sorted(codes)) for text, codes in whole.items()},
        {text: tuple(sorted(codes)) for text, codes in bare.items()},
    )


def _generic(key: str) -> bool:
    """Whether a name is only words that many countries' regions, or states, have."""
    return all(w in _GENERIC_REGION_WORDS or w in _STATE_WORDS for w in key.split())


def _regions_of(value: str) -> tuple[str, ...]:
    """The ISO-2 codes of the countries with a region of the value's name ("Lagos State":
    Nigeria; "Bolívar": Colombia, Ecuador, Venezuela; "Los Lagos" only Chile: a whole name
    is looked up before one without its kind); () for none, for a direction alone ("Nord",
    "South"), and for a name of such words that several countries give a region ("Northern
    Province"; not "Northern Territory", Australia's alone)."""
    whole, bare = _region_index()
    key = _name_key(value)
    short = _region_key(key)
    found = whole.get(key) or whole.get(short) or bare.get(short, ())
    return () if _generic(key) or (len(found) > 1 and _generic(short)) else found


def _close_countries(value: str, n: int = 3) -> list[tuple[str, float]]:
    """`_close_by_name`, where the value names no country, and with what its parts name:
    - a region and its country ("Potosí, Bolivia", "Katanga, DRC"): that country, preselected;
    - a region alone ("Lualaba", "Provincia de Potosí", "Bolívar"): the countries with a
      region of that name first, and a country of that name ("Niger State"), never
      preselected: ISO's regions include districts and councils whose names mean more
      elsewhere ("Santiago", "Gulf", "Sahel"), and some are a letter off a country ("Oran");
    - a region beside a name two countries share, one of them the region's ("Lualaba,
      Congo"): that one, preselected;
    - another country beside one ("Georgia, USA", "Taiwan Sheng, China"): both, asked.
    At most `n` countries, or those of the region and one more."""
    close = _close_by_name(value, n)
    if close and close[0][1] == 1.0:  # a country's own name
        return close

    def ahead(codes: Sequence[str], score: float) -> list[tuple[str, float]]:
        others = [(code, min(s, PRESELECT / 2)) for code, s in close if code not in codes]
        return [(code, score) for code in codes] + others[: max(n - len(codes), 1)]

    parts = [part for part in _PARTS.split(value) if part.strip()]
    named = {resolve_country(part) for part in parts} - {None}
    if len(parts) > 1 and len(named) == 1:
        country = named.pop()
        regions = [_regions_of(part) for part in parts if not resolve_country(part)]
        if all(country in found for found in regions):
            return ahead([country], 1.0)
        elsewhere = [code for found in regions for code in found if code != country]
        if not elsewhere and close and close[0][0] == country and close[0][1] >= PRESELECT:
            return close  # as close whole ("Germany, Fed. Rep.")
        return ahead([country, *dict.fromkeys(elsewhere)], PRESELECT / 2)
    if len(named) > 1:
        return ahead(sorted(named), PRESELECT / 2)
    if len(parts) > 1:  # no part a country's own name: a region beside a name two share?
        found = list(dict.fromkeys(c for part in parts for c in _regions_of(part)))
        shared = {c for part in parts for c in AMBIGUOUS_COUNTRIES.get(_name_key(part), ())}
        if agreed := [code for code in found if code in shared]:  # "Lualaba, Congo"
            return ahead(agreed, 1.0 if len(agreed) == 1 else PRESELECT / 2)
        if found and close and close[0][0] in found and close[0][1] >= PRESELECT:
            return close  # a name with a comma of its own ("Saint Helena, Ascension and …")
        if found:
            return ahead(found, PRESELECT / 2)
    if regions := _regions_of(value):
        also = resolve_country(_region_key(_name_key(value)))  # "Niger State": Niger too
        return ahead([*regions, *([also] if also and also not in regions else [])], PRESELECT / 2)
    return close


def unknown_country(value: str, field: str, column: str, row: int) -> dict[str, Any]:
    """An unknown country value as the user maps it: where it first is, the close countries
    (ISO-2; `regions` those with a region of its name), and the one preselected: only a
    near-certain match ("Duitsladn", "Potosí, Bolivia"), never a guess ("EU" → Peru)."""
    close = _close_countries(value)
    regions = {code for text in {value, *_PARTS.split(value)} for code in _regions_of(text)}
    if named := {resolve_country(part) for part in _PARTS.split(value)} - {None}:
        regions &= named  # "Santiago, Chile": no region of Chile's, the Dominican Republic's
    return {
        "value": value,
        "field": field,
        "column": column,
        "row": row,
        "suggestions": [code for code, _ratio in close],
        "regions": [code for code, _ratio in close if code in regions],
        "preselect": close[0][0] if close and close[0][1] >= PRESELECT else None,
    }


def _close_by_name(value: str, n: int = 3) -> list[tuple[str, float]]:
    """(ISO-2, similarity 0-1) of close matches for an unknown country, closest first.

    Names are compared twice: whole, and without the words of a state's form ("Republic of
    Korea" is as close to "Republic of Kenya" whole as "Rwanda" is to "Uganda" without).
    A country's own name in a state's form ("République du Kenya") is preselected unless the
    whole value is another country's name but for a letter or two; a name only close to one
    is preselected where it is clearly ahead of the next and the whole comparison does not put
    another country first. Never a country of a name two share ("Congo", "Korea"): the user
    chooses."""
    _names, _, keys = _country_index()
    key = _written_out(_name_key(value))
    if key in keys:  # a known name once written out ("Virgin Isl. (UK)")
        return [(keys[key], 1.0)]
    index = _distinctive_index()
    word = _distinctive(key)
    shared = AMBIGUOUS_COUNTRIES.get(word) or (index[word] if len(index.get(word, ())) > 1 else ())
    if shared:  # "Congo Republc", "Republik Kongo": the state's form told them apart
        return [(code, PRESELECT / 2) for code in shared]
    in_form = _in_state_form(key)
    named = index.get(word, ())

    def whole_names() -> list[tuple[str, float]]:
        # also turned at its comma, as the index holds such names ("Niger, Federal Rep." is
        # as "Federal Republic of Nigeria" but for two letters)
        first, comma, rest = value.partition(",")
        turned = _written_out(_name_key(f"{rest} {first}")) if comma else ""
        best: dict[str, float] = {}
        for text in filter(None, (key, turned)):
            for code, score in _ranked(text, _whole_index(), n):
                best[code] = max(best.get(code, 0.0), score)
        return sorted(best.items(), key=lambda item: -item[1])

    if in_form and len(named) == 1 and named[0] not in _SHARED_CODES:
        # the name itself, in a state's form of any language ("République du Kenya", "Rep.
        # Chile"), unless that form makes the whole another country's name but for a letter
        # ("Islamic Republic of Iraq" is Iran's)
        whole = whole_names()
        if not whole or whole[0][0] == named[0] or whole[0][1] < OTHER_WHOLE_NAME:
            others = [(code, min(score, PRESELECT / 2)) for code, score in whole]
            return [(named[0], 1.0)] + [item for item in others if item[0] != named[0]][: n - 1]
    by_word = _ranked(word, index, n + 2)
    # the whole names only decide whether the closest is preselected
    clear = (
        bool(by_word)
        and by_word[0][1] >= PRESELECT
        and by_word[0][0] not in _SHARED_CODES
        and all(score <= by_word[0][1] - 0.1 for _code, score in by_word[1:2])
    )
    whole = whole_names() if clear or len(by_word) < n else []
    if clear and in_form and by_word[0][1] > 0.82:  # a letter off a name of six or more:
        # the whole comparison only must not put another country first
        clear = not whole or whole[0][0] == by_word[0][0] or whole[0][1] < PRESELECT
    elif clear:  # it must agree
        clear = bool(whole) and whole[0][0] == by_word[0][0] and whole[0][1] >= PRESELECT
    listed = dict(by_word)
    ranked = (by_word + [(code, score) for code, score in whole if code not in listed])[:n]
    if not clear:
        ranked = [(code, min(score, PRESELECT / 2)) for code, score in ranked]
    return ranked


def _country_labels(codes: list[str]) -> list[str]:
    """ISO-2 codes as 'Name (XX)'."""
    names, _, _keys = _country_index()
    return [f"{names.get(c, c)} ({c})" for c in codes]


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


_PUNCTUATION = list(",.;:/\\-_+()[]{}'\"!?#&*=<>|%$€@~`^–—‘’‚“”„×°·®™")
# a line break in a cell (Alt+Enter in Excel), tabs, no-break and thin spaces separate words
_SPACES = list("\t\n\r\v\f\u00a0\u2007\u2009\u202f\u3000")


def _match_text(expr: pl.Expr) -> pl.Expr:
    """' lower case words separated by spaces ' — the haystack for synonym keys. Punctuation
    becomes a space (Aho-Corasick, several times faster than a Unicode regex)."""
    separators = _PUNCTUATION + _SPACES
    words = (
        expr.str.to_lowercase()
        .str.replace_many(separators, [" "] * len(separators))
        .str.replace_all(" {2,}", " ")
    )
    return pl.concat_str(pl.lit(" "), words, pl.lit(" "))


def _synonym_patterns(synonyms: pl.DataFrame) -> pl.DataFrame:
    """pattern, commodity, text, weight: ' key ' for whole words, ' key' for a prefix ('key*')."""
    prefix = pl.col("text").str.ends_with("*")
    words = (
        pl.col("text")
        .str.strip_suffix("*")
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
    )
    return (
        synonyms.with_columns(words=words, prefix=prefix)
        .filter(pl.col("words").str.len_chars() > 0)
        .select(
            pattern=pl.when("prefix")
            .then(pl.concat_str(pl.lit(" "), "words"))
            .otherwise(pl.concat_str(pl.lit(" "), "words", pl.lit(" "))),
            commodity="commodity",
            text="text",
            # the longest key wins; a whole word beats a prefix of the same length
            weight=pl.col("words").str.len_chars() * 2 + (~pl.col("prefix")).cast(pl.Int64),
        )
        .unique(subset="pattern", keep="first", maintain_order=True)
    )


def match_descriptions(descriptions: pl.Series, reference: Reference) -> pl.DataFrame:
    """description, commodity, matched_on (the synonym) for each distinct description."""
    frame = pl.DataFrame({"description": descriptions.cast(pl.String)}).unique().drop_nulls()
    return _match_distinct(frame, reference)


def _match_distinct(frame: pl.DataFrame, reference: Reference) -> pl.DataFrame:
    """`match_descriptions` for a frame with distinct, non-null descriptions (and any other
    columns, kept)."""
    patterns = _synonym_patterns(reference.synonyms)
    if not patterns.height or not frame.height:
        return frame.with_columns(
            commodity=pl.lit(None, pl.String), matched_on=pl.lit(None, pl.String)
        )
    keys = patterns["pattern"]
    found = pl.col("_found")
    # the key of the largest weight wins; of equal weights, the one found first
    weight = pl.element().replace_strict(keys, patterns["weight"])
    return (
        frame.lazy()
        .with_columns(
            _found=_match_text(pl.col("description")).str.extract_many(
                keys.to_list(), overlapping=True
            )
        )
        .with_columns(_best=found.list.get(found.list.eval(weight).list.arg_max()))
        .with_columns(
            commodity=pl.col("_best").replace_strict(keys, patterns["commodity"], default=None),
            matched_on=pl.col("_best").replace_strict(keys, patterns["text"], default=None),
        )
        .drop("_found", "_best")
        # the streaming engine spreads the string work over the cores
        .collect(engine="streaming")
    )


def match_hs_codes(codes: pl.Series, reference: Reference) -> pl.DataFrame:
    """hs_code, commodity, matched_on (the prefix) for each distinct code: digits only (dots
    and spaces dropped), the longest prefix in the reference wins (6, then 4 digits)."""
    frame = pl.DataFrame({"hs_code": codes.cast(pl.String)}).unique().drop_nulls()
    digits = pl.col("hs_code").str.replace_all(r"\D", "")
    out = frame.lazy().with_columns(_hs=pl.when(digits.str.len_chars() >= 4).then(digits))
    for n in HS_PREFIXES:
        out = out.join(
            reference.hs_codes.lazy()
            .filter(pl.col("hs_code").str.len_chars() == n)
            .select(pl.col("hs_code").alias(f"_p{n}"), pl.col("commodity").alias(f"_c{n}")),
            left_on=pl.col("_hs").str.slice(0, n),
            right_on=f"_p{n}",
            how="left",
        )
    return out.select(
        "hs_code",
        commodity=pl.coalesce(*(pl.col(f"_c{n}") for n in HS_PREFIXES)),
        matched_on=pl.coalesce(
            *(
                pl.when(pl.col(f"_c{n}").is_not_null()).then(pl.col("_hs").str.slice(0, n))
                for n in HS_PREFIXES
            )
        ),
    ).collect()


# (the HS code's, the description's) commodity where the description says more than the
# code beside the compositions: "RVS buis" under 7306, tubes of iron or steel, is stainless
_REFINEMENTS = ("steel\x00stainless-steel",)


def _refines(general: pl.Expr, specific: pl.Expr, reference: Reference) -> pl.Expr:
    """Whether the description's commodity (`specific`) is an alloy of the HS code's
    (`general`): "Messing fittingen" under 7412, copper fittings, is brass, copper and zinc;
    "RVS buis" under 7306, steel tubes, is stainless steel (`_REFINEMENTS`)."""
    pairs = reference.compositions.select(
        pl.concat_str("component", pl.lit("\x00"), "commodity").alias("pair")
    )["pair"].extend(pl.Series([*_REFINEMENTS]))
    return pl.concat_str(general, pl.lit("\x00"), specific).is_in(pairs.implode()).fill_null(False)


def match_commodities(frame: pl.DataFrame | pl.LazyFrame, reference: Reference) -> pl.DataFrame:
    """Add commodity, matched_by ("hs_code" | "description" | null) and matched_on to a frame
    with description and hs_code: the HS code first, else the description; the description
    where it names an alloy of the code's metal (`_refines`). Each distinct description and
    code is matched once."""
    df = frame.lazy().collect()
    by_hs = match_hs_codes(df["hs_code"], reference).rename(
        {"commodity": "_hs_c", "matched_on": "_hs_on"}
    )
    by_desc = match_descriptions(df["description"], reference).rename(
        {"commodity": "_d_c", "matched_on": "_d_on"}
    )
    return (
        df.lazy()
        .join(by_hs.lazy(), on="hs_code", how="left", maintain_order="left")
        .join(by_desc.lazy(), on="description", how="left", maintain_order="left")
        .with_columns(_refined=_refines(pl.col("_hs_c"), pl.col("_d_c"), reference))
        .with_columns(
            commodity=pl.when("_refined").then("_d_c").otherwise(pl.coalesce("_hs_c", "_d_c")),
            matched_by=pl.when(pl.col("_hs_c").is_not_null() & ~pl.col("_refined"))
            .then(pl.lit("hs_code"))
            .when(pl.col("_d_c").is_not_null())
            .then(pl.lit("description")),
            matched_on=pl.when("_refined").then("_d_on").otherwise(pl.coalesce("_hs_on", "_d_on")),
        )
        .drop("_hs_c", "_hs_on", "_d_c", "_d_on", "_refined")
        .collect()
    )


# ---------------------------------------------------------------------------------------------
# Screening
# ---------------------------------------------------------------------------------------------

FINDING_COLUMNS = [
    "rank",
    "score",
    "theme",
    "commodity",
    "country",
    "stage",
    "severity",
    "likelihood",
    "exposure",
    "exposure_share",
    "risk_source",
    "production_share",
    "production_source",
    "origin_known",
    "original_commodity",
    "component_share",
    "origin_country",
    "key",
    "line_count",
]
KEY_FIELDS = ("description", "hs_code", "origin_country")
_ID = {"description": "d", "hs_code": "h", "origin_country": "o"}


@dataclass
class ScreeningResult:
    """What `screen` computed. `findings`, `exposures`, `keys` and `unmatched` are small frames;
    `line_map` has one row per purchase line (line and the ids of its description, HS code and
    origin), and `lines_for` looks a finding's lines up in it."""

    findings: pl.DataFrame
    exposures: pl.DataFrame
    keys: pl.DataFrame
    unmatched: pl.DataFrame
    line_map: pl.DataFrame
    id_keys: pl.DataFrame  # (d, h, o) → key: the distinct matched triples
    total_exposure: float
    lines: int
    report: ReadReport | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    def lines_for(self, finding: Mapping[str, Any] | int | Iterable[int]) -> list[int]:
        """The purchase lines behind a finding (a findings row as a dict, or key id(s))."""
        if isinstance(finding, Mapping):
            wanted = [int(finding["key"])]
        elif isinstance(finding, int):
            wanted = [finding]
        else:
            wanted = [int(k) for k in finding]
        triples = self.id_keys.filter(pl.col("key").is_in(wanted)).select("d", "h", "o")
        return (
            self.line_map.lazy()
            .join(triples.lazy(), on=["d", "h", "o"], how="semi", nulls_equal=True)
            .select("line")
            .sort("line")
            .collect()["line"]
            .to_list()
        )

    @property
    def matched_lines(self) -> int:
        return self.lines - self.unmatched.height


def _categories() -> dict[str, pl.Categorical]:
    """A fresh categorical type per key column: dense ids from 0 for this run only."""
    return {f: pl.Categorical(pl.Categories.random()) for f in KEY_FIELDS}


def _hold(types: Mapping[str, pl.DataType]) -> dict[str, pl.Series]:
    """An empty column of each categorical type of a pass, to use the types after it: Polars
    frees the texts of a private `Categories` once no column or plan uses them."""
    return {f: pl.Series(f, [], dtype=t) for f, t in types.items()}


def _texts(ids: pl.Series | pl.Expr, dtype: pl.DataType) -> Any:
    """The texts behind categorical ids (null for null). `cat.to` (unstable in Polars 2.1)
    reads them in Rust; `Categories.to_series()` builds a Python list of all of them."""
    return ids.cat.to(dtype).cast(pl.String)


def _lookup(table: pl.Series, ids: str) -> pl.Expr:
    """table[id] for each id of a column (null for a null id): a gather, not a join."""
    return pl.lit(table.extend_constant(None, 1)).gather(pl.col(ids).fill_null(len(table)))


def _table(ids: pl.Series, values: pl.Series, size: int) -> pl.Series:
    """A lookup table for the ids 0 to size - 1: values[i] at ids[i], null at the others."""
    return pl.repeat(None, size, dtype=values.dtype, eager=True).scatter(ids, values)


def _positions(values: pl.Series, table: pl.Series) -> pl.Series:
    """Each value's position in `table` (distinct values); null where it is null."""
    positions = pl.int_range(len(table), dtype=pl.UInt32, eager=True)
    return values.replace_strict(table, positions, default=None, return_dtype=pl.UInt32)


_PACK = 21  # bits per key column in the packed key: ids up to 2^21 - 2
_EXPOSURE = pl.coalesce(pl.col("spend"), pl.col("quantity")).fill_null(0.0)
_QUANTITY_ONLY = pl.col("spend").is_null() & pl.col("quantity").is_not_null()


def _packed_key() -> pl.Expr:
    """The three categorical ids of (description, HS code, origin) packed into one integer,
    which groups faster than three keys; unique while every id fits in `_PACK` bits."""
    empty = (1 << _PACK) - 1  # a null id
    key = pl.lit(0, pl.UInt64)
    for f in KEY_FIELDS:
        key = key * (1 << _PACK) + pl.col(f).to_physical().cast(pl.UInt64).fill_null(empty)
    return key


def _packed(frame: pl.DataFrame, columns: Iterable[str]) -> bool:
    """Whether every id in these categorical or id columns fits in the packed key (else the
    pass groups again by three keys, a second pass over the file; rare)."""
    largest = frame.select(pl.max_horizontal(pl.col(c).to_physical().max() for c in columns))
    return largest.item() is None or largest.item() < (1 << _PACK) - 1


def _fine(lines: pl.LazyFrame, *, packed: bool = True) -> pl.LazyFrame:
    """Group by (description, HS code, origin) ids: d, h, o, exposure, line_count. By the
    packed key `_k` of the lines, unpacked afterwards; with three keys where the ids do not
    fit (over two million distinct descriptions)."""
    aggs = [_EXPOSURE.sum().alias("exposure"), pl.len().alias("line_count")]
    if not packed:
        return lines.group_by(pl.col(f).to_physical().alias(_ID[f]) for f in KEY_FIELDS).agg(aggs)
    empty = (1 << _PACK) - 1
    unpacked = []
    for i, f in enumerate(reversed(KEY_FIELDS)):
        part = pl.col("_k") // (1 << (_PACK * i)) % (1 << _PACK)
        unpacked.append(pl.when(part != empty).then(part).cast(pl.UInt32).alias(_ID[f]))
    return lines.group_by("_k").agg(aggs).select(*reversed(unpacked), "exposure", "line_count")


def _stage_one(lines: pl.LazyFrame) -> dict[str, pl.LazyFrame]:
    """The one pass over the lines: group by (description, HS code, origin) — categorical, so
    the key is three integers — summing exposure; keep each line's ids for `lines_for`."""
    ids = [pl.col(f).to_physical().alias(_ID[f]) for f in KEY_FIELDS]
    return {"fine": _fine(lines), "line_map": lines.select("line", *ids)}


def _stage_two(
    stage_one: dict[str, Any],
    reference: Reference,
    *,
    map_origins: Callable[[str | None], str | None] | bool,
    origin_stage: str | None = None,
    stated_elsewhere: Iterable[str] | bool = (),
) -> dict[str, pl.DataFrame]:
    """Everything after the pass over the lines, on distinct values and a few thousand keys.
    Each distinct text is matched once, by its id; commodities and countries become their
    position in sorted order, so that the keys are small integers that sort alike."""
    fine: pl.DataFrame = stage_one["fine"]
    types = {f: column.dtype for f, column in stage_one["types"].items()}

    # ids are dense from 0 and every value of the pass reached `fine`: size = largest id + 1
    size = {f: fine.select(pl.col(_ID[f]).max().fill_null(-1) + 1).item() for f in KEY_FIELDS}

    def distinct(field: str) -> pl.DataFrame:
        ids = pl.int_range(size[field], dtype=pl.UInt32, eager=True)
        return pl.DataFrame({_ID[field]: ids, field: _texts(ids, types[field])})

    hs = distinct("hs_code")
    hs = hs.join(match_hs_codes(hs["hs_code"], reference), on="hs_code", how="left")
    hs_hit = hs.filter(pl.col("commodity").is_not_null())["h"]
    no_hs_match = pl.col("h").is_null() | ~pl.col("h").is_in(hs_hit.implode())
    # descriptions only where the HS code did not match, or matched a metal that alloys have
    # (the description may name the alloy: `_refines`)
    alloyed = reference.compositions["component"].implode()
    refinable = hs.filter(pl.col("commodity").is_in(alloyed))["h"]
    pending = (
        fine.lazy()
        .filter(no_hs_match | pl.col("h").is_in(refinable.implode()))
        .select(pl.col("d").unique().drop_nulls())
        .collect()
    )
    desc = _match_distinct(
        pending.with_columns(description=_texts(pl.col("d"), types["description"])), reference
    )
    origins = distinct("origin_country")
    codes = {v: (map_origins(v) or None) if map_origins else v for v in origins["origin_country"]}
    origins = origins.with_columns(
        iso=pl.col("origin_country").replace_strict(codes, default=None, return_dtype=pl.String)
    )
    names = pl.concat([hs["commodity"], desc["commodity"]]).drop_nulls().unique().sort()
    countries = origins["iso"].drop_nulls().unique().sort()
    # (commodity, country) as one integer: the positions in `names` and in `countries` (its
    # length for an unknown origin), so that the keys sort as the texts would
    width = len(countries) + 1
    by_code = _lookup(_table(hs["h"], _positions(hs["commodity"], names), size["hs_code"]), "h")
    by_text = _lookup(
        _table(desc["d"], _positions(desc["commodity"], names), size["description"]), "d"
    )
    # (code's commodity, description's) position pairs where the description names an alloy
    # of the code's metal: the description wins
    width_names = len(names) + 1
    refined = (
        reference.compositions.select(
            general=_positions(reference.compositions["component"], names),
            specific=_positions(reference.compositions["commodity"], names),
        )
        .drop_nulls()
        .select(pl.col("general").cast(pl.Int64) * width_names + pl.col("specific"))
        .to_series()
    )
    refine = (by_code.cast(pl.Int64) * width_names + by_text).is_in(refined.implode())
    commodity = (
        pl.when(refine.fill_null(False)).then(by_text).otherwise(pl.coalesce(by_code, by_text))
    )
    country = _lookup(
        _table(origins["o"], _positions(origins["iso"], countries), size["origin_country"]), "o"
    )
    matched = (
        fine.lazy()
        .with_columns(_ci=commodity * width + country.fill_null(width - 1))
        .filter(pl.col("_ci").is_not_null())
    )
    # unmatched lines: neither their HS code nor their description matched (then their
    # description was matched, as the code was not)
    failed = desc.filter(pl.col("commodity").is_null())["d"]
    unmatched = (
        stage_one["line_map"]
        .lazy()
        .filter(no_hs_match, pl.col("d").is_null() | pl.col("d").is_in(failed.implode()))
        .select("line", *(_texts(pl.col(_ID[f]), types[f]).alias(f) for f in KEY_FIELDS))
        .sort("line")
    )
    coarse = (
        matched.group_by("_ci")
        .agg(pl.col("exposure").sum(), pl.col("line_count").sum().cast(pl.Int64))
        .sort("_ci")
    )
    matched, coarse, unmatched = pl.collect_all([matched, coarse, unmatched])
    key = pl.int_range(coarse.height, dtype=pl.Int64, eager=True)
    slots = len(names) * width
    id_keys = matched.select("d", "h", "o", key=_lookup(_table(coarse["_ci"], key, slots), "_ci"))
    coarse = coarse.select(
        key=key,
        commodity=names.gather(coarse["_ci"] // width),
        origin_country=countries.extend_constant(None, 1).gather(coarse["_ci"] % width),
        exposure="exposure",
        line_count="line_count",
    )
    # a total row ("Totaal", without an HS code) would count the list twice: not in the total
    unlinked = desc.filter(pl.col("commodity").is_null())
    totals = unlinked.filter(pl.col("description").str.contains(TOTAL_ROW))["d"]
    total_rows = fine.filter(pl.col("h").is_null(), pl.col("d").is_in(totals.implode()))
    listed = _total_exposure(stage_one)
    total = listed - float(total_rows["exposure"].sum() or 0.0)
    total = total if total > 0 else listed  # a list of nothing but totals: as it is
    frames = _risk_findings(
        coarse, reference, total, origin_stage=origin_stage, stated_elsewhere=stated_elsewhere
    )
    return {
        **frames,
        "keys": coarse,
        "unmatched": unmatched,
        "id_keys": id_keys,
        "total_exposure": total,
    }


def _total_exposure(stage_one: dict[str, Any]) -> float:
    """The company's total exposure: all lines, matched or not."""
    return float(stage_one["fine"]["exposure"].sum() or 0.0)


def _risk_findings(
    keys: pl.DataFrame,
    reference: Reference,
    total_exposure: float,
    *,
    origin_stage: str | None = None,
    stated_elsewhere: Iterable[str] | bool = (),
) -> dict[str, pl.DataFrame]:
    """Expand, spread, join risks, score and rank (steps 4-7), on the (commodity, origin) keys.
    `origin_stage` ("smelting_refining" for the smelters of an RMI template) is the stage of
    every known origin, and the other stages of those lines are unknown: spread over world
    production, except for the commodities in `stated_elsewhere` (an EMRT's mines state
    their mining), or for all with `stated_elsewhere=True`. By default a known origin has no
    stage and matches risks of any."""
    expanded = (
        keys.lazy()
        .join(reference.compositions.lazy(), on="commodity", how="left")
        .select(
            "key",
            "origin_country",
            "line_count",
            original_commodity=pl.col("commodity"),
            commodity=pl.coalesce("component", "commodity"),
            component_share=pl.col("share").fill_null(1.0),
            exposure=pl.col("exposure") * pl.col("share").fill_null(1.0),
        )
    )
    known = expanded.filter(pl.col("origin_country").is_not_null()).with_columns(
        country=pl.col("origin_country"),
        stage=pl.lit(origin_stage, pl.String),
        production_share=pl.lit(1.0),
        production_source=pl.lit(None, pl.String),
        origin_known=pl.lit(True),
    )
    production = reference.production.lazy().select(
        "commodity",
        "country",
        "stage",
        production_share="share",
        production_source="source",
    )
    unknown = (
        expanded.filter(pl.col("origin_country").is_null())
        .join(production, on="commodity", how="left")
        .with_columns(
            exposure=pl.col("exposure") * pl.col("production_share").fill_null(1.0),
            origin_known=pl.lit(False),
        )
    )
    if origin_stage is not None and stated_elsewhere is not True:
        # a known origin at one stage: the others are spread over world production
        stated = [] if stated_elsewhere is False else sorted(stated_elsewhere)
        elsewhere = production.filter(
            pl.col("stage") != origin_stage,
            ~pl.col("commodity").is_in(pl.lit(stated, pl.List(pl.String))),
        )
        unknown = pl.concat(
            [
                unknown,
                expanded.filter(pl.col("origin_country").is_not_null())
                .join(elsewhere, on="commodity", how="inner")
                .with_columns(
                    exposure=pl.col("exposure") * pl.col("production_share"),
                    origin_known=pl.lit(False),
                ),
            ],
            how="vertical",
        )
    columns = [
        "key",
        "original_commodity",
        "commodity",
        "component_share",
        "origin_country",
        "origin_known",
        "country",
        "stage",
        "production_share",
        "production_source",
        "exposure",
        "line_count",
    ]
    exposures = pl.concat(
        [known.select(columns), unknown.select(columns)], how="vertical"
    ).with_columns(
        exposure_share=(pl.col("exposure") / total_exposure) if total_exposure > 0 else None
    )
    exposures_df = exposures.sort("key", "commodity", "stage", "country", nulls_last=True).collect()
    exposures = exposures_df.lazy()
    risks = reference.risks.lazy().select(
        "theme",
        pl.col("commodity").alias("risk_commodity"),
        pl.col("country").alias("risk_country"),
        pl.col("stage").alias("risk_stage"),
        "severity",
        pl.col("source").alias("risk_source"),
    )
    keep = [*exposures_df.columns, "theme", "risk_stage", "severity", "risk_source"]
    pair = exposures.join(
        risks.filter(pl.col("risk_commodity").is_not_null() & pl.col("risk_country").is_not_null()),
        left_on=["commodity", "country"],
        right_on=["risk_commodity", "risk_country"],
        how="inner",
    )
    by_commodity = exposures.join(
        risks.filter(pl.col("risk_commodity").is_not_null() & pl.col("risk_country").is_null()),
        left_on="commodity",
        right_on="risk_commodity",
        how="inner",
    )
    by_country = exposures.join(
        risks.filter(pl.col("risk_commodity").is_null() & pl.col("risk_country").is_not_null()),
        left_on="country",
        right_on="risk_country",
        how="inner",
    )
    joined = pl.concat(
        [pair.select(keep), by_commodity.select(keep), by_country.select(keep)], how="vertical"
    ).filter(
        pl.col("stage").is_null()
        | pl.col("risk_stage").is_null()
        | (pl.col("stage") == pl.col("risk_stage"))
    )
    likelihood = reference.country_likelihood.lazy().rename({"country": "_lc"})
    findings = (
        joined.join(likelihood, left_on="country", right_on="_lc", how="left")
        .with_columns(
            stage=pl.coalesce("stage", "risk_stage"),
            likelihood=pl.col("likelihood").fill_null(reference.default_likelihood),
        )
        .with_columns(
            score=pl.col("severity") * pl.col("likelihood") * pl.col("exposure_share").fill_null(0)
        )
        .sort(
            ["score", "exposure", "theme", "commodity", "country", "key"],
            descending=[True, True, False, False, False, False],
            nulls_last=True,
        )
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
        .select(FINDING_COLUMNS)
        .collect()
    )
    return {"findings": findings, "exposures": exposures_df}


def _result(
    stage_one: dict[str, Any],
    reference: Reference,
    report: ReadReport | None,
    *,
    map_origins: Callable[[str | None], str | None] | bool,
    origin_stage: str | None = None,
    stated_elsewhere: Iterable[str] | bool = (),
) -> ScreeningResult:
    two = _stage_two(
        stage_one,
        reference,
        map_origins=map_origins,
        origin_stage=origin_stage,
        stated_elsewhere=stated_elsewhere,
    )
    return ScreeningResult(
        findings=two["findings"],
        exposures=two["exposures"],
        keys=two["keys"],
        unmatched=two["unmatched"],
        line_map=stage_one["line_map"],
        id_keys=two["id_keys"],
        total_exposure=two["total_exposure"],
        lines=int(stage_one["fine"]["line_count"].sum()),
        report=report,
    )


def screen(purchases: pl.LazyFrame | pl.DataFrame, reference: Reference) -> ScreeningResult:
    """Screen a normalised purchase list (see `PURCHASE_SCHEMA`) against the reference."""
    lf = purchases.lazy()
    names = lf.collect_schema().names()
    if "line" not in names:
        lf = lf.with_row_index("line", offset=1)
    types = _categories()
    lines = lf.select(
        pl.col("line").cast(pl.Int64),
        *(
            (pl.col(f) if f in names else pl.lit(None, pl.String)).cast(types[f]).alias(f)
            for f in KEY_FIELDS
        ),
        *(
            (pl.col(f) if f in names else pl.lit(None, pl.Float64)).cast(pl.Float64).alias(f)
            for f in NUMBER_FIELDS
        ),
    ).with_columns(_k=_packed_key())
    plan = _stage_one(lines)
    start = time.perf_counter()
    one: dict[str, Any] = dict(zip(plan, pl.collect_all(plan.values()), strict=True))
    one["types"] = _hold(types)
    if not _packed(one["line_map"], _ID.values()):
        one["fine"] = _fine(lines, packed=False).collect()
    middle = time.perf_counter()
    result = _result(one, reference, None, map_origins=False)
    result.timings = {"pass": middle - start, "rest": time.perf_counter() - middle}
    return result


# ---------------------------------------------------------------------------------------------
# Reading purchase files
# ---------------------------------------------------------------------------------------------


def gettext_noop(message: str) -> str:
    """The message unchanged. Marks it for `makemessages`, which extracts calls by this name;
    Django's own `gettext_noop` reads the settings, and this module runs without Django."""
    return message


def fill_message(
    template: str, params: Mapping[str, Any] | None, *, translate: bool = False
) -> str:
    """The message `template` with its `%(name)s` parameters filled in; with `translate`, the
    template (and the name of a `field`, one of `FIELD_NAMES`) is first translated into
    Django's active language."""
    if translate:
        from django.utils.translation import gettext

        template = gettext(template)
        if params and params.get("field") in FIELD_NAMES.values():
            params = {**params, "field": gettext(params["field"])}
    return template % params if params else template


# what each field of a purchase line is called in messages (and on the mapping page)
FIELD_NAMES = {
    "description": gettext_noop("description"),
    "hs_code": gettext_noop("HS code"),
    "supplier": gettext_noop("supplier"),
    "supplier_country": gettext_noop("supplier country"),
    "origin_country": gettext_noop("country of origin"),
    "quantity": gettext_noop("quantity"),
    "spend": gettext_noop("spend (amount)"),
}


# Messages the screening app tells apart: a column mapping can fix these two.
NO_MATERIAL_COLUMN = gettext_noop(
    "No column names the material: expected a column such as “omschrijving”, “materiaal”, "
    "“description” or “HS-code”. Columns found: %(columns)s"
)
NO_AMOUNT_COLUMN = gettext_noop(
    "No column holds amounts: expected a column such as “bedrag”, “inkoopwaarde”, “spend”, "
    "“hoeveelheid” or “quantity”. Columns found: %(columns)s"
)
FILE_EMPTY = gettext_noop("The file is empty.")
# a description that is a total or subtotal of the list, not a purchase
TOTAL_ROW = r"(?i)^\s*(sub|eind|grand\s*)?tota(a)?l\b"
NO_LINES = gettext_noop("The file has a header row but no purchase lines.")


class PurchaseFileError(ValueError):
    """A purchase file that cannot be read; `row` and `column` point at the problem if known
    (row as a spreadsheet counts it: the header is row 1).

    `template` is an English message marked with `gettext_noop` and `params` its `%(name)s`
    parameters (`row` and `column` among them when given), all JSON values. `message` is the
    English text; `translated()` the text in Django's active language; `as_dict()` the form
    to store, shown later in the viewer's language."""

    def __init__(
        self, template: str, row: int | None = None, column: str | None = None, **params: Any
    ):
        self.template = template
        self.params = {
            **({"row": row} if row is not None else {}),
            **({"column": column} if column is not None else {}),
            **params,
        }
        self.message = fill_message(template, self.params)
        super().__init__(self.message)
        self.row = row
        self.column = column

    def __str__(self) -> str:
        return self.message

    def translated(self) -> str:
        """The message in Django's active language."""
        return fill_message(self.template, self.params, translate=True)

    def as_dict(self) -> dict[str, Any]:
        """{"message": template, "params": {...}}: JSON to store and translate when shown."""
        return {"message": self.template, "params": self.params}


class UnknownCountries(PurchaseFileError):
    """Country values that are neither a known name nor an ISO code. `unknown` lists each
    distinct value once: {"value", "field", "column", "row" (its first), "suggestions" (ISO-2
    codes of close matches)}, in the order of the file."""

    def __init__(self, template: str, unknown: list[dict[str, Any]], **kwargs: Any):
        super().__init__(template, **kwargs)
        self.unknown = unknown


def country_resolver(country_map: Mapping[str, str] | None) -> Callable[[str | None], str | None]:
    """`resolve_country`, but values the company mapped itself ({value: ISO-2}, compared after
    stripping spaces) first. A value mapped to "" is known to name no single country (e.g.
    "EU", "diverse"): it resolves to "" — an unknown origin, not an unknown value."""
    mapped = {k.strip(): v for k, v in (country_map or {}).items()}
    if not mapped:
        return resolve_country

    def resolve(value: str | None) -> str | None:
        if value and value.strip() in mapped:
            return mapped[value.strip()] or ""
        return resolve_country(value)

    return resolve


# Header synonyms (compared after lower-casing, removing accents, units in brackets and
# punctuation): field → names.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "description": (
        "omschrijving",
        "artikelomschrijving",
        "materiaal",
        "materiaalomschrijving",
        "product",
        "description",
        "item description",
        "material",
        "material description",
    ),
    "hs_code": (
        "hs code",
        "hscode",
        "hs",
        "goederencode",
        "gn code",
        "cn code",
        "tariefcode",
        "statistiekcode",
        "statistieknummer",
        "stat nr",
        "intrastat code",
        "douanecode",
        "taric code",
        "commodity code",
        "tariff code",
    ),
    "supplier": ("leverancier", "leveranciersnaam", "crediteur", "supplier", "vendor"),
    "supplier_country": (
        "land leverancier",
        "leveranciersland",
        "land van leverancier",
        "supplier country",
        "country of supplier",
        "vendor country",
    ),
    "origin_country": (
        "land van herkomst",
        "herkomst",
        "herkomstland",
        "land herkomst",
        "country of origin",
        "origin",
        "origin country",
    ),
    "quantity": ("hoeveelheid", "aantal", "quantity", "qty", "volume"),
    "spend": (
        "bedrag",
        "inkoopwaarde",
        "inkoopbedrag",
        "waarde",
        "spend",
        "amount",
        "value",
        "purchase value",
    ),
}
TEXT_FIELDS = ("description", "hs_code", "supplier", "supplier_country", "origin_country")
NUMBER_FIELDS = ("quantity", "spend")
COUNTRY_FIELDS = ("supplier_country", "origin_country")


def _header_key(text: str) -> str:
    return _name_key(re.sub(r"[(\[].*?[)\]]", " ", text))


# the units a header names beside the field ("Waarde EUR", "Hoeveelheid in kg")
_HEADER_UNITS = frozenset(
    ("in", "eur", "euro", "euros", "usd", "kg", "kgs", "ton", "tonnes", "stuks", "pcs")
)


def _synonym_key(text: str) -> str:
    """A header as it is looked up among the fields' names: without its unit."""
    key = _header_key(text)
    return " ".join(w for w in key.split() if w not in _HEADER_UNITS) or key


_HEADER_INDEX = {_synonym_key(n): f for f, names in HEADER_SYNONYMS.items() for n in names}
PREAMBLE_LINES = 20  # lines a title may take above a table's header


@dataclass
class ReadReport:
    """How a purchase file was read, and what its lines hold."""

    encoding: str
    delimiter: str
    decimal_comma: bool
    thousands_separator: bool
    header: list[str]
    columns: dict[str, str]  # field → its column's name, with its place where not alone
    positions: dict[str, int] = field(default_factory=dict)  # field → its column's place
    ignored_columns: list[str] = field(default_factory=list)
    rows: int = 0
    duplicates: int = 0
    lines_without_amount: int = 0
    # lines with a quantity but no spend in a file with spend: their quantity counts as spend
    quantity_as_spend: int = 0
    quantity_as_spend_row: int | None = None  # the first of them
    lines_above: int = 0  # a title or blank lines above the header, left out

    @property
    def first_row(self) -> int:
        """The file's row number of the first line below the header."""
        return self.lines_above + 2

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class _Parsed:
    payload: bytes  # UTF-8
    report: ReadReport
    numbers_as_text: bool
    options: dict[str, Any]
    # rows with more cells than the header, none a number cut in two ("koper;10;", notes in
    # a column without a name): cut at the header's width
    ragged: bool = False


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    # UTF-32's marks before UTF-16's: the little-endian one starts with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _load(source: str | Path | bytes | bytearray | memoryview | io.IOBase) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is UTF-8; a cut multi-byte character at the end is allowed (samples)."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
    return True


def _decode(data: bytes, encoding: str | None) -> tuple[bytes, str]:
    """(UTF-8 payload without BOM, encoding name). Raises PurchaseFileError."""
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise PurchaseFileError(
                gettext_noop("The file cannot be read as %(encoding)s: %(error)s."),
                encoding=encoding,
                error=str(exc),
            ) from exc
        return text.lstrip("\ufeff").encode("utf-8"), encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            if name == "utf-8-sig":
                payload = data[len(bom) :]
                if _is_utf8(payload):
                    return payload, name
                raise PurchaseFileError(
                    gettext_noop(
                        "The file starts as UTF-8 but holds bytes that are not UTF-8; "
                        "save it again as UTF-8 (CSV UTF-8)."
                    )
                )
            try:
                return data.decode(name).lstrip("\ufeff").encode("utf-8"), name
            except UnicodeDecodeError as exc:
                raise PurchaseFileError(
                    gettext_noop("The file starts as %(encoding)s but cannot be read as such."),
                    encoding=name.upper(),
                ) from exc
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise PurchaseFileError(
            gettext_noop(
                "This is an Excel file, not a CSV file: upload it as Excel or save it as CSV."
            )
        )
    head = data[:4096]
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        # UTF-16 without its mark: a zero byte in most characters (Latin text), at one side;
        # a stray zero byte in a UTF-8 export is not that
        enough = len(head) // 16
        guess = (
            "utf-16-le"
            if odd > max(even * 4, enough)
            else "utf-16-be"
            if even > max(odd * 4, enough)
            else None
        )
        if guess:
            try:
                return data.decode(guess).encode("utf-8"), guess
            except UnicodeDecodeError:
                pass
        raise PurchaseFileError(
            gettext_noop(
                "The file holds binary data, not text: upload a CSV file (UTF-8, UTF-16 or "
                "Windows-1252)."
            )
        )
    # UTF-8 if the first 64 KiB are; Polars checks the rest while parsing, and `_read` falls
    # back to Windows-1252 if it finds a byte that is not UTF-8.
    if _is_utf8(data[: 1 << 16]):
        return data, "utf-8"
    return _from_cp1252(data), "windows-1252"


def _from_cp1252(data: bytes) -> bytes:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise PurchaseFileError(
            gettext_noop(
                "The file's encoding is unknown: it is neither UTF-8, UTF-16 nor Windows-1252. "
                "Save it as CSV UTF-8."
            )
        ) from exc
    controls = sum(1 for ch in text[:4096] if ch < " " and ch not in "\t\r\n")
    if controls > 8:
        raise PurchaseFileError(
            gettext_noop("The file holds binary data, not text: upload a CSV file.")
        )
    return text.encode("utf-8")


def _sample_rows(payload: bytes, delimiter: str, limit: int = 200) -> list[list[str]]:
    text = payload[: 1 << 16].decode("utf-8", errors="ignore")
    if len(payload) > 1 << 16:
        text = text[: text.rfind("\n") + 1] or text
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def _sample_further(payload: bytes, delimiter: str, width: int, windows: int = 8) -> list[list]:
    """Rows from windows spread over the rest of the file (after its first 64 KiB), each
    begun at a line break: a thousands separator may first appear far down a long list."""
    size, rows = len(payload), []
    if size <= 1 << 16:
        return rows
    for i in range(1, windows + 1):
        start = (1 << 16) + (size - (1 << 16)) * i // (windows + 1)
        chunk = payload[start : start + (1 << 13)]
        text = chunk.decode("utf-8", errors="ignore")
        text = text[text.find("\n") + 1 : text.rfind("\n") + 1]
        rows += [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if len(r) == width]
    return rows


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell.strip())


_SEPARATORS = (";", ",", "\t", "|")


def _title_lines(payload: bytes) -> int:
    """How many lines a title takes at the top of a file ("Inkoopoverzicht 2025", a quoted
    "Purchases 2025, all sites", blank lines): lines that fill fewer than two cells
    whichever the separator, and close every quote they open (a quoted header cell may span
    lines)."""
    count = 0
    for line in payload[: 1 << 16].split(b"\n", PREAMBLE_LINES)[:PREAMBLE_LINES]:
        text = line.decode("utf-8", errors="ignore").rstrip("\r")
        if text.count('"') % 2 or any(
            _filled(next(csv.reader([text], delimiter=sep), [])) >= 2 for sep in _SEPARATORS
        ):
            break
        count += 1
    return count


def _sniff_delimiter(payload: bytes, header_row: int | None = None) -> str:
    """The column separator, from the table's rows (below a title, or from the row the user
    said holds the column names)."""
    best, best_score = None, (0, 0)
    title = _title_lines(payload)
    for candidate in _SEPARATORS:
        cut = title
        if header_row is not None:  # rows, not lines: a quoted title cell may span lines
            leading = _leading(payload, candidate)
            if header_row <= len(leading):
                cut = leading[header_row - 1][2]
        rows = _sample_rows(_below(payload, cut), candidate, limit=50)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows[1:] if len(r) == width)
        score = (consistent * 100 // max(len(rows) - 1, 1), width)
        if score > best_score:
            best, best_score = candidate, score
    if best is None:
        raise PurchaseFileError(
            gettext_noop(
                "No column separator found: the file needs a header row with at least two "
                "columns separated by a semicolon, comma or tab."
            )
        )
    return best


_COMMA_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d+,\d+$")
_POINT_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+\.\d+$")
_THOUSANDS = re.compile(r"^-?\d{1,3}([.,\s]\d{3})+([.,]\d+)?$")


# "1.500" or "1,500": a thousands group, or three decimals; the file has to tell which
_AMBIGUOUS = re.compile(r"^-?\d{1,3}[.,]\d{3}$")
_CURRENCY = re.compile(r"(?i)^(eur|usd|€|\$)|(eur|usd|€|\$)$")


def _sniff_numbers(values: list[str], delimiter: str) -> tuple[bool, bool]:
    """(decimal comma, thousands separators) from sample values of the number columns.

    Values that can only be read one way decide ("2,5", "1.500,00", "1.500.000" a decimal
    comma; "2.5", "1,500.00" a point). When every value could be read both ways ("1.500",
    "12.250", or whole numbers), the separator decides, as Dutch and English spreadsheets
    export: a semicolon file uses a decimal comma; a comma or tab file a point."""
    cleaned = [_CURRENCY.sub("", v.strip()).strip() for v in values if v and v.strip()]
    comma = point = 0
    for v in cleaned:
        if _AMBIGUOUS.match(v):
            continue
        comma += bool(_COMMA_NUMBER.match(v))
        point += bool(_POINT_NUMBER.match(v))
    decimal_comma = comma > point if comma != point else delimiter == ";"
    thousands = any(_THOUSANDS.match(v) and ("," in v and "." in v or " " in v) for v in cleaned)
    # the other mark in a number is a thousands separator ("1.500" beside a decimal comma)
    other = "." if decimal_comma else ","
    thousands = thousands or any(other in v and _THOUSANDS.match(v) for v in cleaned)
    return decimal_comma, thousands


def with_decimal_point(texts: Iterable[str]) -> dict[str, str]:
    """Of a column's texts, the amounts written with a decimal comma ("1.500,00", "€ 2,5",
    "2.500" beside them), each rewritten with a point ("1500.00", "2.5", "2500"), where the
    column holds amounts alone (beside its name) and some with decimals that read only that
    way; else {}: a column of descriptions, of article numbers ("100.200.300"), of amounts
    with a point. For a workbook's cells that hold amounts as text beside its number
    cells."""
    amounts = {t: re.sub(_NOT_AMOUNT, "", t.strip()) for t in texts if t.strip()}
    # a column of names and descriptions ("RVS plaat 2,5 mm", an article "100.200.300" among
    # them) holds no amounts: only a column of amounts alone (beside its headers) is read
    words = [t for t, a in amounts.items() if not re.fullmatch(r"[-+]?[\d.,]*\d[\d.,]*", a)]
    if len(words) > 2:  # the column's name and a title above it
        return {}
    numbers = [a for a in amounts.values() if a and a[-1].isdigit()]
    decimal_comma, _thousands = _sniff_numbers(numbers, ",")
    if not decimal_comma or not any(re.search(r",\d+$", a) for a in numbers):
        return {}
    return {
        text: amount.replace(".", "").replace(",", ".")
        for text, amount in amounts.items()
        if any(c.isdigit() for c in amount) and re.match(_WRITTEN[True], amount)
    }


def _leading(payload: bytes, delimiter: str) -> list[tuple[list[str], int, int]]:
    """The file's rows up to its `PREAMBLE_LINES`-th filled one, each as (row, its index, the
    lines before it): the index is the row's number less one, as a spreadsheet numbers rows;
    the lines are where to cut the file (a quoted cell may span lines)."""
    head = payload[: 1 << 16].decode("utf-8", errors="ignore")
    if len(payload) > 1 << 16:
        head = head[: head.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    rows: list[tuple[list[str], int, int]] = []
    lines, filled = 0, 0
    try:
        for index, row in enumerate(reader):
            rows.append((row, index, lines))
            lines = reader.line_num
            filled += bool(_filled(row))
            if filled >= PREAMBLE_LINES:
                break
    except csv.Error:  # a stray quote in a title: read the rest as it comes
        pass
    return rows


HEADER_ROW_EMPTY = gettext_noop(
    "Row %(row)s holds no column names: choose the row with the names of the columns."
)
HEADER_ROW_BEYOND = gettext_noop(
    "Row %(row)s is too far down: the column names are looked for in the first rows of the file."
)


def _preamble(
    payload: bytes,
    delimiter: str,
    header_map: Mapping[str, str] | None,
    header_row: int | None = None,
) -> tuple[int, int]:
    """(rows, lines) above the table's header (a title, an export date, blank rows), (0, 0)
    for most files: rows as a spreadsheet numbers them, lines to cut the file at (a quoted
    cell may span lines). The header is on `header_row` (from 1) where the user said so;
    else the first of the first `PREAMBLE_LINES` filled rows that names a material and an
    amount column; where none does (the columns are to be mapped), the first row that fills
    two cells or more. Raises PurchaseFileError for a `header_row` not near the top or
    empty."""
    rows = _leading(payload, delimiter)
    if header_row is not None:
        if not 1 <= header_row <= len(rows):
            raise PurchaseFileError(HEADER_ROW_BEYOND, row=header_row)
        row, index, before = rows[header_row - 1]
        if not _filled(row):
            raise PurchaseFileError(HEADER_ROW_EMPTY, row=header_row)
        return index, before
    for row, index, before in rows:
        fields = set(_column_fields(row, header_map))
        if fields & {"description", "hs_code"} and fields & {"spend", "quantity"}:
            return index, before
    return next(((index, before) for row, index, before in rows if _filled(row) >= 2), (0, 0))


def _below(payload: bytes, lines: int) -> bytes:
    """The payload without its first `lines` lines."""
    start = 0
    for _ in range(lines):
        end = payload.find(b"\n", start)
        if end < 0:
            return b""
        start = end + 1
    return payload[start:] if start else payload


def _text_of(data: bytes, encoding: str | None) -> tuple[bytes, str]:
    """(the payload as UTF-8 with line feeds, the encoding it was in); old Mac line ends, a
    lone CR, become line feeds. Raises PurchaseFileError."""
    payload, used_encoding = _decode(data, encoding)
    if b"\n" not in payload[: 1 << 16] and b"\r" in payload[: 1 << 16]:
        payload = payload.replace(b"\r", b"\n")
    return payload, used_encoding


def top_of_table(
    data: bytes,
    limit: int,
    header_map: Mapping[str, str] | None = None,
    header_row: int | None = None,
) -> tuple[list[tuple[int, list[str]]], int | None, list[list[str]]]:
    """The top of a CSV file, decoded once: its filled rows as (row number, cells), for the
    user to say which row holds the column names; the number of the row read as its header;
    and the first `limit` rows from the header on, as `_parse` reads them (a title above the
    header left out). ([], None, []) if the file cannot be read."""
    try:
        payload, _encoding = _text_of(data, None)
        sep = _sniff_delimiter(payload, header_row)
        rows = _leading(payload, sep)
        above, cut = _preamble(payload, sep, header_map, header_row)
    except PurchaseFileError:
        return [], None, []
    filled = [(index + 1, row) for row, index, _before in rows if _filled(row)]
    return filled, above + 1, _sample_rows(_below(payload, cut), sep, limit)


def first_rows(
    data: bytes,
    limit: int,
    header_map: Mapping[str, str] | None = None,
    header_row: int | None = None,
) -> list[list[str]]:
    """The first `limit` rows of a CSV file from its header on (see `top_of_table`)."""
    return top_of_table(data, limit, header_map, header_row)[2]


def top_rows(
    data: bytes, header_map: Mapping[str, str] | None = None, header_row: int | None = None
) -> tuple[list[tuple[int, list[str]]], int | None]:
    """The filled rows at the top of a CSV file and the number of its header row (see
    `top_of_table`)."""
    rows, header, _table = top_of_table(data, 1, header_map, header_row)
    return rows, header


def header_field(name: str) -> str | None:
    """The field a column of this name is read as without a mapping ("Bedrag" → spend)."""
    return _HEADER_INDEX.get(_synonym_key(name))


# a column mapping names a column without a name by its place: "#3" for the third column
_PLACE_KEY = re.compile(r"^#(\d+)$")
DOUBLE_FIELD = gettext_noop(
    "Two columns are both read as %(field)s: “%(first)s” and “%(column)s”. Say which one to "
    "use, or rename one of them."
)


def column_key(header: Sequence[str], index: int) -> str:
    """How a column mapping names the column at `index` (from 0) of `header`: by its name, or
    by its place ("#3") where it has no name or shares its name with another column."""
    name = header[index].strip()
    key = _header_key(name)
    if name and sum(1 for other in header if _header_key(other) == key) == 1:
        return name
    return f"#{index + 1}"


def _column_label(header: Sequence[str], index: int) -> str:
    """The column as messages name it: its name, with its place where another column has
    that name ("Bedrag #3"), or its place alone ("#3")."""
    name, key = header[index].strip(), column_key(header, index)
    return name if key == name else f"{name} {key}".strip()


def is_place_key(key: str) -> bool:
    """Whether a column mapping's key names a column by its place ("#3"), not its name."""
    return bool(_PLACE_KEY.match(key))


def _column_fields(header: list[str], header_map: Mapping[str, str] | None) -> list[str | None]:
    """What each column of `header` is read as (None: not read). `header_map` ({column key:
    field}, see `column_key`) says what a column is read as where its name does not, or
    otherwise; a field of "" leaves a column out ("not used"). A key "" (as mappings were
    kept before columns had places) maps the first column without a name."""
    by_name: dict[str, str] = {}
    by_place: dict[int, str] = {}
    unnamed: str | None = None
    for key, target in (header_map or {}).items():
        if target and (target not in PURCHASE_SCHEMA or target == "line"):
            raise ValueError(f"header_map: unknown field {target!r}")
        place = _PLACE_KEY.match(key)
        if place:
            by_place[int(place[1]) - 1] = target
        elif key.strip():
            by_name[_header_key(key)] = target
        else:
            unnamed = target
    if unnamed is not None:  # the first column without a name, as such a mapping meant it
        first = next((i for i, name in enumerate(header) if not name.strip()), None)
        if first is not None:
            by_place.setdefault(first, unnamed)
    fields: list[str | None] = []
    for index, name in enumerate(header):
        key = _header_key(name)
        given = by_place.get(index) if index in by_place else by_name.get(key)
        if given is None:
            given = _HEADER_INDEX.get(key) if name.strip() else None
        fields.append(given or None)
    # a header that names its unit ("Waarde EUR"), where no other column is read as its
    # field: "Bedrag EUR" beside "Bedrag" is left out, as before units were read
    for index, name in enumerate(header):
        chosen = by_place.get(index) if index in by_place else by_name.get(_header_key(name))
        if fields[index] is None and chosen is None and name.strip():
            field_ = _HEADER_INDEX.get(_synonym_key(name))
            if field_ and field_ not in fields:
                fields[index] = field_
    return fields


def settle_not_used(header: list[str], header_map: Mapping[str, str]) -> dict[str, str]:
    """`header_map` without the "not used" ("") of a column that no other column of `header`
    is read as the field of: a company's choice between two columns of one field
    ("Product" beside "Omschrijving"), remembered, leaves the next file's only one read.
    Keys compare as the columns' names do ("DESCRIPTION" is "Description")."""
    kept = {k: f for k, f in header_map.items() if f}
    fields = _column_fields(header, kept)
    alone = {
        index
        for index, field_ in enumerate(fields)
        if field_ is not None and fields.count(field_) == 1
    }
    settled = dict(header_map)
    for key, target in header_map.items():
        if target != "":
            continue
        place = _PLACE_KEY.match(key)
        for index in alone:
            named = key.strip() and not place and _header_key(key) == _header_key(header[index])
            if named or (place and int(place[1]) - 1 == index):
                settled.pop(key, None)
    return settled


def _map_header(header: list[str], header_map: Mapping[str, str] | None) -> dict[str, int]:
    """field → the place (from 0) of its column in the header (see `_column_fields`)."""
    positions: dict[str, int] = {}
    for index, target in enumerate(_column_fields(header, header_map)):
        if target is None:
            continue
        if target in positions:
            raise PurchaseFileError(
                DOUBLE_FIELD,
                column=_column_label(header, index),
                field=FIELD_NAMES[target],
                first=_column_label(header, positions[target]),
            )
        positions[target] = index
    named = ", ".join(name for name in header if name)  # a title's padding names nothing
    if "description" not in positions and "hs_code" not in positions:
        raise PurchaseFileError(NO_MATERIAL_COLUMN, columns=named)
    if "spend" not in positions and "quantity" not in positions:
        raise PurchaseFileError(NO_AMOUNT_COLUMN, columns=named)
    return positions


def _parse(
    source: Any,
    *,
    delimiter: str | None,
    encoding: str | None,
    decimal_comma: bool | None,
    header_map: Mapping[str, str] | None,
    header_row: int | None = None,
) -> _Parsed:
    data = _load(source)
    if not data[:4096].strip() and not data.strip():
        raise PurchaseFileError(FILE_EMPTY)
    payload, used_encoding = _text_of(data, encoding)
    del data
    if not payload[:4096].strip() and not payload.strip():
        raise PurchaseFileError(FILE_EMPTY)
    sep = delimiter or _sniff_delimiter(payload, header_row)
    above, cut = _preamble(payload, sep, header_map, header_row)
    payload = _below(payload, cut)
    rows = _sample_rows(payload, sep)
    header = [h.strip() for h in rows[0]]
    if len(rows) < 2:
        raise PurchaseFileError(NO_LINES)
    positions = _map_header(header, header_map)
    samples = [
        row[positions[f]]
        for row in rows[1:] + _sample_further(payload, sep, len(header))
        for f in NUMBER_FIELDS
        if f in positions and positions[f] < len(row)
    ]
    sniffed_comma, thousands = _sniff_numbers(samples, sep)
    comma = sniffed_comma if decimal_comma is None else decimal_comma
    report = ReadReport(
        encoding=used_encoding,
        delimiter=sep,
        decimal_comma=comma,
        thousands_separator=thousands,
        header=header,
        columns={f: _column_label(header, i) for f, i in positions.items()},
        positions=positions,
        ignored_columns=[
            _column_label(header, i)
            for i, h in enumerate(header)
            if h.strip() and i not in positions.values()
        ],
        lines_above=above,
    )
    # Polars parses plain numbers itself; thousands separators, or a decimal comma in a
    # comma-separated file, need the text path.
    as_text = thousands or (comma and sep == ",")
    options = {"delimiter": delimiter, "decimal_comma": decimal_comma, "header_map": header_map}
    # the payload now begins at the header: read again (as Windows-1252), it is on row 1
    options["header_row"] = None if header_row is None else 1
    return _Parsed(payload=payload, report=report, numbers_as_text=as_text, options=options)


# an amount as written with a decimal comma ("1.234,50", "1234,5", "-3") or a decimal point
# ("1,234.50", "1234.5", "1e-05"), after currency and spaces are taken out
_WRITTEN = {
    True: r"^[-+]?(\d{1,3}(\.\d{3})+|\d*)(,\d*)?$",
    False: r"^[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d*)?([eE][-+]?\d+)?$",
}
_NOT_AMOUNT = r"(?i)eur|usd|[\s€$\u00a0']"


def _number_from_text(column: pl.Expr, decimal_comma: bool) -> pl.Expr:
    """The amount a text says, read with a decimal comma or point; null where the text is no
    amount written that way ("7.5" beside "1.234,50" is no 75), for the checks to name."""
    text = column.str.strip_chars().str.replace_all(_NOT_AMOUNT, "")
    written = text.str.contains(_WRITTEN[decimal_comma])
    if decimal_comma:
        text = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        text = text.str.replace_all(",", "", literal=True)
    return pl.when(written).then(text.cast(pl.Float64, strict=False))


def _lines(parsed: _Parsed, numbers_as_text: bool) -> tuple[pl.LazyFrame, dict[str, pl.DataType]]:
    """Per-line frame from the file: line; the five text columns as categoricals of this read
    (raw text; their categories give the distinct values without another pass); the two
    numbers; and, on the text path, `_raw_<number>` for the checks. Returns it and the types."""
    report = parsed.report
    # columns by their place: names may repeat, be empty or carry spaces ("Bedrag ")
    names = [f"_c{i}" for i in range(len(report.header))]
    cols = {f: names[i] for f, i in report.positions.items()}
    types = _categories() | {
        "supplier": pl.Categorical(pl.Categories.random()),
        "supplier_country": pl.Categorical(pl.Categories.random()),
    }
    overrides: dict[str, pl.DataType] = {name: pl.String() for name in names}
    for f, name in cols.items():
        if f in types:
            overrides[name] = types[f]
        elif f in NUMBER_FIELDS and not numbers_as_text:
            overrides[name] = pl.Float64()
    scan = pl.scan_csv(
        parsed.payload,
        separator=report.delimiter,
        has_header=True,
        new_columns=names,
        infer_schema=False,
        schema_overrides=overrides,
        decimal_comma=report.decimal_comma and report.delimiter != "," and not numbers_as_text,
        row_index_name="_row",
        row_index_offset=report.first_row,
        truncate_ragged_lines=parsed.ragged,
    )
    exprs: list[pl.Expr] = [pl.col("_row").cast(pl.Int64).alias("line")]
    for f in TEXT_FIELDS:
        exprs.append(pl.col(cols[f]).alias(f) if f in cols else pl.lit(None, types[f]).alias(f))
    for f in NUMBER_FIELDS:
        if f not in cols:
            exprs.append(pl.lit(None, pl.Float64).alias(f))
        elif numbers_as_text:
            exprs.append(_number_from_text(pl.col(cols[f]), report.decimal_comma).alias(f))
            exprs.append(pl.col(cols[f]).alias(f"_raw_{f}"))
        else:
            exprs.append(pl.col(cols[f]).alias(f))
    # empty rows (blank lines, rows of empty cells) are skipped; their numbers stay counted
    filled = pl.any_horizontal(pl.col(h).is_not_null() for h in cols.values())
    return scan.filter(filled).select(exprs).with_columns(_k=_packed_key()), types


def _row_hash(columns: list[pl.Expr]) -> pl.Expr:
    """A 64-bit hash of each line's values (to count duplicate lines)."""
    out = pl.lit(0, pl.UInt64)
    for seed, column in enumerate(columns, start=1):
        out = (out * 1_000_003) ^ column.hash(seed)
    return out


def _rows_where(condition: pl.Expr) -> pl.Expr:
    """The rows (as a list) of the first lines where `condition` holds: enough to name the
    others a message names beside the first, and to say there are more."""
    return pl.col("line").filter(condition).head(ROWS_NAMED + 2).implode()


def _checks(
    lines: pl.LazyFrame, report: ReadReport, numbers_as_text: bool, *, packed: bool = True
) -> pl.LazyFrame:
    """One row: the counts of the report and the first offending line of each kind. Duplicate
    lines are counted by a hash of their values (the packed key standing for the three key
    columns where it is `packed`), sorted: the distinct hashes are its runs."""
    cols = report.columns
    keys = [f for f in TEXT_FIELDS if f in cols and not (packed and f in KEY_FIELDS)]
    exprs: list[pl.Expr] = [
        pl.len().alias("rows"),
        (pl.col("spend").is_null() & pl.col("quantity").is_null()).sum().alias("no_amount"),
        (_EXPOSURE > 0).any().alias("any_amount"),
        pl.col("spend").is_not_null().any().alias("any_spend"),
        _QUANTITY_ONLY.sum().alias("quantity_only"),
        pl.col("line").filter(_QUANTITY_ONLY).first().alias("quantity_only_line"),
        # distinct hashes counted as the runs of the sorted hashes: a little faster than a
        # hash set of a million of them
        (
            _row_hash(
                ([pl.col("_k")] if packed else [])
                + [pl.col(f).to_physical() for f in keys]
                + [
                    pl.col(f"_raw_{f}" if numbers_as_text else f)
                    for f in NUMBER_FIELDS
                    if f in cols
                ]
            )
            .sort()
            .rle_id()
            .max()
            + 1
        ).alias("distinct"),
    ]
    for f in NUMBER_FIELDS:
        if f not in cols:
            continue
        negative = pl.col(f) < 0
        exprs.append(pl.col("line").filter(negative).first().alias(f"neg_{f}_line"))
        exprs.append(_rows_where(negative).alias(f"neg_{f}_rows"))
        exprs.append(pl.col(f).filter(negative).first().alias(f"neg_{f}_value"))
        # "inf" and "nan" read as floats, but are no amount (and no JSON value to keep)
        endless = ~pl.col(f).is_finite()
        exprs.append(pl.col("line").filter(endless).first().alias(f"inf_{f}_line"))
        exprs.append(_rows_where(endless).alias(f"inf_{f}_rows"))
        exprs.append(pl.col(f).filter(endless).first().alias(f"inf_{f}_value"))
        if numbers_as_text:
            bad = pl.col(f"_raw_{f}").is_not_null() & pl.col(f).is_null()
            exprs.append(pl.col("line").filter(bad).first().alias(f"bad_{f}_line"))
            exprs.append(_rows_where(bad).alias(f"bad_{f}_rows"))
            exprs.append(pl.col(f"_raw_{f}").filter(bad).first().alias(f"bad_{f}_value"))
    return lines.select(exprs)


def _raw_cell(parsed: _Parsed, row: int, which: str) -> str | None:
    """The text of a field's (`which`) cell as the file writes it ("-1.500,00", where Polars read
    -1500), by its row number; None if it cannot be found. Reads the file up to that row:
    for a message only."""
    text = io.TextIOWrapper(io.BytesIO(parsed.payload), encoding="utf-8", errors="replace")
    records = csv.reader(text, delimiter=parsed.report.delimiter)
    index = row - parsed.report.first_row + 1  # the header is record 0
    try:
        record = next(itertools.islice(records, index, None), None)
    except csv.Error:  # a cell past the csv module's limit, …: the parsed value will do
        return None
    place = parsed.report.positions.get(which)
    if record is None or place is None or place >= len(record):
        return None
    return record[place].strip() or None


MIXED_POINT = gettext_noop(
    "Row %(row)s, column “%(column)s”: “%(value)s” is written with a decimal point, while the "
    "file's other amounts have a decimal comma (1.234,50). Write every amount the same way."
)
MIXED_COMMA = gettext_noop(
    "Row %(row)s, column “%(column)s”: “%(value)s” is written with a decimal comma, while the "
    "file's other amounts have a decimal point (1,234.50). Write every amount the same way."
)


def _not_a_number(value: str, decimal_comma: bool) -> str:
    """The message for a value that is no amount as the file writes them: an amount written
    the other way is said to be one."""
    text = re.sub(_NOT_AMOUNT, "", value.strip())
    if re.match(_WRITTEN[not decimal_comma], text) and any(c.isdigit() for c in text):
        return MIXED_POINT if decimal_comma else MIXED_COMMA
    return NOT_A_NUMBER


NOT_A_NUMBER = gettext_noop("Row %(row)s, column “%(column)s”: “%(value)s” is not a number.")
NEGATIVE = gettext_noop(
    "Row %(row)s, column “%(column)s”: %(value)s is negative; amounts and quantities must be "
    "zero or more (leave credit notes out)."
)
# each message where more rows of its column are wrong: all said at once, not one an upload
ROWS_NAMED = 10
_WITH_ROWS = {
    NOT_A_NUMBER: gettext_noop(
        "Row %(row)s, column “%(column)s”: “%(value)s” is not a number. Other rows of this column "
        "without a number: %(rows)s."
    ),
    MIXED_POINT: gettext_noop(
        "Row %(row)s, column “%(column)s”: “%(value)s” is written with a decimal point, while the "
        "file's other amounts have a decimal comma (1.234,50). Write every amount the same way. "
        "Other rows of this column without a number: %(rows)s."
    ),
    MIXED_COMMA: gettext_noop(
        "Row %(row)s, column “%(column)s”: “%(value)s” is written with a decimal comma, while the "
        "file's other amounts have a decimal point (1,234.50). Write every amount the same way. "
        "Other rows of this column without a number: %(rows)s."
    ),
    NEGATIVE: gettext_noop(
        "Row %(row)s, column “%(column)s”: %(value)s is negative; amounts and quantities must be "
        "zero or more (leave credit notes out). Other rows of this column below zero: %(rows)s."
    ),
}


def _with_rows(template: str, rows: list[int] | None, **params: Any) -> PurchaseFileError:
    """The error of `template` at the first of `rows`, naming the others (up to ROWS_NAMED,
    then "…") where there are more."""
    others = (rows or [])[1:]
    if not others:
        return PurchaseFileError(template, **params)
    named = ", ".join(str(row) for row in others[:ROWS_NAMED])
    if len(others) > ROWS_NAMED:
        named += " …"
    return PurchaseFileError(_WITH_ROWS[template], rows=named, **params)


def _raise_for(check: dict[str, Any], report: ReadReport, parsed: _Parsed | None = None) -> None:
    """Raise PurchaseFileError for the first problem in the checks row."""
    cols = report.columns
    if report.rows == 0:
        raise PurchaseFileError(NO_LINES)
    for f in NUMBER_FIELDS:
        if check.get(f"bad_{f}_line") is not None or check.get(f"inf_{f}_line") is not None:
            kind = "bad" if check.get(f"bad_{f}_line") is not None else "inf"
            row, value = check[f"{kind}_{f}_line"], str(check[f"{kind}_{f}_value"])
            if kind == "inf" and parsed is not None:  # read as a float: quote the file's text
                value = _raw_cell(parsed, row, f) or value
            raise _with_rows(
                _not_a_number(value, report.decimal_comma),
                check.get(f"{kind}_{f}_rows"),
                row=row,
                column=cols[f],
                value=value,
            )
        if check.get(f"neg_{f}_line") is not None:
            row, value = check[f"neg_{f}_line"], check[f"neg_{f}_value"]
            written = _raw_cell(parsed, row, f) if parsed is not None else None
            raise _with_rows(
                NEGATIVE,
                check.get(f"neg_{f}_rows"),
                row=row,
                column=cols[f],
                value=written or f"{value:g}",
            )
    if check.get("any_amount") is False:  # nothing to weigh the lines by: no shares
        raise PurchaseFileError(
            gettext_noop(
                "Every line's spend and quantity is zero or empty. The screening weighs each "
                "line by its amount: fill in the spend (or the quantity) of the lines."
            )
        )


# (close matches found, other unknown values) → message
UNKNOWN_COUNTRY = {
    (False, False): gettext_noop(
        "Row %(row)s, column “%(column)s”: unknown country “%(value)s”. Use a country name or "
        "an ISO code."
    ),
    (True, False): gettext_noop(
        "Row %(row)s, column “%(column)s”: unknown country “%(value)s”. Did you mean "
        "%(suggestions)s? Use a country name or an ISO code."
    ),
    (False, True): gettext_noop(
        "Row %(row)s, column “%(column)s”: unknown country “%(value)s”. Use a country name or "
        "an ISO code. Also unknown: %(others)s."
    ),
    (True, True): gettext_noop(
        "Row %(row)s, column “%(column)s”: unknown country “%(value)s”. Did you mean "
        "%(suggestions)s? Use a country name or an ISO code. Also unknown: %(others)s."
    ),
}


def _check_countries(
    values: dict[str, list[str]],
    lines: pl.LazyFrame,
    report: ReadReport,
    resolve: Callable[[str | None], str | None] = resolve_country,
) -> dict[str, dict[str, str | None]]:
    """Map the distinct country values of each column to ISO-2; raise UnknownCountries with
    every unknown value (its column, first row and close matches), the first one named in
    the message."""
    mappings: dict[str, dict[str, str | None]] = {}
    unknown: list[dict[str, Any]] = []
    for f, distinct in values.items():
        mapping = {v: resolve(v) for v in distinct}
        bad = [v for v, code in mapping.items() if code is None and v.strip()]
        mapping = {v: code or None for v, code in mapping.items()}  # "": no single country
        if bad:
            firsts = (
                lines.filter(pl.col(f).cast(pl.String).is_in(bad))
                .group_by(pl.col(f).cast(pl.String).alias("value"))
                .agg(pl.col("line").min())
                .sort("line")
                .head(UNKNOWN_COUNTRIES_LISTED)
                .collect()
            )
            for value, row in firsts.iter_rows():
                unknown.append(unknown_country(value.strip(), f, report.columns[f], row))
        mappings[f] = mapping
    if unknown:
        unknown.sort(key=lambda u: u["row"])
        first = unknown[0]
        close = _country_labels(first["suggestions"])
        others = [u["value"] for u in unknown[1:]]
        # One whole sentence per case, so that each translates as a whole.
        template = UNKNOWN_COUNTRY[bool(close), bool(others)]
        raise UnknownCountries(
            template,
            unknown[:UNKNOWN_COUNTRIES_LISTED],
            row=first["row"],
            column=first["column"],
            value=first["value"],
            suggestions=", ".join(close),
            others=", ".join(f"“{v}”" for v in others[:5]),
        )
    return mappings


def _is_parse_error(exc: Exception) -> bool:
    return isinstance(exc, pl.exceptions.ComputeError) and "could not parse" in str(exc)


TOO_MANY_CELLS = gettext_noop(
    "Row %(row)s has more cells than the header has column names: “%(value)s” stands to the "
    "right of the last column. A value holding the separator (such as “1,500” in a file "
    "separated by commas) needs quotes around it; a column of its own needs a name in the "
    "header."
)
_SPARE_COLUMNS = 16  # cells beyond the header's looked at for a number cut off
_BARE_NUMBER = r"^\s*[-+]?\d+([.,]\d+)?\s*$"


def _raise_for_extra_cells(parsed: _Parsed) -> None:
    """Raise PurchaseFileError for the first row of a comma-separated file, wider than the
    header, that shows a value cut in two by the separator ("1,500" read as 1 and 500): a
    number beyond the header's columns, or a group of three digits right of an amount (the
    amount's other half). Other text there (notes in a column without a name) is left out,
    as an unnamed column is, and so is anything beyond the header in a file of another
    separator (no number holds one). One more scan of the file, made only when a row is
    wider than the header; a file Polars cannot scan so is read as before, cut at the
    header's width."""
    report = parsed.report
    if report.delimiter != ",":  # no number holds a semicolon, tab or bar
        return
    width = len(report.header)
    names = [f"_c{i}" for i in range(width + _SPARE_COLUMNS)]
    spare = [pl.col(name) for name in names[width:]]
    halves = [  # "1,500": the amount is 1, the cell right of it 500
        pl.col(names[report.positions[f] + 1])
        for f in NUMBER_FIELDS
        if f in report.positions and report.positions[f] + 1 < len(names)
    ]
    wider = pl.any_horizontal(cell.str.strip_chars().str.len_chars() > 0 for cell in spare)
    try:
        first = (
            pl.scan_csv(
                parsed.payload,
                separator=report.delimiter,
                has_header=False,
                schema=dict.fromkeys(names, pl.String),
                missing_columns="insert",
                truncate_ragged_lines=True,
                row_index_name="_row",
            )
            .filter(pl.col("_row") > 0, wider)  # the header is record 0
            .select(
                "_row",
                value=pl.coalesce(
                    *(
                        pl.when(cell.str.contains(_BARE_NUMBER)).then(cell.str.strip_chars())
                        for cell in spare
                    ),
                    *(pl.when(cell.str.contains(r"^\d{3}$")).then(cell) for cell in halves),
                ),
            )
            .drop_nulls("value")
            .head(1)
            .collect()
        )
    except pl.exceptions.ComputeError:
        return
    if first.height:
        row = report.first_row + int(first["_row"][0]) - 1
        raise PurchaseFileError(TOO_MANY_CELLS, row=row, value=first["value"][0])


def _read(
    parsed: _Parsed,
    *,
    screening: bool,
    resolve: Callable[[str | None], str | None] = resolve_country,
):
    """One pass over the file collecting the checks and either the screening's first stage
    (`screening`) or the lines. A byte that is not UTF-8 sends the file to Windows-1252; a
    value that Polars cannot parse as a number sends it down the text path, which finds the
    row and column. Returns (collected frames, the _Parsed used, country mappings)."""
    as_text = parsed.numbers_as_text
    while True:
        lines, types = _lines(parsed, as_text)
        plan = _stage_one(lines) if screening else {"lines": lines}
        plan["_checks"] = _checks(lines, parsed.report, as_text)
        try:
            out = dict(zip(plan, pl.collect_all(plan.values(), engine=_ENGINE), strict=True))
        except pl.exceptions.ComputeError as exc:
            if "invalid utf-8" in str(exc) and parsed.report.encoding == "utf-8":
                payload = _from_cp1252(parsed.payload)
                above = parsed.report.lines_above  # the payload begins at the header
                parsed = _parse(payload, encoding="utf-8", **parsed.options)
                parsed.report.encoding = "windows-1252"
                parsed.report.lines_above = above
                as_text = parsed.numbers_as_text
                continue
            if "more fields than defined" in str(exc) and not parsed.ragged:
                _raise_for_extra_cells(parsed)
                parsed.ragged = True
                continue
            if as_text or not _is_parse_error(exc):
                raise PurchaseFileError(
                    gettext_noop("The file cannot be read: %(error)s"), error=str(exc)
                ) from exc
            as_text = True
            continue
        out["types"] = _hold(types)
        if not _packed(
            *((out["line_map"], _ID.values()) if screening else (out["lines"], KEY_FIELDS))
        ):
            out["_checks"] = _checks(lines, parsed.report, as_text, packed=False).collect()
            if screening:
                out["fine"] = _fine(lines, packed=False).collect()
        parsed.numbers_as_text = as_text
        report = parsed.report
        check = out.pop("_checks").row(0, named=True)
        report.rows = int(check["rows"])
        report.duplicates = report.rows - int(check["distinct"] or 0)
        report.lines_without_amount = int(check["no_amount"])
        if check["any_spend"] and check["quantity_only"]:
            report.quantity_as_spend = int(check["quantity_only"])
            report.quantity_as_spend_row = int(check["quantity_only_line"])
        _raise_for(check, report, parsed)
        mappings = _check_countries(
            {
                f: out["types"][f].dtype.categories.to_series().drop_nulls().to_list()
                for f in COUNTRY_FIELDS
                if f in report.columns
            },
            lines,
            report,
            resolve,
        )
        return out, parsed, mappings


def read_purchase_csv(
    source: str | Path | bytes | io.IOBase,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    decimal_comma: bool | None = None,
    header_map: Mapping[str, str] | None = None,
    country_map: Mapping[str, str] | None = None,
    header_row: int | None = None,
) -> tuple[pl.LazyFrame, ReadReport]:
    """Read and check a purchase CSV; return its normalised lines (in memory, as a LazyFrame
    with `PURCHASE_SCHEMA`) and a report of how it was read. `country_map` ({value: ISO-2})
    says what country values the engine does not know mean; `header_row` (from 1, as a
    spreadsheet numbers rows) the row with the column names. Raises PurchaseFileError
    (UnknownCountries for country values neither known nor mapped)."""
    parsed = _parse(
        source,
        delimiter=delimiter,
        encoding=encoding,
        decimal_comma=decimal_comma,
        header_map=header_map,
        header_row=header_row,
    )
    out, parsed, mappings = _read(parsed, screening=False, resolve=country_resolver(country_map))
    df = out["lines"]
    fixes = []
    for f in COUNTRY_FIELDS:
        mapping = mappings.get(f, {})
        fixes.append(
            pl.col(f).cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.String)
            if mapping
            else pl.col(f).cast(pl.String)
        )
    normalised = df.select(
        "line",
        pl.col("description").cast(pl.String),
        pl.col("hs_code").cast(pl.String).str.strip_chars(),
        pl.col("supplier").cast(pl.String),
        *fixes,
        "quantity",
        "spend",
    ).select(list(PURCHASE_SCHEMA))
    return normalised.lazy(), parsed.report


def screen_csv(
    source: str | Path | bytes | io.IOBase,
    reference: Reference,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    decimal_comma: bool | None = None,
    header_map: Mapping[str, str] | None = None,
    origin_stage: str | None = None,
    stated_elsewhere: Iterable[str] | bool = (),
    country_map: Mapping[str, str] | None = None,
    header_row: int | None = None,
) -> ScreeningResult:
    """Read, check and screen a purchase CSV in one pass over the file (the same errors as
    `read_purchase_csv`); the result carries the read report. `origin_stage` (one of STAGES)
    places every stated origin at that stage, e.g. smelter countries at smelting/refining;
    the lines' other stages are then spread over world production, except for the
    commodities in `stated_elsewhere` (True: for all)."""
    if origin_stage is not None and origin_stage not in STAGES:
        raise ValueError(f"unknown stage: {origin_stage}")
    parsed = _parse(
        source,
        delimiter=delimiter,
        encoding=encoding,
        decimal_comma=decimal_comma,
        header_map=header_map,
        header_row=header_row,
    )
    start = time.perf_counter()
    resolve = country_resolver(country_map)
    out, parsed, _mappings = _read(parsed, screening=True, resolve=resolve)
    middle = time.perf_counter()
    result = _result(
        out,
        reference,
        parsed.report,
        map_origins=resolve,
        origin_stage=origin_stage,
        stated_elsewhere=stated_elsewhere,
    )
    result.timings = {"pass": middle - start, "rest": time.perf_counter() - middle}
    return result
