"""Charts of the screening, rendered on the server to SVG with vl-convert (no JavaScript in
the page): a heat map country × commodity (the sector risk map and a run's findings), a world
map of the summed exposure share per country (the sector map) and a bar chart of a run's
highest scores.

The sector's charts are built only from the cells the viewer may see (suppressed cells carry
no value into the chart data). Names come in the active language from the caller (countries
through `country_name`). The world geometry is vendored (covenant/static/vendor/README.md)
and inlined into the spec; a rendered chart is cached per data fingerprint.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pycountry
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from covenant.screening import selectors
from covenant.screening.templatetags.amounts import percent

TOP_FINDINGS = 10  # bars in a run's chart of the highest scores
ATLAS = Path(settings.BASE_DIR) / "covenant/static/vendor/world-atlas-2.0.2/countries-110m.json"
ANTARCTICA = "010"


@functools.cache
def world_topology() -> dict:
    """The world-atlas 2.0.2 countries at 1:110m (TopoJSON; ids are ISO 3166-1 numeric)."""
    return json.loads(ATLAS.read_text(encoding="utf-8"))


@functools.cache
def iso_numeric(alpha_2: str) -> str | None:
    """The atlas' id of a country (ISO 3166-1 numeric, as a zero-padded string)."""
    country = pycountry.countries.get(alpha_2=(alpha_2 or "").upper())
    return country.numeric if country else None


# In the active language; the annual report draws its sector chart with it too.
country_name = selectors.country_name


def fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# A rendered chart per data fingerprint; the world map's spec (with ~100 kB of inlined
# geometry) is built only when its fingerprint is not cached.
_svgs: dict[str, str] = {}
MAX_CACHED = 128


# Numbers on axes and legends as the active language writes them (d3-format locales).
FORMAT_LOCALES = {"nl": "nl-NL", "en": "en-US"}


def _cached_svg(key: str, build_spec) -> str:
    locale = FORMAT_LOCALES.get(selectors.active_language(), "en-US")
    key = f"{locale}:{key}"
    svg = _svgs.get(key)
    if svg is None:
        import vl_convert as vlc

        svg = vlc.vegalite_to_svg(build_spec(), format_locale=locale)
        if len(_svgs) >= MAX_CACHED:
            _svgs.pop(next(iter(_svgs)), None)
        _svgs[key] = svg
    return svg


def heat_rows(
    cells: Iterable[tuple[str, str, float | None]],
    *,
    label: Callable[[float], str],
    hidden: str = "",
) -> list[dict]:
    """The heat map's rows from (country, commodity, value) cells: the values summed per
    (country, commodity) and labelled by `label`; a pair whose every value is None
    (suppressed) stays in the map without a value, labelled `hidden`."""
    heat: dict[tuple[str, str], float | None] = {}
    for country, commodity, value in cells:
        if value is None:  # counted as present, never with a value
            heat.setdefault((country, commodity), None)
        else:
            heat[country, commodity] = (heat.get((country, commodity)) or 0.0) + value
    return [
        {
            "country": country,
            "commodity": commodity,
            "share": None if value is None else round(value, 4),
            "label": hidden if value is None else label(value),
        }
        for (country, commodity), value in sorted(heat.items())
    ]


def heat_map_svg(
    rows: list[dict], *, title: str, legend: str, legend_format: str | None = None
) -> str:
    """Country (rows) × commodity (columns). `rows` hold country, commodity, share and label;
    share is None where every cell behind it is suppressed (drawn grey, labelled, no value).
    `legend_format` is a d3 format for the legend's values (".0%" for shares in percent)."""
    if not rows:
        return ""

    def build() -> str:
        import altair as alt

        top = max((r["share"] for r in rows if r["share"] is not None), default=0) or 1
        values = [{**r, "dark": r["share"] is not None and r["share"] > 0.6 * top} for r in rows]
        base = alt.Chart(alt.Data(values=values)).encode(
            x=alt.X("commodity:N", title=None, axis=alt.Axis(labelAngle=-30, orient="top")),
            y=alt.Y("country:N", title=None, axis=alt.Axis(labelLimit=260)),
        )
        hidden = base.mark_rect(fill="#d1d5db").transform_filter("!isValid(datum.share)")
        shown = (
            base.mark_rect()
            .transform_filter("isValid(datum.share)")
            .encode(
                color=alt.Color(
                    "share:Q",
                    title=legend,
                    scale=alt.Scale(scheme="oranges"),
                    legend=alt.Legend(titleLimit=320, format=legend_format or alt.Undefined),
                ),
                tooltip=["country:N", "commodity:N", alt.Tooltip("share:Q", format=".3f")],
            )
        )
        labels = base.mark_text(fontSize=11).encode(
            text="label:N",
            color=alt.condition("datum.dark", alt.value("white"), alt.value("#111827")),
        )
        layers = (
            [hidden, shown, labels]
            if any(v["share"] is not None for v in values)
            else [
                hidden,
                labels,
            ]
        )  # no legend without a value
        chart = alt.layer(*layers, title=title).properties(
            width=max(160, 64 * len({r["commodity"] for r in rows})),
            height=max(60, 24 * len({r["country"] for r in rows})),
        )
        return chart.to_json()

    return _cached_svg(fingerprint("heat", rows, title, legend, legend_format), build)


def world_map_svg(rows: list[dict], *, title: str, legend: str) -> str:
    """Choropleth of `rows` (country ISO-2 code, share) on the vendored world geometry, the
    countries named in the active language."""
    values = [
        {"id": numeric, "country": country_name(r["country"]), "share": round(r["share"], 4)}
        for r in rows
        if r["share"] is not None and (numeric := iso_numeric(r["country"]))
    ]

    def build() -> str:
        import altair as alt

        geo = alt.Data(
            values=world_topology(), format=alt.DataFormat(type="topojson", feature="countries")
        )
        land = (
            alt.Chart(geo)
            .mark_geoshape(fill="#e5e7eb", stroke="white", strokeWidth=0.5)
            .transform_filter(f"datum.id !== '{ANTARCTICA}'")
        )
        exposed = (
            alt.Chart(geo)
            .mark_geoshape(stroke="white", strokeWidth=0.5)
            .transform_lookup(
                lookup="id",
                from_=alt.LookupData(alt.Data(values=values), "id", ["country", "share"]),
            )
            .transform_filter("isValid(datum.share)")
            .encode(
                color=alt.Color(
                    "share:Q",
                    title=legend,
                    scale=alt.Scale(scheme="oranges"),
                    legend=alt.Legend(titleLimit=320),
                ),
                tooltip=["country:N", alt.Tooltip("share:Q", format=".3f")],
            )
        )
        chart = (
            alt.layer(land, exposed, title=title)
            .project("equalEarth")
            .properties(width=640, height=330)
        )
        return chart.to_json()

    return _cached_svg(fingerprint("world", values, title, legend), build)


def bar_chart_svg(rows: list[dict], *, title: str, axis: str) -> str:
    """Horizontal bars of `rows` (label, value, text) in their order, the first on top;
    `text` is written at the end of each bar."""
    if not rows:
        return ""

    def build() -> str:
        import altair as alt

        base = alt.Chart(alt.Data(values=rows)).encode(
            x=alt.X("value:Q", title=axis),
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=420)),
        )
        bars = base.mark_bar(color="#c2410c").encode(tooltip=["label:N", "text:N"])
        values = base.mark_text(align="left", dx=4, fontSize=11, color="#111827").encode(
            text="text:N"
        )
        chart = alt.layer(bars, values, title=title).properties(
            width=320, height=max(60, 26 * len(rows))
        )
        return chart.to_json()

    return _cached_svg(fingerprint("bars", rows, title, axis), build)


def _percent(share: float) -> str:
    return percent(share)  # as the tables write it


def run_charts(
    *, heat: list[dict], findings: list, themes: dict[str, str], names: dict[str, str]
) -> dict:
    """A run's charts under the page's filters, with the rows of their text alternatives:
    `heat_svg` and `heat_table` (share of exposure per country × commodity, from
    `selectors.finding_heat`, largest first), `top_svg` and `top_rows` (the highest scores,
    from the findings by rank as `selectors.finding_names` gives them)."""
    cells = [
        {
            **cell,
            "country_label": selectors.country_label(cell["country"]) or _("no country"),
            "commodity_name": names.get(cell["commodity"], cell["commodity"]),
            "label": _percent(cell["share"]),
        }
        for cell in heat
    ]
    top = [
        {
            "label": f"#{f.rank} "
            + " – ".join(
                [
                    capfirst(themes.get(f.theme, f.theme)),
                    f.commodity_name,
                    f.country_name or _("no country"),
                ]
            ),
            "value": round(f.score, 6),
            "text": floatformat(f.score, 4),  # rounded and written as in the table
        }
        for f in findings[:TOP_FINDINGS]  # by rank, which is by score
    ]
    return {
        "heat_svg": heat_map_svg(
            heat_rows(
                ((c["country_label"], capfirst(c["commodity_name"]), c["share"]) for c in cells),
                label=_percent,
            ),
            title=_("Exposure by country and commodity"),
            legend=_("share of exposure"),
            legend_format=".0%",
        ),
        "heat_table": sorted(cells, key=lambda c: -c["share"]),
        "top_svg": bar_chart_svg(top, title=_("The highest scores"), axis=_("Score")),
        "top_rows": top,
    }
