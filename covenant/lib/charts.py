"""Vega-Lite (Altair) charts rendered to SVG on the server: vector images that need no
JavaScript, the same in pages and PDFs."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=256)
def svg(spec_json: str) -> str:
    """Return the SVG of a Vega-Lite spec (cached: the same spec renders once per process)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec_json)
