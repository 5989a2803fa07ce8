"""What an annual report shows from the data, as one JSON-able document.

`report_data` is computed live for a draft and frozen into `Report.snapshot` at approval; a
published report is rendered from its snapshot only, so later data changes never reach it.
"""

from __future__ import annotations

from collections import Counter

from covenant.activities.models import Activity, Registration
from covenant.covenants import selectors as covenant_selectors
from covenant.covenants.models import Covenant, CovenantYear, Membership, Organisation
from covenant.lib.disclosure import Figure, disclose
from covenant.monitoring import selectors as monitoring_selectors
from covenant.monitoring.models import OECD_STEPS, Cycle, Indicator


def _num(value):
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else round(number, 1)


def _figure_json(figure: Figure) -> dict:
    return {
        "numerator": _num(figure.numerator),
        "denominator": _num(figure.denominator),
        "value": _num(figure.value),
        "companies": figure.companies,
        "suppressed": figure.suppressed,
    }


def _raw_figures(cycle: Cycle | None) -> dict[str, tuple[Indicator, Figure, list[int]]]:
    if cycle is None:
        return {}
    if cycle.is_closed and cycle.frozen_figures:
        indicators = {i.code: i for i in cycle.covenant.indicators.all()}
        return {
            code: (
                indicators[code],
                Figure(
                    numerator=d.get("numerator"),
                    denominator=d.get("denominator"),
                    value=d.get("value"),
                    companies=d.get("companies", 0),
                ),
                d.get("organisation_ids", []),
            )
            for code, d in cycle.frozen_figures.items()
            if code in indicators
        }
    return {
        r.indicator.code: (r.indicator, r.figure, r.organisation_ids)
        for r in monitoring_selectors.compute_figures(cycle=cycle)
    }


def report_data(*, covenant: Covenant, year: CovenantYear) -> dict:
    """Assemble everything the report of `year` shows from the covenant's data."""
    number = year.number
    threshold = covenant.disclosure_threshold
    in_force = list(
        Membership.objects.in_year(number).filter(covenant=covenant).select_related("organisation")
    )
    by_kind: dict[str, list[str]] = {}
    for m in sorted(in_force, key=lambda m: m.organisation.name):
        by_kind.setdefault(m.organisation.kind, []).append(m.organisation.name)
    joined = sorted(
        m.organisation.name for m in in_force if m.joined_in_year == number and number > 1
    )
    leaving = sorted(m.organisation.name for m in in_force if m.leaves_after_year == number)
    companies = by_kind.get(Organisation.Kind.COMPANY, [])

    cycle = Cycle.objects.filter(year=year).select_related("covenant", "year").first()
    raw = _raw_figures(cycle)
    figures = []
    for code, (indicator, figure, ids) in sorted(
        raw.items(), key=lambda item: (item[1][0].order, item[0])
    ):
        figures.append(
            {
                "code": code,
                "name_nl": indicator.name_nl,
                "name_en": indicator.name_en,
                "measure": indicator.measure,
                "step": indicator.step,
                "public": _figure_json(
                    disclose(figure, threshold=threshold, for_secretariat=False)
                ),
                "internal": {**_figure_json(figure), "organisation_ids": ids},
            }
        )
    population = monitoring_selectors.cycle_population(cycle=cycle) if cycle else None

    trend = []
    for y in covenant.years.filter(number__lte=number).order_by("number"):
        c = Cycle.objects.filter(year=y).select_related("covenant").first()
        values = {code: f for code, (_i, f, _ids) in _raw_figures(c).items()}
        trend.append(
            {
                "label": y.label,
                "number": y.number,
                "figures": {
                    code: _figure_json(disclose(f, threshold=threshold, for_secretariat=False))
                    for code, f in values.items()
                },
            }
        )

    activities = (
        Activity.objects.filter(
            covenant=covenant, start_date__gte=year.start, start_date__lte=year.end
        )
        .select_related("organiser")
        .prefetch_related("participants", "counts", "updates")
    )
    projects_running = (
        Activity.objects.filter(
            covenant=covenant, kind=Activity.Kind.PROJECT, start_date__lte=year.end
        )
        .exclude(end_date__lt=year.start)
        .select_related("organiser")
        .prefetch_related("participants", "updates")
    )
    projects = [
        {
            "title": p.title,
            "organiser": p.organiser.name if p.organiser else "",
            "participants": [o.name for o in p.participants.all()],
            "countries": [c.code for c in p.countries],
            "status": p.status,
            "description": p.description,
            "results": p.results,
            "lessons": p.lessons,
            "shared_inside": p.shared_inside,
            "shared_outside": p.shared_outside,
            "seeks_participants": p.seeks_participants,
            "seeking_note": p.seeking_note,
            "updates": [
                {"date": u.date.isoformat(), "text": u.text}
                for u in p.updates.all()
                if year.start <= u.date <= year.end
            ],
        }
        for p in projects_running
    ]

    def meeting(a: Activity) -> dict:
        counts = list(a.counts.all())
        return {
            "title": a.title,
            "kind": a.kind,
            "date": a.start_date.isoformat(),
            "summary": a.summary,
            "inside": sum(c.inside for c in counts),
            "outside": sum(c.outside for c in counts),
            "groups": {c.group: [c.inside, c.outside] for c in counts},
            "illustrative": any(c.is_illustrative for c in counts),
        }

    sessions = [meeting(a) for a in activities if a.kind == Activity.Kind.KNOWLEDGE_SESSION]
    round_tables = [meeting(a) for a in activities if a.kind == Activity.Kind.ROUND_TABLE]
    trainings = []
    regs = Counter()
    for r in Registration.objects.filter(activity__in=[a.pk for a in activities]).values(
        "activity_id", "status", "from_inside", "attended"
    ):
        if r["status"] == Registration.Status.CONFIRMED:
            regs[(r["activity_id"], "inside" if r["from_inside"] else "outside")] += 1
        if r["attended"]:
            regs[(r["activity_id"], "attended")] += 1
    for a in activities:
        if a.kind == Activity.Kind.TRAINING:
            trainings.append(
                {
                    "title": a.title,
                    "date": a.start_date.isoformat(),
                    "end": a.end_date.isoformat() if a.end_date else None,
                    "inside": regs[(a.pk, "inside")],
                    "outside": regs[(a.pk, "outside")],
                    "attended": regs[(a.pk, "attended")],
                    "evaluation": _num(a.evaluation_score),
                }
            )
    visits = sum(1 for a in activities if a.kind == Activity.Kind.WORK_VISIT)

    return {
        "sector": _sector(covenant),
        "covenant": {
            "name": covenant.name,
            "slug": covenant.slug,
            "sector": covenant.sector,
            "number_of_years": covenant.number_of_years,
            "threshold": threshold,
        },
        "year": {
            "number": number,
            "label": year.label,
            "start": year.start.isoformat(),
            "end": year.end.isoformat(),
            "is_last": number == covenant.number_of_years,
        },
        "parties": {
            # A list, not a dict: PostgreSQL's jsonb does not keep the order of keys.
            "by_kind": [
                [k.value, by_kind[k.value]] for k in Organisation.Kind if k.value in by_kind
            ],
            "companies": len(companies),
            "joined": joined,
            "leaving": leaving,
        },
        "monitoring": {
            "has_cycle": cycle is not None,
            "members_end": len(population.members_end) if population else 0,
            "monitored": len(population.monitored) if population else 0,
            "joined_not_monitored": [o.name for o in population.joined_this_year]
            if population
            else [],
            "target_score": cycle.target_score if cycle else None,
            "steps": [[n, str(label)] for n, label in OECD_STEPS],
        },
        "figures": figures,
        "trend": trend,
        "projects": projects,
        "sessions": sessions,
        "round_tables": round_tables,
        "trainings": trainings,
        "work_visits": visits,
    }


def figure_map(data: dict) -> dict[str, dict]:
    return {f["code"]: f for f in data.get("figures", [])}


def _shown(f: dict | None) -> str:
    """A figure as the review panel shows it: "3/10" for a fraction, "62.1%" for a score."""
    if f and f.get("numerator") is not None:
        return f"{f['numerator']}/{f['denominator']}"
    if f and f.get("value") is not None:
        return f"{f['value']}%"
    return "—"


def changed_figures(snapshot: dict, live: dict) -> list[dict]:
    """Return the figures whose value differs between the frozen snapshot and the live data."""
    before, now = figure_map(snapshot), figure_map(live)
    changes = []
    for code in sorted(set(before) | set(now)):
        a = before.get(code, {}).get("internal")
        b = now.get(code, {}).get("internal")
        strip = ("numerator", "denominator", "value")
        if (a and {k: a[k] for k in strip}) != (b and {k: b[k] for k in strip}):
            changes.append(
                {
                    "code": code,
                    "name_en": (now.get(code) or before.get(code))["name_en"],
                    "name_nl": (now.get(code) or before.get(code))["name_nl"],
                    "before": a,
                    "now": b,
                    "before_shown": _shown(a),
                    "now_shown": _shown(b),
                }
            )
    return changes


def covenant_years_for(covenant: Covenant):
    return covenant_selectors.covenant_year_list(covenant=covenant)


def _sector(covenant: Covenant) -> dict:
    """The sector risk map as the public may see it (no company named, cells under the
    disclosure threshold left out): the ten largest cells, when any company has screened."""
    from django.contrib.auth.models import AnonymousUser

    from covenant.screening.selectors import sector_map

    sector = sector_map(covenant=covenant, fetched_by=AnonymousUser())
    cells = [
        [c.country, c.commodity, c.theme, round(float(c.share.value), 4), c.companies]
        for c in sector.cells
        if not c.suppressed
    ][:10]
    return {"companies": sector.companies, "cells": cells}
