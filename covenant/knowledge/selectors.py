"""Reads of the knowledge base. Its facts are not confidential: every logged-in user may read
them. Pages show the facts of current sources; older editions stay on the sources page.

Curation is for the secretariat of any covenant: `can_curate` answers it from the roles, with
the permission string of the one access module.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_countries import countries

from covenant.accounts.access import ROLE_PERMISSIONS, Perm
from covenant.accounts.models import Role
from covenant.knowledge.models import (
    Commodity,
    CommoditySynonym,
    Composition,
    DocumentedRisk,
    FactChange,
    GovernanceEstimate,
    HsCode,
    ProductionShare,
    Source,
    name_in_language,
)
from covenant.lib.countries import country_label
from covenant.lib.taxonomy import ChainStage
from covenant.screening.engine import DEFAULT_LIKELIHOOD, likelihood_from_wgi

FACT_MODELS = {
    FactChange.Kind.RISK: DocumentedRisk,
    FactChange.Kind.SHARE: ProductionShare,
    FactChange.Kind.COMPOSITION: Composition,
    FactChange.Kind.SYNONYM: CommoditySynonym,
}


def can_curate(user) -> bool:
    """Return whether the user may curate the knowledge base: `KNOWLEDGE_CURATE` in any
    covenant the user belongs to (the secretariat of any covenant)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if "_knowledge_curator" not in user.__dict__:
        kinds = [k for k, perms in ROLE_PERMISSIONS.items() if Perm.KNOWLEDGE_CURATE in perms]
        user.__dict__["_knowledge_curator"] = Role.objects.filter(
            user=user, kind__in=kinds
        ).exists()
    return user.__dict__["_knowledge_curator"]


# Commodities and search ----------------------------------------------------------------------


def commodity_list() -> QuerySet[Commodity]:
    """Return every commodity with its number of producing countries and documented risks."""
    return Commodity.objects.annotate(
        country_count=Count(
            "production__country",
            filter=Q(production__source__is_current=True),
            distinct=True,
        ),
        risk_count=Count("risks", filter=Q(risks__source__is_current=True), distinct=True),
    ).order_by("name_en")


@dataclass
class SearchHit:
    commodity: Commodity
    matched: str
    rank: int


def _hs_digits(query: str) -> str:
    digits = re.sub(r"[\s.]", "", query)
    return digits if digits.isdigit() and 2 <= len(digits) <= 10 else ""


def word_key(text: str) -> str:
    """A word for a commodity as the screening compares it: lower case, punctuation as spaces
    ("RVS." and "rvs" are one word); a closing "*" kept (a prefix, "lood*", is another word
    than "lood")."""
    text = text.strip().lower()
    words = " ".join(re.sub(r"[\W_]+", " ", text.removesuffix("*")).split())
    return f"{words}*" if words and text.endswith("*") else words


def words_in_meaning_order() -> Iterator[tuple[str, Commodity, int | None]]:
    """Every word that names a commodity, in the order the screening gives a word its meaning
    where two name different ones: the commodities' English and Dutch names (the oldest
    commodity first), then the current synonyms, the oldest first; each with its commodity
    and its synonym's key (None for a name)."""
    for commodity in Commodity.objects.order_by("pk"):
        yield commodity.name_en, commodity, None
        yield commodity.name_nl, commodity, None
    synonyms = (
        CommoditySynonym.objects.filter(source__is_current=True)
        .select_related("commodity")
        .order_by("pk")
    )
    for synonym in synonyms:
        yield synonym.text, synonym.commodity, synonym.pk


def commodities_named(text: str, *, except_synonym: int | None = None) -> list[Commodity]:
    """The commodities a word names already (as `word_key` compares words), in the order of
    `words_in_meaning_order` (leaving out `except_synonym`, the synonym being corrected)."""
    key = word_key(text)
    if not key:
        return []
    found = [
        commodity
        for word, commodity, synonym in words_in_meaning_order()
        if (synonym is None or synonym != except_synonym) and word_key(word) == key
    ]
    return list(dict.fromkeys(found))


def commodity_search(query: str) -> list[SearchHit]:
    """Find commodities by Dutch or English name, synonym, code, or HS code (a heading, a
    subheading or a longer national code: "2609", "2609.00", "26090000").

    Exact matches come first, then names that start with the query, then the rest.
    """
    query = query.strip()[:100]
    if not query:
        return []
    lowered = query.lower()
    hits: dict[int, SearchHit] = {}

    def add(commodity: Commodity, matched: str, rank: int) -> None:
        if commodity.pk not in hits or rank < hits[commodity.pk].rank:
            hits[commodity.pk] = SearchHit(commodity, matched, rank)

    def rank_of(text: str) -> int:
        text = text.lower()
        return 0 if text == lowered else 1 if text.startswith(lowered) else 2

    digits = _hs_digits(query)
    if digits:
        prefixes = [digits[:n] for n in range(2, len(digits) + 1)]
        codes = (
            HsCode.objects.filter(Q(code__startswith=digits) | Q(code__in=prefixes))
            .filter(commodity__isnull=False, source__is_current=True)
            .select_related("commodity")
            .order_by("-code")
        )
        for hs in codes:
            rank = 0 if hs.code == digits or digits.startswith(hs.code) else 1
            add(hs.commodity, f"HS {hs.code}", rank)
    else:
        named = Commodity.objects.filter(
            Q(name_nl__icontains=query) | Q(name_en__icontains=query) | Q(code__iexact=query)
        )
        for commodity in named:
            for text in (commodity.name_en, commodity.name_nl):
                if lowered in text.lower():
                    add(commodity, text, rank_of(text))
            if commodity.code.lower() == lowered:
                add(commodity, commodity.code, 0)
        synonyms = CommoditySynonym.objects.filter(
            text__icontains=query, source__is_current=True
        ).select_related("commodity")
        for synonym in synonyms:
            add(synonym.commodity, f"“{synonym.text}”", rank_of(synonym.text))
    return sorted(hits.values(), key=lambda h: (h.rank, h.commodity.name_en))


def commodity_get(*, code: str) -> Commodity:
    return get_object_or_404(Commodity, code=code)


# Production and risks -------------------------------------------------------------------------


@dataclass
class MeasureGroup:
    """The rows of one measure in its latest year, largest share first."""

    commodity: Commodity | None
    chain_stage: str
    measure: str
    year: int
    unit: str
    rows: list[ProductionShare] = field(default_factory=list)
    older_years: list[int] = field(default_factory=list)

    @property
    def chain_stage_label(self) -> str:
        return ChainStage(self.chain_stage).label if self.chain_stage in ChainStage else ""


def _latest_by_measure(rows: list[ProductionShare], *, per_commodity: bool) -> list[MeasureGroup]:
    years: dict[tuple, set[int]] = defaultdict(set)
    for row in rows:
        key = (row.commodity_id if per_commodity else None, row.chain_stage, row.measure)
        years[key].add(row.year)
    groups: dict[tuple, MeasureGroup] = {}
    for row in rows:
        key = (row.commodity_id if per_commodity else None, row.chain_stage, row.measure)
        latest = max(years[key])
        if row.year != latest:
            continue
        if key not in groups:
            groups[key] = MeasureGroup(
                commodity=row.commodity if per_commodity else None,
                chain_stage=row.chain_stage,
                measure=row.measure,
                year=latest,
                unit=row.unit,
                older_years=sorted(years[key] - {latest}, reverse=True),
            )
        groups[key].rows.append(row)
    stage_order = {value: i for i, value in enumerate(ChainStage.values)}
    for group in groups.values():
        group.rows.sort(key=lambda r: (r.share is None, -(r.share or 0), str(r.country.name)))
    return sorted(
        groups.values(),
        key=lambda g: (
            g.commodity.name_en if g.commodity else "",
            stage_order.get(g.chain_stage, 99),
            g.measure,
        ),
    )


def production_of_commodity(*, commodity: Commodity) -> list[MeasureGroup]:
    """Return the producing countries per chain stage and measure, in the latest year."""
    rows = list(
        ProductionShare.objects.filter(commodity=commodity, source__is_current=True)
        .select_related("source")
        .order_by("chain_stage", "measure", "-year")
    )
    return _latest_by_measure(rows, per_commodity=False)


def production_of_country(*, iso2: str) -> list[MeasureGroup]:
    """Return what the country produces, per commodity, chain stage and measure."""
    rows = list(
        ProductionShare.objects.filter(country=iso2, source__is_current=True)
        .select_related("source", "commodity")
        .order_by("commodity__name_en", "chain_stage", "measure", "-year")
    )
    return _latest_by_measure(rows, per_commodity=True)


def risks_of_commodity(*, commodity: Commodity) -> QuerySet[DocumentedRisk]:
    return (
        DocumentedRisk.objects.filter(commodity=commodity, source__is_current=True)
        .select_related("source", "commodity")
        .order_by("-severity", "theme", "country")
    )


def risks_of_country(*, iso2: str) -> QuerySet[DocumentedRisk]:
    return (
        DocumentedRisk.objects.filter(country=iso2, source__is_current=True)
        .select_related("source", "commodity")
        .order_by("-severity", "commodity__name_en", "theme")
    )


def country_get(*, iso2: str) -> tuple[str, str]:
    """Return (code, name) of an ISO 3166 alpha-2 code, or raise 404."""
    code = iso2.upper()
    if len(code) != 2 or code not in countries:
        raise Http404("No such country code.")
    return code, countries.name(code)


@dataclass
class Governance:
    """A country's governance estimates of one year and the screening likelihood they give."""

    year: int | None
    estimates: list[GovernanceEstimate]
    likelihood: float | None  # None: no year has both estimates, the screening uses the default
    older_years: list[int] = field(default_factory=list)
    default_likelihood: float = DEFAULT_LIKELIHOOD


def governance_of_country(*, iso2: str) -> Governance:
    """Return the country's estimates of current sources in the latest year that has both
    rule of law and control of corruption (else the latest year), with the likelihood the
    screening derives from them (the engine's `likelihood_from_wgi`, as the screening does)."""
    rows = list(
        GovernanceEstimate.objects.filter(country=iso2, source__is_current=True)
        .select_related("source")
        .order_by("-year", "-indicator")
    )
    if not rows:
        return Governance(year=None, estimates=[], likelihood=None)
    by_year: dict[int, list[GovernanceEstimate]] = defaultdict(list)
    for row in rows:
        by_year[row.year].append(row)
    both = set(GovernanceEstimate.Indicator.values)
    complete = [y for y, found in by_year.items() if {r.indicator for r in found} >= both]
    year = max(complete or by_year)
    likelihood = None
    if complete:
        frame = pl.DataFrame(
            [(iso2, r.year, r.indicator, r.estimate) for r in rows],
            schema={
                "code": pl.String,
                "year": pl.Int64,
                "indicator": pl.String,
                "estimate": pl.Float64,
            },
            orient="row",
        )
        likelihood = likelihood_from_wgi(frame)["likelihood"].first()
    return Governance(
        year=year,
        estimates=by_year[year],
        likelihood=likelihood,
        older_years=sorted(set(by_year) - {year}, reverse=True),
    )


@dataclass
class CommodityFacts:
    commodity: Commodity
    synonyms: list[CommoditySynonym]
    hs_codes: list[HsCode]
    components: list[Composition]
    used_in: list[Composition]
    production: list[MeasureGroup]
    risks: list[DocumentedRisk]


def commodity_facts(*, commodity: Commodity) -> CommodityFacts:
    """Return everything the knowledge base holds on a commodity, each fact with its source."""
    return CommodityFacts(
        commodity=commodity,
        synonyms=list(
            commodity.synonyms.filter(source__is_current=True)
            .select_related("source")
            .order_by("language", "text")
        ),
        hs_codes=list(
            commodity.hs_codes.filter(source__is_current=True)
            .select_related("source")
            .order_by("code")
        ),
        components=list(
            commodity.components.filter(source__is_current=True)
            .select_related("component", "source")
            .order_by("-share")
        ),
        used_in=list(
            commodity.used_in.filter(source__is_current=True)
            .select_related("alloy", "source")
            .order_by("alloy")
        ),
        production=production_of_commodity(commodity=commodity),
        risks=list(risks_of_commodity(commodity=commodity)),
    )


# Sources and history -------------------------------------------------------------------------


def source_list() -> list[Source]:
    """Return every source, current and historical, with the number of facts resting on it."""
    sources = list(Source.objects.select_related("replaced_by").order_by("publisher", "-year"))
    counts: dict[int, int] = defaultdict(int)
    for model in (*FACT_MODELS.values(), HsCode, GovernanceEstimate):
        for row in model.objects.values("source").annotate(n=Count("pk")):
            counts[row["source"]] += row["n"]
    for source in sources:
        source.fact_count = counts.get(source.pk, 0)
    return sources


def fact_get(*, kind: str, pk: int):
    """Return a curatable fact (risk, share, composition, synonym) or raise 404."""
    model = FACT_MODELS.get(kind)
    if model is None:
        raise Http404("No such kind of fact.")
    return get_object_or_404(model.objects.select_related("source"), pk=pk)


def fact_use(*, kind: str, fact, fetched_by) -> int:
    """How many findings of earlier screening runs that the user may see rest on the fact
    (only risks are linked)."""
    from covenant.screening.selectors import findings_on_risk_count

    if kind != FactChange.Kind.RISK:
        return 0
    return findings_on_risk_count(risk_id=fact.pk, fetched_by=fetched_by)


def leaves_alloy_bare(*, kind: str, fact) -> bool:
    """Whether removing the fact leaves its alloy without any component to screen (the
    screening uses the components of current sources only)."""
    if kind != FactChange.Kind.COMPOSITION:
        return False
    others = Composition.objects.filter(alloy_id=fact.alloy_id, source__is_current=True)
    return not others.exclude(pk=fact.pk).exists()


def fact_in_words(*, kind: str, fact, order: Sequence[str]) -> list[tuple[str, str]]:
    """The fact's fields in this order (then its source) as (label, value in words), as its
    history shows them."""
    from covenant.knowledge.services import fact_values

    names = [*order, "source"]
    values = fact_values(fact, set(order))
    ordered = {name: values[name] for name in names} | values  # the *_code keys after them
    [shown] = _in_words([FactChange(fact_kind=kind, before={}, after=ordered)])
    return [(label, after) for label, _before, after in shown.fields if after]


def _changes(**filters) -> QuerySet[FactChange]:
    """Changes with their user and `gone`: whether the fact has been removed since (its
    changes then link nowhere)."""
    removed = FactChange.objects.filter(
        action=FactChange.Action.REMOVED,
        fact_kind=OuterRef("fact_kind"),
        fact_id=OuterRef("fact_id"),
    )
    return (
        FactChange.objects.filter(**filters).select_related("user").annotate(gone=Exists(removed))
    )


def fact_history(*, kind: str, pk: int) -> list[FactChange]:
    return _in_words(_changes(fact_kind=kind, fact_id=pk))


def changes_of_commodity(*, commodity: Commodity, limit: int = 20) -> list[FactChange]:
    return _in_words(_changes(commodity=commodity)[:limit])


def changes_of_country(*, iso2: str, limit: int = 20) -> list[FactChange]:
    return _in_words(_changes(country=iso2)[:limit])


_LINKED = ("commodity", "alloy", "component")  # stored by id, with their code beside
# the fields that tell a fact from the others of its kind, in the history
_SUBJECT = {
    FactChange.Kind.RISK: ("theme", "commodity", "country", "chain_stage"),
    FactChange.Kind.SHARE: ("commodity", "country", "chain_stage", "year"),
    FactChange.Kind.COMPOSITION: ("alloy", "component"),
    FactChange.Kind.SYNONYM: ("text", "commodity"),
}


def commodity_names() -> dict[str, str]:
    """{code: name} of every commodity in the active language: the knowledge base's Dutch
    name in Dutch, its English name otherwise."""
    return {
        code: name_in_language(nl, en)
        for code, nl, en in Commodity.objects.values_list("code", "name_nl", "name_en")
    }


def _in_words(changes) -> list[FactChange]:
    """The changes, each with `fields`: (label, before, after) of every field that changed,
    as the forms name it and in the active language: commodities and sources by name,
    choices by their label, countries by name ("" where there was no value)."""
    changes = list(changes)
    names = commodity_names()

    def word(model, name: str, snapshot: dict) -> str:
        value = snapshot.get(name)
        if name in _LINKED:
            code = snapshot.get(f"{name}_code")
            return names.get(code, code or "")
        if name == "source":
            return snapshot.get("source_label") or ""
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if name == "country":
            return country_label(value)
        try:
            choices = dict(model._meta.get_field(name).flatchoices)
        except FieldDoesNotExist:
            return str(value)
        return str(choices.get(value, value))

    def label(model, name: str) -> str:
        try:
            return str(capfirst(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:  # a field the fact no longer has: its stored name
            return name

    for change in changes:
        model = FACT_MODELS[change.fact_kind]
        # which fact, in a few words ("child labour, tin, Bolivia"): as it is, or was
        snapshot = change.after or change.before
        change.subject = ", ".join(
            filter(None, (word(model, name, snapshot) for name in _SUBJECT[change.fact_kind]))
        )
        change.fields = [
            (label(model, name), word(model, name, change.before), word(model, name, change.after))
            for name, _before, _after in change.changed_fields
            if not name.endswith("_code") and name != "source_label"
        ]
    return changes
