"""Charts of the sector risk map, rendered on the server to SVG with vl-convert (no
JavaScript in the page): a heat map country × commodity and a world map of the summed
exposure share per country.

Both are built only from the cells the viewer may see (suppressed cells carry no value into
the chart data). The world geometry is vendored (covenant/static/vendor/README.md) and
inlined into the spec; a rendered map is cached per data fingerprint.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import pycountry
from django.conf import settings

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


def country_name(alpha_2: str) -> str:
    country = pycountry.countries.get(alpha_2=(alpha_2 or "").upper())
    return getattr(country, "common_name", None) or (country.name if country else alpha_2)


def fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# A rendered chart per data fingerprint; the world map's spec (with ~100 kB of inlined
# geometry) is built only when its fingerprint is not cached.
_svgs: dict[str, str] = {}
MAX_CACHED = 128


def _cached_svg(key: str, build_spec) -> str:
    svg = _svgs.get(key)
    if svg is None:
        import vl_convert as vlc

        svg = vlc.vegalite_to_svg(build_spec())
        if len(_svgs) >= MAX_CACHED:
            _svgs.pop(next(iter(_svgs)), None)
        _svgs[key] = svg
    return svg


def heat_map_svg(rows: list[dict], *, title: str, legend: str) -> str:
    """Country (rows) × commodity (columns). `rows` hold country, commodity, share and label;
    share is None where every cell behind it is suppressed (drawn grey, labelled, no value)."""
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
                color=alt.Color("share:Q", title=legend, scale=alt.Scale(scheme="oranges")),
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

    return _cached_svg(fingerprint("heat", rows, title, legend), build)


def world_map_svg(rows: list[dict], *, title: str, legend: str) -> str:
    """Choropleth of `rows` (country ISO-2 code, share) on the vendored world geometry."""
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
                color=alt.Color("share:Q", title=legend, scale=alt.Scale(scheme="oranges")),
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
