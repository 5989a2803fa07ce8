"""Writes of covenants, years, organisations and memberships.

Each service validates fully and raises `ValidationError` (with the field it concerns) before
anything is saved, so a form or an API call shows the message and nothing is half-written.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from covenant.covenants.models import Covenant, CovenantYear, Membership, Organisation

MSG_DUPLICATE_ORGANISATION = _("%(name)s is already an organisation of this covenant.")
MSG_YEAR_OUTSIDE = _("Year %(year)s is outside this covenant, which has years 1 to %(last)s.")
MSG_LEAVES_BEFORE_JOINING = _("A membership cannot end before the year in which it starts.")
MSG_ALREADY_MEMBER = _("%(name)s is already a member of this covenant.")
MSG_NOT_LISTED = _("Add %(name)s to this covenant's organisations first.")
MSG_YEAR_OVERLAP = _("A year must end before the next year starts.")
MSG_YEAR_ORDER = _("A year must end after it starts.")


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _year_span(start_date: dt.date, number: int) -> tuple[dt.date, dt.date, str]:
    start = _add_years(start_date, number - 1)
    end = _add_years(start_date, number) - dt.timedelta(days=1)
    label = f"{start.year}-{end.year}" if start.year != end.year else str(start.year)
    return start, end, label


@transaction.atomic
def covenant_create(
    *,
    name: str,
    slug: str,
    sector: str,
    start_date: dt.date,
    number_of_years: int,
    description: str = "",
    disclosure_threshold: int = 3,
    status: str = Covenant.Status.ACTIVE,
    secretariat_mfa_required: bool = True,
    is_illustrative: bool = False,
) -> Covenant:
    """Create a covenant with its years, each a full year from the start date on."""
    covenant = Covenant(
        name=name,
        slug=slug,
        sector=sector,
        description=description,
        start_date=start_date,
        number_of_years=number_of_years,
        disclosure_threshold=disclosure_threshold,
        status=status,
        secretariat_mfa_required=secretariat_mfa_required,
        is_illustrative=is_illustrative,
    )
    covenant.full_clean()
    covenant.save()
    for number in range(1, number_of_years + 1):
        start, end, label = _year_span(start_date, number)
        CovenantYear.objects.create(
            covenant=covenant, number=number, start=start, end=end, label=label
        )
    return covenant


COVENANT_SETTINGS_FIELDS = (
    "name",
    "sector",
    "description",
    "disclosure_threshold",
    "status",
    "successor",
    "secretariat_mfa_required",
    "report_approvals_required",
)


@transaction.atomic
def covenant_update(*, covenant: Covenant, **fields) -> Covenant:
    """Change the covenant's settings (not its years: see `covenant_year_update`)."""
    unknown = set(fields) - set(COVENANT_SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Not a covenant setting: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(covenant, name, value)
    if covenant.successor_id == covenant.pk:
        raise ValidationError({"successor": _("A covenant cannot succeed itself.")})
    covenant.full_clean()
    covenant.save(update_fields=list(fields))
    return covenant


def _check_year_neighbours(year: CovenantYear) -> None:
    if year.end <= year.start:
        raise ValidationError({"end": MSG_YEAR_ORDER})
    siblings = CovenantYear.objects.filter(covenant=year.covenant).exclude(pk=year.pk)
    before = siblings.filter(number__lt=year.number).order_by("-number").first()
    after = siblings.filter(number__gt=year.number).order_by("number").first()
    if before and before.end >= year.start:
        raise ValidationError({"start": MSG_YEAR_OVERLAP})
    if after and year.end >= after.start:
        raise ValidationError({"end": MSG_YEAR_OVERLAP})


@transaction.atomic
def covenant_year_update(
    *, year: CovenantYear, start: dt.date, end: dt.date, label: str
) -> CovenantYear:
    """Change a year's dates and label; years may not overlap."""
    year.start, year.end, year.label = start, end, label
    _check_year_neighbours(year)
    year.full_clean()
    year.save(update_fields=["start", "end", "label"])
    return year


@transaction.atomic
def covenant_year_add(*, covenant: Covenant) -> CovenantYear:
    """Extend the covenant by one year after its last one."""
    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    last = covenant.years.order_by("-number").first()
    number = (last.number if last else 0) + 1
    start = last.end + dt.timedelta(days=1) if last else covenant.start_date
    end = _add_years(start, 1) - dt.timedelta(days=1)
    label = f"{start.year}-{end.year}"
    year = CovenantYear.objects.create(
        covenant=covenant, number=number, start=start, end=end, label=label
    )
    covenant.number_of_years = number
    covenant.save(update_fields=["number_of_years"])
    return year


def _check_year_in_covenant(covenant: Covenant, field: str, number: int | None) -> None:
    if number is not None and not 1 <= number <= covenant.number_of_years:
        raise ValidationError(
            {field: MSG_YEAR_OUTSIDE % {"year": number, "last": covenant.number_of_years}}
        )


@transaction.atomic
def organisation_add(
    *,
    covenant: Covenant,
    name: str,
    kind: str,
    country: str = "",
    website: str = "",
    size_class: str = "",
    is_illustrative: bool = False,
) -> tuple[Organisation, bool]:
    """List an organisation in the covenant, creating it when the instance has none by that name.

    Returns the organisation and whether it was created. An organisation already listed in
    this covenant is refused.
    """
    name = " ".join(name.split())
    existing = Organisation.objects.filter(name__iexact=name).first()
    if existing is not None:
        if existing.covenants.filter(pk=covenant.pk).exists():
            raise ValidationError({"name": MSG_DUPLICATE_ORGANISATION % {"name": existing.name}})
        existing.covenants.add(covenant)
        return existing, False
    organisation = Organisation(
        name=name,
        kind=kind,
        country=country,
        website=website,
        size_class=size_class,
        is_illustrative=is_illustrative,
    )
    organisation.full_clean()
    organisation.save()
    organisation.covenants.add(covenant)
    return organisation, True


ORGANISATION_FIELDS = ("name", "kind", "country", "website", "size_class", "is_illustrative")


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields) -> Organisation:
    """Change an organisation's details; the name stays unique on the instance."""
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Not an organisation field: {', '.join(sorted(unknown))}")
    if "name" in fields:
        fields["name"] = " ".join(fields["name"].split())
        clash = Organisation.objects.filter(name__iexact=fields["name"]).exclude(pk=organisation.pk)
        if clash.exists():
            raise ValidationError(
                {
                    "name": _("Another organisation is already called %(name)s.")
                    % {"name": fields["name"]}
                }
            )
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save(update_fields=[*fields, "updated_at"])
    return organisation


def _check_membership(
    covenant: Covenant, joined_in_year: int, leaves_after_year: int | None
) -> None:
    _check_year_in_covenant(covenant, "joined_in_year", joined_in_year)
    _check_year_in_covenant(covenant, "leaves_after_year", leaves_after_year)
    if leaves_after_year is not None and leaves_after_year < joined_in_year:
        raise ValidationError({"leaves_after_year": MSG_LEAVES_BEFORE_JOINING})


@transaction.atomic
def membership_create(
    *,
    covenant: Covenant,
    organisation: Organisation,
    joined_in_year: int,
    leaves_after_year: int | None = None,
) -> Membership:
    """Make a listed organisation a member from `joined_in_year` on."""
    if not organisation.covenants.filter(pk=covenant.pk).exists():
        raise ValidationError({"organisation": MSG_NOT_LISTED % {"name": organisation.name}})
    if Membership.objects.filter(covenant=covenant, organisation=organisation).exists():
        raise ValidationError({"organisation": MSG_ALREADY_MEMBER % {"name": organisation.name}})
    _check_membership(covenant, joined_in_year, leaves_after_year)
    membership = Membership(
        covenant=covenant,
        organisation=organisation,
        joined_in_year=joined_in_year,
        leaves_after_year=leaves_after_year,
    )
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_update(
    *, membership: Membership, joined_in_year: int, leaves_after_year: int | None
) -> Membership:
    """Change when a membership starts and ends (ending it is setting `leaves_after_year`)."""
    _check_membership(membership.covenant, joined_in_year, leaves_after_year)
    membership.joined_in_year = joined_in_year
    membership.leaves_after_year = leaves_after_year
    membership.full_clean()
    membership.save(update_fields=["joined_in_year", "leaves_after_year", "updated_at"])
    return membership
