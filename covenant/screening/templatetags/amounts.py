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


@register.filter
def percent(share):
    """A share (0.189) as a percentage with one decimal, as the charts label it: "18,9%" in
    Dutch; "< 0,1%" for a share above zero that would read as 0,0%."""
    if share is None or isinstance(share, bool) or not isinstance(share, int | float):
        return share
    if 0 < share < 0.0005:
        return f"< {floatformat(0.1, 1)}%"
    return f"{floatformat(100 * share, 1)}%"
