"""API of covenants: the public list of covenants, their years and their parties."""

from django.shortcuts import get_object_or_404
from ninja import Router

from covenant.accounts.decorators import Policy, declare
from covenant.covenants import selectors
from covenant.covenants.models import Covenant, Membership
from covenant.covenants.schemas import CovenantDetailOut, CovenantOut, MembershipOut

router = Router(tags=["covenants"])
PUBLIC = Policy("public")


def _covenant_out(covenant: Covenant, **extra) -> dict:
    return {
        "slug": covenant.slug,
        "name": covenant.name,
        "sector": covenant.sector,
        "start_date": covenant.start_date,
        "number_of_years": covenant.number_of_years,
        "status": covenant.status,
        "disclosure_threshold": covenant.disclosure_threshold,
        "is_illustrative": covenant.is_illustrative,
        "successor": covenant.successor.slug if covenant.successor_id else None,
        **extra,
    }


def _membership_out(m: Membership) -> dict:
    o = m.organisation
    return {
        "organisation": {
            "code": o.code,
            "name": o.name,
            "kind": o.kind,
            "country": o.country.code or "",
            "website": o.website,
            "is_illustrative": o.is_illustrative,
        },
        "joined_in_year": m.joined_in_year,
        "leaves_after_year": m.leaves_after_year,
    }


@router.get("/covenants", response=list[CovenantOut], summary="List the covenants")
@declare(PUBLIC)
def covenant_list(request):
    return [_covenant_out(c) for c in selectors.covenant_list().select_related("successor")]


@router.get("/covenants/{slug}", response=CovenantDetailOut, summary="One covenant and its years")
@declare(PUBLIC)
def covenant_detail(request, slug: str):
    covenant = get_object_or_404(Covenant.objects.select_related("successor"), slug=slug)
    years = selectors.covenant_year_list(covenant=covenant)
    return _covenant_out(covenant, description=covenant.description, years=years)


@router.get(
    "/covenants/{slug}/memberships",
    response=list[MembershipOut],
    summary="The parties of a covenant, in one year when `year` is given",
)
@declare(PUBLIC)
def membership_list(request, slug: str, year: int | None = None):
    covenant = selectors.covenant_get(slug=slug)
    return [_membership_out(m) for m in selectors.membership_list(covenant=covenant, year=year)]
