"""`{{ value|amount }}`: an amount or quantity as the reader writes numbers."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format

register = template.Library()


@register.filter
def amount(value):
    """Grouped, with two decimals only where there are any (1.250,50 in Dutch, 1,250.50 in
    English); a small amount as written, not rounded away to 0,00; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if value == 0 or abs(value) >= 0.01:
        return floatformat(value, "-2g")
    return number_format(value)
