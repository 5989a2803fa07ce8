"""The disclosure threshold: the one place where aggregate figures are suppressed.

A figure shown to anyone but the secretariat, or published, that is computed over fewer
companies than the covenant's threshold is suppressed ("fewer than 3").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal


@dataclass(frozen=True)
class Figure:
    """A numerator of a denominator (or a value, for averages) over `companies` companies."""

    numerator: Decimal | int | None
    denominator: Decimal | int | None
    value: Decimal | float | None = None
    companies: int = 0
    suppressed: bool = False

    @property
    def percent(self) -> float | None:
        if self.suppressed or not self.denominator or self.numerator is None:
            return None
        return round(100 * float(self.numerator) / float(self.denominator), 1)


def disclose(figure: Figure, *, threshold: int, for_secretariat: bool) -> Figure:
    """Return the figure as the viewer may see it: suppressed under the threshold."""
    if for_secretariat or figure.companies >= threshold:
        return figure
    return withhold(figure)


def withhold(figure: Figure) -> Figure:
    """The figure suppressed: for one of enough companies that, with the figures shown
    beside it, would tell fewer companies' (the sector map's overlapping sums)."""
    return replace(figure, numerator=None, denominator=None, value=None, suppressed=True)
