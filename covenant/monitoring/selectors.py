"""Reads of the yearly monitoring: who is monitored, the parts, and the figures of a year.

Figures are computed from the parts in a constant number of queries and pass through
`covenant.lib.disclosure.disclose` before anyone but the secretariat sees them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import mean

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from covenant.accounts.access import access_for
from covenant.accounts.models import Role
from covenant.covenants.models import Covenant, Membership, Organisation
from covenant.lib.disclosure import Figure, disclose
from covenant.monitoring.models import CompanyFigures, Cycle, Indicator, Part, RiskItem


@dataclass
class Population:
    """The companies of a cycle: members at the end of the year, and those monitored."""

    members_end: list[Organisation]
    monitored: list[Organisation]
    joined_this_year: list[Organisation]

    @property
    def monitored_ids(self) -> set[int]:
        return {o.pk for o in self.monitored}


def cycle_population(*, cycle: Cycle) -> Population:
    """Return who must report: members for the whole year; who joined in it is not monitored."""
    number = cycle.year.number
    memberships = (
        Membership.objects.in_year(number)
        .filter(covenant_id=cycle.covenant_id, organisation__kind=Organisation.Kind.COMPANY)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    members, monitored, joined = [], [], []
    for m in memberships:
        members.append(m.organisation)
        if m.joined_in_year < number or number == 1:
            monitored.append(m.organisation)
        else:
            joined.append(m.organisation)
    return Population(members_end=members, monitored=monitored, joined_this_year=joined)


def cycle_list(*, covenant: Covenant) -> QuerySet[Cycle]:
    return Cycle.objects.filter(covenant=covenant).select_related("year", "questionnaire")


def cycle_get(*, covenant: Covenant, number: int) -> Cycle:
    cycle = cycle_list(covenant=covenant).filter(year__number=number).first()
    if cycle is None:
        raise Http404
    cycle.covenant = covenant  # the caller's instance, already loaded
    return cycle


@dataclass
class OpenWork:
    """What is still open in a cycle: parts not delivered, and parts awaiting a review."""

    not_delivered: int
    to_review: int


def cycle_open_work(*, cycle: Cycle) -> OpenWork:
    """Return how many of the cycle's parts are not delivered and how many await review."""
    counts = Part.objects.filter(cycle=cycle).aggregate(
        not_delivered=Count("pk", filter=~Q(status__in=Part.DELIVERED)),
        to_review=Count("pk", filter=Q(status=Part.Status.SUBMITTED)),
    )
    return OpenWork(**counts)


def part_list(*, cycle: Cycle, fetched_by) -> QuerySet[Part]:
    """Return the parts of a cycle the user may see: all for the secretariat, own company's
    for a company member, none for others (they see figures only)."""
    access = access_for(fetched_by, cycle.covenant)
    qs = Part.objects.filter(cycle=cycle).select_related("organisation")
    if access.has_kind(Role.Kind.SECRETARIAT):
        return qs
    own = {r.organisation_id for r in access.roles if r.kind == Role.Kind.COMPANY_MEMBER}
    return qs.filter(organisation_id__in=own)


def part_get(*, code, fetched_by) -> Part:
    """Return one part if the user may see it, else raise 404."""
    part = (
        Part.objects.select_related("cycle__covenant", "cycle__year", "organisation")
        .filter(code=code)
        .first()
    )
    if (
        part is None
        or not part_list(cycle=part.cycle, fetched_by=fetched_by).filter(pk=part.pk).exists()
    ):
        raise Http404
    return part


@dataclass
class FigureRow:
    indicator: Indicator
    figure: Figure
    organisation_ids: list[int] = field(default_factory=list)  # behind the numerator

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return (
            self.indicator.name_nl
            if (get_language() or "nl").startswith("nl")
            else (self.indicator.name_en)
        )


def _weight(indicator: Indicator, figures: dict[int, CompanyFigures], org_id: int) -> Decimal:
    if indicator.weight == Indicator.Weight.HEAD:
        return Decimal(1)
    row = figures.get(org_id)
    value = getattr(row, indicator.weight, None) if row else None
    return Decimal(value or 0)


def _counts(indicator: Indicator, part: Part | None, cycle: Cycle) -> bool:
    if part is None:
        return False
    m = Indicator.Measure
    if indicator.measure == m.DELIVERED:
        return part.is_delivered
    if indicator.measure == m.ON_TIME:
        return part.is_delivered and not part.is_late
    if indicator.measure == m.ACCEPTED:
        return part.status == Part.Status.ACCEPTED
    if indicator.measure == m.POLICY_PUBLISHED:
        return part.is_delivered and bool(part.data.get("published"))
    if indicator.measure == m.POLICY_ELEMENT:
        return part.is_delivered and indicator.element in part.data.get("elements", [])
    if indicator.measure == m.SCORE_AT_TARGET:
        return part.is_delivered and part.score is not None and part.score >= cycle.target_score
    return False


def _step_scores(part: Part) -> dict[int, float]:
    return {int(k): v for k, v in (part.data.get("step_scores") or {}).items()}


def compute_figures(*, cycle: Cycle) -> list[FigureRow]:
    """Compute every active indicator of the cycle's covenant from the parts (unscoped)."""
    population = cycle_population(cycle=cycle)
    indicators = list(cycle.covenant.indicators.filter(is_active=True))
    parts: dict[tuple[int, str], Part] = {
        (p.organisation_id, p.kind): p for p in Part.objects.filter(cycle=cycle)
    }
    figures = {f.organisation_id: f for f in CompanyFigures.objects.filter(cycle=cycle)}
    rows = []
    for indicator in indicators:
        over = (
            population.members_end
            if indicator.population == Indicator.Population.MEMBERS_END
            else population.monitored
        )
        kind = indicator.part_kind or (
            Part.Kind.POLICY
            if indicator.measure
            in (Indicator.Measure.POLICY_PUBLISHED, Indicator.Measure.POLICY_ELEMENT)
            else Part.Kind.SELF_ASSESSMENT
        )
        if indicator.measure == Indicator.Measure.AVERAGE_SCORE:
            scores = []
            ids = []
            for org in over:
                part = parts.get((org.pk, kind))
                if part is None or not part.is_delivered or part.score is None:
                    continue
                score = (
                    float(part.score)
                    if indicator.step is None
                    else _step_scores(part).get(indicator.step)
                )
                if score is not None:
                    scores.append(score)
                    ids.append(org.pk)
            figure = Figure(
                numerator=None,
                denominator=len(over),
                value=round(mean(scores), 1) if scores else None,
                companies=len(scores),
            )
            rows.append(FigureRow(indicator=indicator, figure=figure, organisation_ids=ids))
            continue
        numerator, denominator, ids = Decimal(0), Decimal(0), []
        for org in over:
            weight = _weight(indicator, figures, org.pk)
            denominator += weight
            if _counts(indicator, parts.get((org.pk, kind)), cycle):
                numerator += weight
                ids.append(org.pk)
        if indicator.weight == Indicator.Weight.HEAD:
            numerator, denominator = int(numerator), int(denominator)
        companies = len(over)
        if indicator.measure == Indicator.Measure.SCORE_AT_TARGET:
            # Whether a company meets the target says something about its score: count only
            # the companies that answered, so one answer alone is never shown.
            companies = sum(
                1
                for org in over
                if (p := parts.get((org.pk, kind))) is not None
                and p.is_delivered
                and p.score is not None
            )
        figure = Figure(numerator=numerator, denominator=denominator, companies=companies)
        rows.append(FigureRow(indicator=indicator, figure=figure, organisation_ids=ids))
    return rows


def _frozen_rows(cycle: Cycle) -> list[FigureRow]:
    indicators = {i.code: i for i in cycle.covenant.indicators.filter(is_active=True)}
    rows = []
    for code, data in cycle.frozen_figures.items():
        if code in indicators:
            rows.append(
                FigureRow(
                    indicator=indicators[code],
                    figure=Figure(
                        numerator=data.get("numerator"),
                        denominator=data.get("denominator"),
                        value=data.get("value"),
                        companies=data.get("companies", 0),
                    ),
                    organisation_ids=data.get("organisation_ids", []),
                )
            )
    return sorted(rows, key=lambda r: (r.indicator.order, r.indicator.code))


def figure_list(*, cycle: Cycle, fetched_by) -> list[FigureRow]:
    """Return the cycle's figures as the user may see them (frozen once the cycle is closed).

    Only the secretariat sees which companies are behind a figure, and figures over fewer
    companies than the disclosure threshold are suppressed for everyone else.
    """
    rows = (
        _frozen_rows(cycle)
        if cycle.is_closed and cycle.frozen_figures
        else compute_figures(cycle=cycle)
    )
    for_secretariat = access_for(fetched_by, cycle.covenant).has_kind(Role.Kind.SECRETARIAT)
    threshold = cycle.covenant.disclosure_threshold
    return [
        FigureRow(
            indicator=row.indicator,
            figure=disclose(row.figure, threshold=threshold, for_secretariat=for_secretariat),
            organisation_ids=row.organisation_ids if for_secretariat else [],
        )
        for row in rows
    ]


def status_matrix(*, cycle: Cycle) -> list[tuple[Organisation, bool, dict[str, Part | None]]]:
    """Return, per member company, whether it is monitored and its part per kind."""
    population = cycle_population(cycle=cycle)
    parts: dict[int, dict[str, Part]] = defaultdict(dict)
    for p in Part.objects.filter(cycle=cycle):
        parts[p.organisation_id][p.kind] = p
    return [
        (org, org.pk in population.monitored_ids, {k: parts[org.pk].get(k) for k in Part.Kind})
        for org in population.members_end
    ]


# What the secretariat can narrow the submissions matrix to, and what each keeps.
MATRIX_FILTERS = {
    "to_review": lambda parts: any(p and p.status == Part.Status.SUBMITTED for p in parts),
    "needs_improvement": lambda parts: any(
        p and p.status == Part.Status.NEEDS_IMPROVEMENT for p in parts
    ),
    "not_delivered": lambda parts: any(p is None or not p.is_delivered for p in parts),
    "late": lambda parts: any(p and p.is_late for p in parts),
}


def matrix_filter(
    matrix: list[tuple[Organisation, bool, dict[str, Part | None]]], show: str
) -> list[tuple[Organisation, bool, dict[str, Part | None]]]:
    """Keep the rows of the status matrix that `show` (a MATRIX_FILTERS key) asks for; the
    companies that joined this year (not monitored) only under "all" (an unknown key)."""
    keep = MATRIX_FILTERS.get(show)
    if keep is None:
        return matrix
    return [row for row in matrix if row[1] and keep(list(row[2].values()))]


def score_history(*, part: Part) -> list[tuple[str, float]]:
    """Return the company's overall self-assessment score per year, oldest first."""
    parts = (
        Part.objects.filter(
            cycle__covenant_id=part.cycle.covenant_id,
            organisation_id=part.organisation_id,
            kind=Part.Kind.SELF_ASSESSMENT,
            status__in=Part.DELIVERED,
            score__isnull=False,
        )
        .select_related("cycle__year")
        .order_by("cycle__year__number")
    )
    return [(p.cycle.year.label, float(p.score)) for p in parts]


@dataclass
class PeerScores:
    count: int
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    suppressed: bool = False


def peer_scores(*, part: Part) -> PeerScores:
    """Return the anonymous peer group's scores (median and quartiles) of the same year;
    suppressed when fewer peers than the disclosure threshold answered."""
    from statistics import quantiles

    scores = sorted(
        float(s)
        for s in Part.objects.filter(
            cycle_id=part.cycle_id,
            kind=Part.Kind.SELF_ASSESSMENT,
            status__in=Part.DELIVERED,
            score__isnull=False,
        )
        .exclude(organisation_id=part.organisation_id)
        .values_list("score", flat=True)
    )
    if len(scores) < max(part.cycle.covenant.disclosure_threshold, 2):
        return PeerScores(count=len(scores), suppressed=True)
    q1, median, q3 = quantiles(scores, n=4, method="inclusive")
    return PeerScores(count=len(scores), q1=round(q1, 1), median=round(median, 1), q3=round(q3, 1))


def risk_matrix(*, part: Part) -> list[list[int]]:
    """Return counts of the register's risks per severity (rows 4..1) and likelihood (1..4)."""
    grid = [[0] * 4 for _ in range(4)]
    for risk in part.risks.all():
        grid[4 - risk.severity][risk.likelihood - 1] += 1
    return grid


def measure_risk_choices(*, part: Part, keep: int | None = None) -> QuerySet[RiskItem]:
    """Return the risks a measure of this action plan can address: the prioritised risks of
    the company's risk analysis of the same year, and the risk (pk `keep`) a measure being
    changed has now, so that changing it does not lose its risk."""
    wanted = Q(prioritised=True) | Q(pk=keep) if keep else Q(prioritised=True)
    return RiskItem.objects.filter(
        wanted,
        part__cycle_id=part.cycle_id,
        part__organisation_id=part.organisation_id,
        part__kind=Part.Kind.RISK_ANALYSIS,
    )


@dataclass
class TrendRow:
    indicator: Indicator
    cells: list[Figure | None]  # one per covenant year, None when there is no figure
    name: str = ""


def figure_trend(*, covenant: Covenant, fetched_by) -> tuple[list, list[TrendRow]]:
    """Return the years and, per indicator, its figure in each year: from the cycles (frozen
    once closed) and, for years before the covenant used the app, the imported figures."""
    from covenant.monitoring.models import HistoricFigure

    years = list(covenant.years.order_by("number"))
    cycles = {c.year_id: c for c in cycle_list(covenant=covenant)}
    per_year: dict[int, dict[str, Figure]] = {}
    for year in years:
        cycle = cycles.get(year.pk)
        if cycle is not None:
            per_year[year.number] = {
                r.indicator.code: r.figure for r in figure_list(cycle=cycle, fetched_by=fetched_by)
            }
    for h in HistoricFigure.objects.filter(covenant=covenant).select_related("indicator"):
        if h.year_number not in per_year or h.indicator.code not in per_year[h.year_number]:
            companies = int(h.denominator or 0)
            figure = disclose(
                Figure(
                    numerator=h.numerator,
                    denominator=h.denominator,
                    value=h.value,
                    companies=companies or covenant.disclosure_threshold,
                ),
                threshold=covenant.disclosure_threshold,
                for_secretariat=access_for(fetched_by, covenant).has_kind(Role.Kind.SECRETARIAT),
            )
            per_year.setdefault(h.year_number, {})[h.indicator.code] = figure
    rows = []
    for indicator in covenant.indicators.filter(is_active=True):
        row = TrendRow(
            indicator=indicator,
            cells=[per_year.get(y.number, {}).get(indicator.code) for y in years],
        )
        row.name = FigureRow(indicator=indicator, figure=Figure(None, None)).name
        rows.append(row)
    return years, rows


def cycle_stamp(*, cycle: Cycle) -> str:
    """Return a fingerprint of everything the cycle's dashboard is computed from, without a
    query: the cycle's data_version (raised by every change to its parts, the covenant's
    indicators and memberships, the member organisations and the numbers per company; see
    monitoring/signals.py) and the covenant's and cycle's settings, as loaded with `cycle`."""
    covenant = cycle.covenant
    return (
        f"{cycle.data_version}:{covenant.disclosure_threshold}:{cycle.closed_at}:"
        f"{cycle.deadline}:{cycle.target_score}"
    )
