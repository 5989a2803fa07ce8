"""API of activities: those the caller may see, and public ones for anyone."""

import datetime as dt
from uuid import UUID

from ninja import Router, Schema

from covenant.accounts.decorators import Policy, declare
from covenant.activities import selectors
from covenant.activities.models import Activity
from covenant.covenants import selectors as covenant_selectors

router = Router(tags=["activities"])


class ActivityOut(Schema):
    code: UUID
    covenant: str
    kind: str
    title: str
    description: str
    start_date: dt.date
    end_date: dt.date | None
    organiser: str | None
    participants: list[str]
    themes: list[str]
    countries: list[str]
    chain_stages: list[str]
    is_public: bool
    status: str
    is_illustrative: bool


def _out(a: Activity) -> dict:
    return {
        "code": a.code,
        "covenant": a.covenant.slug,
        "kind": a.kind,
        "title": a.title,
        "description": a.description,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "organiser": a.organiser.name if a.organiser_id else None,
        "participants": [p.name for p in a.participants.all()],
        "themes": a.themes,
        "countries": [c.code for c in a.countries],
        "chain_stages": a.chain_stages,
        "is_public": a.is_public,
        "status": a.status,
        "is_illustrative": a.is_illustrative,
    }


@router.get(
    "/covenants/{slug}/activities",
    response=list[ActivityOut],
    summary="The activities of a covenant that the caller may see (public ones for anyone)",
)
@declare(Policy("public"))
def activity_list(request, slug: str, year: int | None = None, kind: str | None = None):
    covenant = covenant_selectors.covenant_get(slug=slug)
    qs = selectors.activity_list(covenant=covenant, fetched_by=request.auth).select_related(
        "covenant"
    )
    filters = selectors.Filters(
        year=covenant.years.filter(number=year).first() if year else None, kind=kind or ""
    )
    return [_out(a) for a in selectors.activity_filter(qs, filters)]


@router.get("/activities/{code}", response=ActivityOut, summary="One activity, if visible")
@declare(Policy("object"))
def activity_detail(request, code: UUID):
    activity = selectors.activity_get(code=code, fetched_by=request.auth)
    return _out(activity)
