"""API schemas of covenants; each lists its fields explicitly."""

import datetime as dt
from uuid import UUID

from ninja import Schema


class YearOut(Schema):
    number: int
    label: str
    start: dt.date
    end: dt.date


class CovenantOut(Schema):
    slug: str
    name: str
    sector: str
    start_date: dt.date
    number_of_years: int
    status: str
    disclosure_threshold: int
    is_illustrative: bool
    successor: str | None


class CovenantDetailOut(CovenantOut):
    description: str
    years: list[YearOut]


class OrganisationOut(Schema):
    code: UUID
    name: str
    kind: str
    country: str
    website: str
    is_illustrative: bool


class MembershipOut(Schema):
    organisation: OrganisationOut
    joined_in_year: int
    leaves_after_year: int | None
