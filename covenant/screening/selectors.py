"""Reads of the screening: uploads, runs and findings scoped to the user (a company's own
members and the covenant's secretariat; 404 for everyone else), the engine's Reference built
from the knowledge base, and the comparison of a run with the previous one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from covenant.accounts.access import (
    Perm,
    access_for,
    covenant_ids_of,
    organisation_ids_visible_to,
)
from covenant.accounts.models import Role
from covenant.covenants.models import Covenant, Organisation
from covenant.knowledge.models import (
    Commodity,
    Composition,
    DocumentedRisk,
    GovernanceEstimate,
    HsCode,
    ProductionShare,
    Source,
)
from covenant.knowledge.selectors import (
    commodities_named,
    commodity_names,
    words_in_meaning_order,
)
from covenant.lib.countries import country_label, country_name  # noqa: F401 (re-exported)
from covenant.lib.disclosure import Figure, withhold
from covenant.screening.engine import STAGES, Reference, likelihood_from_wgi
from covenant.screening.models import ColumnMapping, Finding, Run, Upload

# Access ------------------------------------------------------------------------------------


def can_read(user, covenant: Covenant) -> bool:
    return access_for(user, covenant).has(Perm.SCREENING_READ)


def own_companies(user, covenant: Covenant) -> list[Organisation]:
    """The companies whose lists the user may upload and screen (company member roles)."""
    access = access_for(user, covenant)
    if not access.has(Perm.SCREENING_RUN):
        return []
    return [
        r.organisation
        for r in access.roles
        if r.kind == Role.Kind.COMPANY_MEMBER and r.organisation
    ]


def own_company(user, covenant: Covenant, code: str | None = None) -> Organisation:
    """The company a member uploads for or looks at: the one `code` names, or their only one.
    Raises PermissionDenied for a user of no company, ValidationError when the code is none
    of theirs, or when they are a member of several companies and no code says which."""
    companies = own_companies(user, covenant)
    if not companies:
        raise PermissionDenied
    if code:
        for company in companies:
            if str(company.code) == str(code).strip():
                return company
        raise ValidationError(
            {"organisation": _("You are no member of the company “%(code)s”.") % {"code": code}}
        )
    if len(companies) > 1:
        raise ValidationError(
            {
                "organisation": _(
                    "You are a member of several companies: say which one this is for (%(list)s)."
                )
                % {"list": "; ".join(f"{c.name}: {c.code}" for c in companies)}
            }
        )
    return companies[0]


def can_run(user, covenant: Covenant, organisation_id: int) -> bool:
    return any(o.pk == organisation_id for o in own_companies(user, covenant))


def _scoped(qs: QuerySet, user, covenant: Covenant) -> QuerySet:
    if not can_read(user, covenant):
        return qs.none()
    visible = organisation_ids_visible_to(user=user, covenant=covenant)
    qs = qs.filter(covenant=covenant)
    return qs if visible is None else qs.filter(organisation_id__in=visible)


def findings_on_risk_count(*, risk_id: int, fetched_by) -> int:
    """How many findings rest on a documented risk, counted only in the runs the user may see
    (a curator of one covenant learns nothing of another covenant's companies)."""
    total = 0
    for covenant in Covenant.objects.filter(pk__in=covenant_ids_of(fetched_by)):
        runs = _scoped(Run.objects.all(), fetched_by, covenant)
        total += Finding.objects.filter(risk_id=risk_id, run__in=runs).count()
    return total


def adopted_from_upload_count(upload: Upload) -> int:
    """How many items of the company's risk register were adopted from the upload's runs."""
    from covenant.monitoring.models import RiskItem

    return RiskItem.objects.filter(finding__run__upload=upload).count()


def upload_list(*, covenant: Covenant, fetched_by) -> QuerySet[Upload]:
    return _scoped(Upload.objects.select_related("organisation"), fetched_by, covenant)


def run_list(*, covenant: Covenant, fetched_by) -> QuerySet[Run]:
    return _scoped(
        Run.objects.select_related("organisation", "upload", "created_by"), fetched_by, covenant
    )


def upload_get(*, code, fetched_by) -> Upload:
    upload = Upload.objects.select_related("covenant", "organisation").filter(code=code).first()
    if (
        upload is None
        or not upload_list(covenant=upload.covenant, fetched_by=fetched_by)
        .filter(pk=upload.pk)
        .exists()
    ):
        raise Http404
    return upload


def run_get(*, code, fetched_by) -> Run:
    run = Run.objects.select_related("covenant", "organisation", "upload").filter(code=code).first()
    if (
        run is None
        or not run_list(covenant=run.covenant, fetched_by=fetched_by).filter(pk=run.pk).exists()
    ):
        raise Http404
    return run


def finding_get(*, code, fetched_by) -> Finding:
    finding = (
        Finding.objects.select_related(
            "run__covenant",
            "run__organisation",
            "risk__commodity",
            "risk_source",
            "production_source",
        )
        .filter(code=code)
        .first()
    )
    if finding is None:
        raise Http404
    run_get(code=finding.run.code, fetched_by=fetched_by)
    return finding


def mapping_for(organisation: Organisation) -> dict[str, str]:
    mapping = ColumnMapping.objects.filter(organisation=organisation).first()
    return dict(mapping.header_map) if mapping else {}


def company_synonyms_for(organisation: Organisation) -> dict[str, str]:
    """The company's own words for commodities: {text (lower case, "word*" for a prefix):
    commodity code}, used in its screenings beside the knowledge base's synonyms."""
    mapping = ColumnMapping.objects.filter(organisation=organisation).first()
    return dict(mapping.synonyms) if mapping else {}


def synonym_meaning(text: str) -> str | None:
    """The commodity code a text already names in the knowledge base (a current synonym or a
    commodity's Dutch or English name, compared as the screening compares words), else
    None."""
    named = commodities_named(text)
    return named[0].code if named else None


def country_map_for(organisation: Organisation) -> dict[str, str]:
    """The company's remembered country values: {value as written in its files: ISO-2}."""
    mapping = ColumnMapping.objects.filter(organisation=organisation).first()
    return dict(mapping.country_map) if mapping else {}


@dataclass(frozen=True)
class Remembered:
    """What the screening remembers for a company, for its next uploads."""

    columns: list[tuple[str, str]]  # (header in its files, field)
    countries: list[tuple[str, str]]  # (value in its files, ISO-2 or "" for no country)
    words: list[tuple[str, str]]  # (its word, commodity code)


def remembered_for(organisation: Organisation) -> Remembered:
    mapping = ColumnMapping.objects.filter(organisation=organisation).first()
    if mapping is None:
        return Remembered([], [], [])
    return Remembered(
        columns=sorted(mapping.header_map.items()),
        countries=sorted(mapping.country_map.items(), key=lambda item: item[0].lower()),
        words=sorted(mapping.synonyms.items()),
    )


# Findings ----------------------------------------------------------------------------------


@dataclass
class FindingFilters:
    theme: str = ""
    country: str = ""
    commodity: str = ""
    stage: str = ""

    @classmethod
    def from_query(cls, query) -> FindingFilters:
        return cls(
            theme=(query.get("theme") or "")[:32],
            country=(query.get("country") or "")[:8].upper(),  # "Bolivia" is no BO
            commodity=(query.get("commodity") or "")[:40],
            stage=(query.get("stage") or "")[:32],
        )

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def finding_list(*, run: Run, filters: FindingFilters | None = None) -> QuerySet[Finding]:
    qs = run.findings.select_related("risk_source", "production_source", "risk").order_by("rank")
    filters = filters or FindingFilters()
    if filters.theme:
        qs = qs.filter(theme=filters.theme)
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.commodity:
        qs = qs.filter(commodity=filters.commodity)
    if filters.stage == "origin":
        qs = qs.filter(stage="")
    elif filters.stage:
        qs = qs.filter(stage=filters.stage)
    return qs


def finding_facets(run: Run) -> dict[str, list[str]]:
    """The values present in a run, for the filter menus."""
    rows = list(run.findings.values_list("theme", "country", "commodity", "stage").distinct())
    return {
        "themes": sorted({r[0] for r in rows}),
        "countries": sorted({r[1] for r in rows if r[1]}),
        "commodities": sorted({r[2] for r in rows}),
        "stages": sorted({r[3] or "origin" for r in rows}),
    }


def composition_source(finding: Finding):
    """The current source of the typical share by which the finding's alloy (bought as
    `component`) holds its `commodity`; None where it was bought as itself."""
    if finding.component == finding.commodity:
        return None
    from covenant.knowledge.models import Composition

    row = (
        Composition.objects.filter(
            alloy__code=finding.component,
            component__code=finding.commodity,
            source__is_current=True,
        )
        .select_related("source")
        .first()
    )
    return row.source if row else None


_CHAIN_FIELDS = ("country", "commodity", "component", "stage", "origin_known", "line_numbers")


def _chain(country, commodity, component, stage, origin_known, lines) -> tuple:
    """What tells a finding's purchase chain apart (its lines, bought as a component,
    produced in a country at a stage): findings of one chain share its exposure, one per
    theme, and one per risk stage where the origin is stated (it takes each risk's stage)."""
    return (country, commodity, component, None if origin_known else stage, tuple(lines))


def finding_heat(*, run: Run, filters: FindingFilters | None = None) -> list[dict]:
    """Per (country, commodity) of the run's findings under the filters, in one query: the
    share of the run's exposure behind them (`share`) and their highest score (`top`).

    A purchase chain (its lines, bought as a component, produced in a country at a stage)
    with risks of several themes is one finding per theme, each with the chain's exposure
    share: it counts once here, so that the shares never add up past the whole run."""
    cells: dict[tuple[str, str], dict] = {}
    chains: set[tuple] = set()
    rows = (
        finding_list(run=run, filters=filters)
        .order_by()
        .values_list(*_CHAIN_FIELDS, "exposure_share", "score")
    )
    for *fields, share, score in rows:
        country, commodity = fields[:2]
        cell = cells.setdefault(
            (country, commodity),
            {"country": country, "commodity": commodity, "share": 0.0, "top": score},
        )
        cell["top"] = max(cell["top"], score)
        chain = _chain(*fields)
        if chain not in chains:
            chains.add(chain)
            cell["share"] += share
    return [cells[key] for key in sorted(cells)]


# Names in the active language ------------------------------------------------------------------


def active_language() -> str:
    """The active language without its region: "nl" or "en"."""
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def finding_names(
    findings: Iterable[Finding], *, names: dict[str, str] | None = None
) -> list[Finding]:
    """The findings, each given `commodity_name`, `component_name`, `country_name` and
    `country_label` in the active language (one query for the commodity names at most)."""
    names = commodity_names() if names is None else names
    named = list(findings)
    for f in named:
        f.commodity_name = names.get(f.commodity, f.commodity)
        f.component_name = names.get(f.component, f.component)
        f.country_name = country_name(f.country)
        f.country_label = country_label(f.country)
    return named


def with_country_labels(rows: Iterable[dict], fields: Iterable[str]) -> list[dict]:
    """Copies of `rows` (purchase lines, smelters, mines) with the ISO codes in `fields`
    replaced by `country_label`; empty values stay as they are."""
    fields = tuple(fields)
    return [{**row, **{f: country_label(row[f]) for f in fields if row.get(f)}} for row in rows]


def _of_templates(runs: QuerySet[Run], templates: bool) -> QuerySet[Run]:
    """The runs of a supplier's RMI template, or those of purchase lists (the company's own
    picture: a template tells of one supplier's smelters only)."""
    is_template = Q(upload__report__has_key="rmi")
    return runs.filter(is_template) if templates else runs.exclude(is_template)


def previous_run(run: Run) -> Run | None:
    """The company's completed run before this one, of the same kind: a purchase list is
    compared with a purchase list, a template with a template."""
    earlier = Run.objects.filter(
        organisation=run.organisation,
        covenant=run.covenant,
        status=Run.Status.DONE,
        created_at__lt=run.created_at,
    ).exclude(pk=run.pk)
    earlier = _of_templates(earlier, "rmi" in run.upload.report)
    return earlier.order_by("-created_at", "-pk").first()


@dataclass
class Comparison:
    run: Run
    previous: Run | None
    new: list[Finding]
    gone: list[Finding]
    kept: int
    # (now, before) of each finding in both runs, in the order of the run: its rank, score
    # and exposure share then and now (a changed list changes every share)
    both: list[tuple[Finding, Finding]] = field(default_factory=list)


def run_compare(*, run: Run, previous: Run | None = None) -> Comparison:
    """New and gone findings against the previous completed run of the same company, keyed
    by (theme, commodity, country, stage); each key counts once, at its best rank. A run
    that has not finished, or failed, has nothing to compare (not "every finding gone")."""
    if run.status != Run.Status.DONE:
        return Comparison(run=run, previous=None, new=[], gone=[], kept=0)
    previous = previous or previous_run(run)

    def best(r: Run | None) -> dict[tuple, Finding]:
        out: dict[tuple, Finding] = {}
        if r is None:
            return out
        for f in r.findings.select_related("risk_source").order_by("rank"):
            out.setdefault(f.key, f)
        return out

    now, before = best(run), best(previous)
    return Comparison(
        run=run,
        previous=previous,
        new=[f for k, f in now.items() if k not in before],
        gone=[f for k, f in before.items() if k not in now],
        kept=len(now.keys() & before.keys()),
        both=[(f, before[k]) for k, f in now.items() if k in before],
    )


# The sector risk map --------------------------------------------------------------------------


@dataclass(frozen=True)
class SectorCell:
    """One (country, commodity, theme) of the sector map, as the viewer may see it.

    `share` is the sum over the companies of each one's exposure share of its findings there
    (so every company weighs the same, whatever its purchase volume); it is suppressed below
    the covenant's disclosure threshold for everyone but the secretariat, and `companies` is
    then None as well. `score`, the highest score of those findings, is the secretariat's
    only (None for others): a score is severity × likelihood × one company's exposure share,
    and both factors are on the knowledge base's pages. `hidden_from_others` marks, for the
    secretariat, a cell that the others do not see.
    """

    country: str
    commodity: str
    theme: str
    share: Figure
    score: Figure | None
    hidden_from_others: bool = False

    @property
    def suppressed(self) -> bool:
        return self.share.suppressed

    @property
    def companies(self) -> int | None:
        return None if self.suppressed else self.share.companies


@dataclass(frozen=True)
class SectorArea:
    """One (country, commodity) of the sector map over all themes: each company's purchase
    chains there counted once, whatever the number of their themes (as a run's heat map
    counts them); suppressed like a cell (see `_sector_areas`)."""

    country: str
    commodity: str
    share: Figure
    hidden_from_others: bool = False

    @property
    def suppressed(self) -> bool:
        return self.share.suppressed


@dataclass(frozen=True)
class SectorMap:
    """The cells and areas the viewer may see. For anyone but the secretariat a suppressed
    cell or area is left out altogether: that a country and commodity appear at all would
    tell where one or two companies buy. `suppressed_count` says how many cells that is."""

    cells: list[SectorCell]
    companies: int  # companies with a completed run (how many, never which)
    threshold: int
    for_secretariat: bool
    areas: list[SectorArea] = field(default_factory=list)
    suppressed_count: int = 0


def latest_run_ids(covenant: Covenant) -> list[int]:
    """The latest completed run of a purchase list of each company of the covenant (not of a
    supplier's RMI template, which tells of one supplier only)."""
    latest: dict[int, int] = {}
    runs = _of_templates(Run.objects.filter(covenant=covenant, status=Run.Status.DONE), False)
    for run_id, organisation_id in runs.order_by(
        "organisation_id", "-created_at", "-pk"
    ).values_list("pk", "organisation_id"):
        latest.setdefault(organisation_id, run_id)
    return list(latest.values())


def can_read_sector(user, covenant: Covenant) -> bool:
    return access_for(user, covenant).has(Perm.SCREENING_SECTOR)


def sector_map(*, covenant: Covenant, fetched_by) -> SectorMap:
    """The covenant's screening summed over the latest completed run of every company, per
    (country, commodity, theme) and per (country, commodity), naming no company. For anyone
    but the secretariat a country and commodity is left out with all its cells where one of
    its figures, alone or with the others, would tell the purchases of fewer companies than
    the disclosure threshold (see `_sector_areas`)."""
    for_secretariat = access_for(fetched_by, covenant).has_kind(Role.Kind.SECRETARIAT)
    threshold = covenant.disclosure_threshold
    run_ids = latest_run_ids(covenant)
    sums = _sector_sums(run_ids, threshold=threshold)
    cells = []
    for (country, commodity, theme), (value, companies, top) in sorted(sums.cells.items()):
        share = Figure(None, None, value=value, companies=companies)
        hidden = (country, commodity) in sums.unsafe
        if hidden and not for_secretariat:
            share = withhold(share)
        score = Figure(None, None, value=top, companies=companies) if for_secretariat else None
        cells.append(SectorCell(country, commodity, theme, share, score, hidden_from_others=hidden))
    cells.sort(key=lambda c: (c.hidden_from_others, -(c.share.value or 0), c.country, c.commodity))
    areas = []
    for key, (value, companies) in sorted(sums.areas.items()):
        figure = Figure(None, None, value=value, companies=companies)
        if key in sums.unsafe and not for_secretariat:
            figure = withhold(figure)
        areas.append(SectorArea(*key, figure, hidden_from_others=key in sums.unsafe))
    suppressed = sum(1 for c in cells if c.hidden_from_others)
    if not for_secretariat:
        cells = [c for c in cells if not c.suppressed]
        areas = [a for a in areas if not a.suppressed]
    return SectorMap(
        cells=cells,
        companies=len(run_ids),
        threshold=threshold,
        for_secretariat=for_secretariat,
        areas=areas,
        suppressed_count=suppressed,
    )


@dataclass
class _SectorSums:
    cells: dict[tuple[str, str, str], tuple[float, int, float]]  # share, companies, top score
    areas: dict[tuple[str, str], tuple[float, int]]  # share, companies
    unsafe: set[tuple[str, str]]  # areas whose figures would tell too few companies


def _sector_sums(run_ids: list[int], *, threshold: int) -> _SectorSums:
    """The sector map's sums, in one query: per (country, commodity, theme) and per (country,
    commodity) the summed exposure share of the companies' purchase chains (its run,
    component, stage and lines), each chain once per theme of its risks in a cell and once
    in its area, with the number of companies (and a cell's highest score); and the areas
    whose figures would tell the purchases of fewer companies than the threshold.

    The area and its cells are sums of the same groups of chains, one group per set of
    themes; from them each group's total can be worked out (cell A less cell B where every B
    chain is an A chain too; A plus B less the area; the area less a cell). An area where a
    group belongs to fewer companies than the threshold is unsafe: left out with all its
    cells for anyone but the secretariat. Else every figure that can be worked out sums the
    purchases of as many companies as the threshold asks, or more (areas share no chain)."""
    rows = (
        Finding.objects.filter(run_id__in=run_ids)
        .order_by()
        .values_list("run_id", *_CHAIN_FIELDS, "theme", "exposure_share", "score")
    )
    chains: dict[tuple, tuple[tuple[str, str], float, dict[str, float]]] = {}
    for run_id, *fields, theme, value, score in rows:
        chain = (run_id, *_chain(*fields))
        if chain not in chains:
            chains[chain] = ((fields[0], fields[1]), value or 0.0, {})  # (country, commodity)
        themes = chains[chain][2]
        themes[theme] = max(themes.get(theme, 0.0), score or 0.0)
    cells: dict[tuple[str, str, str], list] = {}
    areas: dict[tuple[str, str], list] = {}
    groups: dict[tuple[str, str], dict[frozenset[str], set[int]]] = {}
    for chain, (key, value, themes) in chains.items():
        run_id = chain[0]
        area = areas.setdefault(key, [0.0, set()])
        area[0] += value
        area[1].add(run_id)
        for theme, score in themes.items():
            cell = cells.setdefault((*key, theme), [0.0, set(), 0.0])
            cell[0] += value
            cell[1].add(run_id)
            cell[2] = max(cell[2], score)
        groups.setdefault(key, {}).setdefault(frozenset(themes), set()).add(run_id)
    return _SectorSums(
        cells={k: (v, len(runs), top) for k, (v, runs, top) in cells.items()},
        areas={k: (v, len(runs)) for k, (v, runs) in areas.items()},
        unsafe={
            key
            for key, by_themes in groups.items()
            if any(len(runs) < threshold for runs in by_themes.values())
        },
    )


# The engine's reference from the knowledge base ---------------------------------------------


def reference_from_knowledge(*, company_synonyms: Mapping[str, str] | None = None) -> Reference:
    """The knowledge tables of current sources as the engine's Reference.

    Production: per commodity and stage, the latest year with shares, and of its measures the
    one covering most of world production (so a stage's shares never add up past 1). Risks
    carry "source id/risk id" as their source, so that each finding can name both. The
    country likelihood comes from the governance estimates (World Bank WGI) by the engine's
    `likelihood_from_wgi`: per country the latest year with both rule of law and control of
    corruption; countries without estimates get the engine's default.
    """
    current = set(Source.objects.filter(is_current=True).values_list("pk", flat=True))
    commodities = list(Commodity.objects.values("code", "name_en"))
    # a word names one commodity: a commodity's own name first, then the oldest synonym (the
    # curation refuses a second meaning; one loaded from a source file must not stop every
    # screening)
    meanings: dict[str, str] = {}
    for text, commodity, _synonym in words_in_meaning_order():
        meanings.setdefault(text.strip().lower(), commodity.code)
    for text, code in (company_synonyms or {}).items():
        meanings.setdefault(text.strip().lower(), code)  # the knowledge base's meaning wins
    hs_codes = [
        {"hs_code": code, "commodity": c}
        for code, c, s in HsCode.objects.filter(commodity__isnull=False).values_list(
            "code", "commodity__code", "source_id"
        )
        if s in current
    ]
    compositions = [
        {"commodity": a, "component": c, "share": share}
        for a, c, share, s in Composition.objects.values_list(
            "alloy__code", "component__code", "share", "source_id"
        )
        if s in current
    ]
    rows = list(
        ProductionShare.objects.filter(
            share__isnull=False, chain_stage__in=STAGES, source__is_current=True
        ).values(
            "commodity__code", "country", "chain_stage", "measure", "year", "share", "source_id"
        )
    )
    chosen: dict[tuple[str, str], tuple[int, float, str]] = {}
    totals: dict[tuple[str, str, int, str], float] = {}
    for r in rows:
        key = (r["commodity__code"], r["chain_stage"], r["year"], r["measure"])
        totals[key] = totals.get(key, 0.0) + r["share"]
    for (commodity, stage, year, measure), total in totals.items():
        best = chosen.get((commodity, stage))
        if best is None or (year, total) > best[:2]:
            chosen[(commodity, stage)] = (year, total, measure)
    production = [
        {
            "commodity": r["commodity__code"],
            "country": r["country"],
            "stage": r["chain_stage"],
            "share": r["share"],
            "source": str(r["source_id"]),
        }
        for r in rows
        if chosen[(r["commodity__code"], r["chain_stage"])][0] == r["year"]
        and chosen[(r["commodity__code"], r["chain_stage"])][2] == r["measure"]
    ]
    risks = [
        {
            "theme": r["theme"],
            "commodity": r["commodity__code"],
            "country": r["country"] or None,
            "stage": r["chain_stage"],
            "severity": r["severity"],
            "source": f"{r['source_id']}/{r['pk']}",
        }
        for r in DocumentedRisk.objects.filter(source__is_current=True).values(
            "pk", "theme", "commodity__code", "country", "chain_stage", "severity", "source_id"
        )
    ]
    governance = list(
        GovernanceEstimate.objects.filter(source__is_current=True).values_list(
            "country", "year", "indicator", "estimate"
        )
    )
    country_likelihood = (
        likelihood_from_wgi(
            pl.DataFrame(
                governance,
                schema={
                    "code": pl.String,
                    "year": pl.Int64,
                    "indicator": pl.String,
                    "estimate": pl.Float64,
                },
                orient="row",
            )
        )
        if governance
        else []
    )
    return Reference.build(
        commodities=[{"commodity": c["code"], "name": c["name_en"]} for c in commodities],
        synonyms=pl.DataFrame(
            {"commodity": list(meanings.values()), "text": list(meanings)},
            schema={"commodity": pl.String, "text": pl.String},
        ).filter(pl.col("text") != ""),
        hs_codes=hs_codes,
        compositions=compositions,
        production=production,
        risks=risks,
        country_likelihood=country_likelihood,
    )
