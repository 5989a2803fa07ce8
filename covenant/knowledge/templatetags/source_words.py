"""`{{ text|source_words }}`: a source's own words (USGS's measures, units and notes) in the
reader's language where the catalogue has them; other text as written."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from covenant.knowledge.reference_data import USGS_WORDS, WORLD_TOTAL_NOTE

register = template.Library()
_WORLD_TOTAL = WORLD_TOTAL_NOTE.split("%")[0]  # "World total: "
_KNOWN = frozenset(USGS_WORDS)


def _part(text: str) -> str:
    if text.startswith(_WORLD_TOTAL):
        return gettext(WORLD_TOTAL_NOTE) % {"note": _part(text[len(_WORLD_TOTAL) :])}
    return gettext(text) if text in _KNOWN else text  # a curator's words as written


@register.filter
def source_words(text: str | None) -> str:
    """Each part of a note ("NA; World total: NA") on its own."""
    return "; ".join(_part(part) for part in (text or "").split("; "))
