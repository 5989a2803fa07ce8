"""API of the knowledge base (read-only, for logged-in callers): commodities, one commodity
with its facts, one country. Every fact carries its source."""

from __future__ import annotations

from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError

from covenant.accounts.decorators import Policy, declare
from covenant.knowledge import selectors
from covenant.knowledge.models import Commodity, DocumentedRisk, ProductionShare, Source

router = Router(tags=["knowledge"])


class SourceOut(Schema):
    id: int
    publisher: str
    title: str
    edition: str
    year: int
    url: str
    licence: str
    is_current: bool


class CommodityOut(Schema):
    code: str
    name_nl: str
    name_en: str
    kind: str
    synonyms: list[str]
    hs_codes: list[str]


class ComponentOut(Schema):
    component: str
    share: float
    source: SourceOut


class ProductionOut(Schema):
    commodity: str
    country: str
    chain_stage: str
    measure: str
    year: int
    value: float | None
    unit: str
    share: float | None
    is_estimate: bool
    note: str
    source: SourceOut


class RiskOut(Schema):
    theme: str
    commodity: str | None
    country: str | None
    chain_stage: str
    severity: int
    description: str = Field(description="The risk as its source states it (ILAB's in English).")
    text: str = Field(
        description=(
            "The description in the caller's language (Accept-Language: nl or en) where the "
            "loader composed it from the source's list; else the description as written."
        )
    )
    source: SourceOut


class CommodityDetailOut(CommodityOut):
    components: list[ComponentOut]
    production: list[ProductionOut]
    risks: list[RiskOut]


class CountryOut(Schema):
    code: str
    name: str
    production: list[ProductionOut]
    risks: list[RiskOut]


def _require_login(request) -> None:
    if not request.auth.is_authenticated:
        raise AuthenticationError


def _source(s: Source) -> dict:
    return {
        "id": s.pk,
        "publisher": s.publisher,
        "title": s.title,
        "edition": s.edition,
        "year": s.year,
        "url": s.url,
        "licence": s.licence,
        "is_current": s.is_current,
    }


def _production(p: ProductionShare, commodity: Commodity) -> dict:
    return {
        "commodity": commodity.code,
        "country": str(p.country),
        "chain_stage": p.chain_stage,
        "measure": p.measure,
        "year": p.year,
        "value": float(p.value) if p.value is not None else None,
        "unit": p.unit,
        "share": p.share,
        "is_estimate": p.is_estimate,
        "note": p.note,
        "source": _source(p.source),
    }


def _risk(r: DocumentedRisk) -> dict:
    return {
        "theme": r.theme,
        "commodity": r.commodity.code if r.commodity_id else None,
        "country": str(r.country) or None,
        "chain_stage": r.chain_stage,
        "severity": r.severity,
        "description": r.description,
        "text": r.text,
        "source": _source(r.source),
    }


def _commodity(c: Commodity, synonyms=None, hs_codes=None) -> dict:
    if synonyms is None:  # prefetched with their sources
        synonyms = [s for s in c.synonyms.all() if s.source.is_current]
    if hs_codes is None:
        hs_codes = [h for h in c.hs_codes.all() if h.source.is_current]
    return {
        "code": c.code,
        "name_nl": c.name_nl,
        "name_en": c.name_en,
        "kind": c.kind,
        "synonyms": [s.text for s in synonyms],
        "hs_codes": [h.code for h in hs_codes],
    }


@router.get(
    "/knowledge/commodities",
    response=list[CommodityOut],
    summary="Commodities, or those matching a name, synonym or HS code (`q`)",
)
@declare(Policy("authenticated"))
def commodity_list(request, q: str = ""):
    _require_login(request)
    if q.strip():
        items = [hit.commodity for hit in selectors.commodity_search(q)]
    else:
        items = list(selectors.commodity_list())
    prefetched = {
        c.pk: c
        for c in Commodity.objects.filter(pk__in=[c.pk for c in items]).prefetch_related(
            "synonyms__source", "hs_codes__source"
        )
    }
    return [_commodity(prefetched[c.pk]) for c in items]


@router.get(
    "/knowledge/commodities/{code}",
    response=CommodityDetailOut,
    summary="One commodity: names, HS codes, composition, production shares, documented risks",
)
@declare(Policy("authenticated"))
def commodity_detail(request, code: str):
    _require_login(request)
    commodity = selectors.commodity_get(code=code)
    facts = selectors.commodity_facts(commodity=commodity)
    return {
        **_commodity(commodity, facts.synonyms, facts.hs_codes),
        "components": [
            {"component": c.component.code, "share": c.share, "source": _source(c.source)}
            for c in facts.components
        ],
        "production": [
            _production(row, commodity) for group in facts.production for row in group.rows
        ],
        "risks": [_risk(r) for r in facts.risks],
    }


@router.get(
    "/knowledge/countries/{iso2}",
    response=CountryOut,
    summary="One country (ISO 3166 alpha-2): what it produces, with shares, and documented risks",
)
@declare(Policy("authenticated"))
def country_detail(request, iso2: str):
    _require_login(request)
    code, name = selectors.country_get(iso2=iso2)
    return {
        "code": code,
        "name": str(name),
        "production": [
            _production(row, group.commodity)
            for group in selectors.production_of_country(iso2=code)
            for row in group.rows
        ],
        "risks": [_risk(r) for r in selectors.risks_of_country(iso2=code)],
    }
