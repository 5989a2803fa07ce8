"""Reads of covenants, years, organisations and memberships.

The data here is public (who the parties are and when they joined or left) except where a
selector takes `fetched_by`: those return only what that user may manage.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from covenant.accounts.access import Perm, can
from covenant.covenants.models import Covenant, CovenantYear, Membership, Organisation


def covenant_list() -> QuerySet[Covenant]:
    """Return all covenants of the instance with their number of years and parties."""
    return Covenant.objects.annotate(party_count=Count("memberships", distinct=True)).order_by(
        "name"
    )


def covenant_get(*, slug: str) -> Covenant:
    """Return the covenant with this slug, or raise 404."""
    return get_object_or_404(Covenant, slug=slug)


def covenant_year_list(*, covenant: Covenant) -> list[CovenantYear]:
    """Return the years of the covenant in order."""
    return list(covenant.years.order_by("number"))


def covenant_current_year(*, covenant: Covenant, years: list[CovenantYear], today) -> CovenantYear:
    """Return the year that contains `today`, else the last year that has begun, else the first."""
    started = [y for y in years if y.start <= today]
    for year in started:
        if year.start <= today <= year.end:
            return year
    return started[-1] if started else years[0]


def membership_list(*, covenant: Covenant, year: int | None = None) -> QuerySet[Membership]:
    """Return the memberships of the covenant, those in force in `year` when given."""
    qs = Membership.objects.filter(covenant=covenant).select_related("organisation")
    if year is not None:
        qs = qs.in_year(year)
    return qs.order_by("organisation__name")


@dataclass
class PartyRow:
    membership: Membership
    joined_this_year: bool
    leaves_after_this_year: bool


@dataclass
class KindGroup:
    kind: str
    label: str
    rows: list[PartyRow]


def parties_by_kind(*, covenant: Covenant, year: int) -> list[KindGroup]:
    """Return the parties in force in `year`, grouped by organisation kind in display order."""
    groups: OrderedDict[str, list[PartyRow]] = OrderedDict(
        (kind.value, []) for kind in Organisation.Kind
    )
    for m in membership_list(covenant=covenant, year=year):
        groups[m.organisation.kind].append(
            PartyRow(
                membership=m,
                joined_this_year=m.joined_in_year == year and year > 1,
                leaves_after_this_year=m.leaves_after_year == year,
            )
        )
    labels = dict(Organisation.Kind.choices)
    return [KindGroup(kind=k, label=labels[k], rows=v) for k, v in groups.items() if v]


@dataclass
class YearChanges:
    year: CovenantYear
    joined: list[Membership]
    leaving: list[Membership]


def membership_changes(*, covenant: Covenant) -> list[YearChanges]:
    """Return, per year, who joined in it (after the start) and who leaves after it."""
    years = covenant_year_list(covenant=covenant)
    memberships = list(membership_list(covenant=covenant))
    return [
        YearChanges(
            year=y,
            joined=[m for m in memberships if m.joined_in_year == y.number and y.number > 1],
            leaving=[m for m in memberships if m.leaves_after_year == y.number],
        )
        for y in years
    ]


def organisation_list(*, covenant: Covenant, fetched_by) -> QuerySet[Organisation]:
    """Return the organisations listed in the covenant, for those who manage it."""
    if not can(fetched_by, Perm.COVENANT_MANAGE, covenant):
        return Organisation.objects.none()
    return covenant.organisations.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(covenant=covenant),
            to_attr="memberships_here",
        )
    ).order_by("name")


def organisation_get_public(*, code) -> Organisation:
    """Return an organisation by its public code with its memberships, or raise 404."""
    return get_object_or_404(
        Organisation.objects.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("covenant"))
        ),
        code=code,
    )
