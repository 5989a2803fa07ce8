"""Monitoring cycles of the demo metals covenant.

Year 4 reproduces the seed exactly: 11 of 12 companies published their IMVO policy, one company
joined in year 4 and was not monitored, 8 of the 11 monitored companies completed the
self-assessment and 7 of 11 delivered a risk analysis. Years 1-3 are plausible (year 2: 6 of 9
companies had a policy, and no action plan came in before the deadline, as the metals
covenant's own year-2 report said). Year 5 is open. Which named company answered what is
invented: the answers are illustrative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from covenant.covenants.models import Covenant, Organisation
from covenant.monitoring import services
from covenant.monitoring.models import CompanyFigures, Cycle, Part

TATA, WUP, KROM, VP, EMAX = (
    "Tata Steel",
    "Wuppermann Staal",
    "Krommenhoek Metals",
    "Van Peperzeel",
    "E-MAX",
)
STAAL, ALU, KOPER = "Staalbouw Noord B.V.", "Aluminium Twente B.V.", "Koperwerk Zeeland B.V."
PREC, RVS, GIET, RIJN = (
    "Precisie Metaal Brabant B.V.",
    "RVS Techniek Gelderland B.V.",
    "Gieterij De Hoek B.V.",
    "Metaalrecycling Rijnmond B.V.",
)

# Per year: who published a policy, completed the self-assessment, delivered a risk analysis
# and an action plan; scores are overall self-assessment targets in percent.
YEARS = {
    1: {"policy": [TATA, WUP, KROM, ALU], "assessment": [TATA, WUP, ALU],
        "risk": [TATA, ALU], "plan": [TATA], "late_plans": False},
    2: {"policy": [TATA, WUP, KROM, ALU, VP, STAAL], "assessment": [TATA, WUP, ALU, KROM, VP],
        "risk": [TATA, ALU, WUP, KROM], "plan": [TATA, ALU, WUP], "late_plans": True},
    3: {"policy": [TATA, WUP, KROM, ALU, VP, STAAL, KOPER, PREC, EMAX],
        "assessment": [TATA, WUP, ALU, KROM, VP, STAAL, PREC],
        "risk": [TATA, ALU, WUP, KROM, STAAL], "plan": [TATA, ALU, WUP, KROM],
        "late_plans": False},
    4: {"policy": [TATA, WUP, KROM, VP, EMAX, STAAL, ALU, KOPER, PREC, RVS, RIJN],
        "assessment": [TATA, WUP, KROM, VP, STAAL, ALU, KOPER, PREC],
        "risk": [TATA, WUP, KROM, STAAL, ALU, PREC, KOPER],
        "plan": [TATA, WUP, KROM, STAAL, ALU, PREC], "late_plans": False},
}  # fmt: skip
SCORES = {TATA: 84, WUP: 72, KROM: 66, VP: 55, EMAX: 48, STAAL: 62, ALU: 81, KOPER: 58,
          PREC: 64, RVS: 45, GIET: 35, RIJN: 50}  # fmt: skip
GROWTH = {1: -12, 2: -8, 3: -4, 4: 0, 5: 2}
EMPLOYEES = {"micro": 8, "small": 35, "medium": 140, "large": 900}

RISKS = [
    {"theme": "health_safety", "commodity": "tin", "country": "BO", "chain_stage": "mining",
     "scale": 4, "scope": 3, "irremediable": 3, "likelihood": 3, "prioritised": True,
     "reason": "Ernstige risico's in kleinschalige mijnbouw; wij kopen tin via handelaren."},
    {"theme": "child_labour", "commodity": "mica", "country": "IN", "chain_stage": "mining",
     "scale": 4, "scope": 3, "irremediable": 4, "likelihood": 2, "prioritised": True,
     "reason": "Mica in coatings; kinderarbeid gedocumenteerd in India."},
    {"theme": "environment", "commodity": "nickel", "country": "ID",
     "chain_stage": "smelting_refining", "scale": 3, "scope": 3, "irremediable": 2,
     "likelihood": 3, "prioritised": False, "reason": ""},
]  # fmt: skip


def _deadline(cycle_year) -> dt.date:
    return cycle_year.end + dt.timedelta(days=92)


def _submitted_at(deadline: dt.date, late: bool) -> dt.datetime:
    day = deadline + dt.timedelta(days=10) if late else deadline - dt.timedelta(days=14)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _answers(questions, score: int) -> dict[str, dict]:
    total = round(score / 100 * 4 * len(questions))
    base, extra = divmod(total, len(questions))
    return {
        q.key: {"level": min(4, base + (1 if i < extra else 0)), "explanation": ""}
        for i, q in enumerate(questions)
    }


def _fill(part: Part, year: int, late: bool) -> None:
    name = part.organisation.name
    deadline = part.cycle.deadline
    if part.kind == Part.Kind.POLICY:
        elements = [e["code"] for e in services.policy_elements()]
        count = 4 + (SCORES[name] // 20)
        services.policy_save(
            part=part,
            user=None,
            published=True,
            url=f"https://example.org/{part.organisation.code}/imvo-beleid",
            date=part.cycle.year.start,
            elements=elements[:count],
        )
    elif part.kind == Part.Kind.SELF_ASSESSMENT:
        questions = list(part.cycle.questionnaire.questions.all())
        score = max(5, min(100, SCORES[name] + GROWTH[year]))
        services.assessment_save(part=part, user=None, answers=_answers(questions, score))
    elif part.kind == Part.Kind.RISK_ANALYSIS:
        for risk in RISKS:
            services.risk_save(part=part, user=None, **risk)
    elif part.kind == Part.Kind.ACTION_PLAN:
        risk_part = Part.objects.get(
            cycle=part.cycle, organisation=part.organisation, kind=Part.Kind.RISK_ANALYSIS
        )
        for risk in risk_part.risks.filter(prioritised=True):
            services.action_save(
                part=part,
                user=None,
                risk=risk,
                measure=f"Leveranciers vragen naar de herkomst ({risk.commodity}).",
                owner="Inkoop",
                due_date=deadline + dt.timedelta(days=180),
                status="in_progress",
                leverage="suppliers",
            )
    services.part_submit(part=part, user=None, now=_submitted_at(deadline, late))
    services.part_review(part=part, user=None, accepted=True, notify=False)


def load(covenant: Covenant, log: Callable[[str], None] = lambda _m: None) -> int:
    """Load cycles 1-5 of the demo covenant; return how many were created."""
    questionnaire = services.questionnaire_load_standard()
    services.indicators_install_standard(covenant=covenant)
    created = 0
    for year in covenant.years.order_by("number"):
        if Cycle.objects.filter(year=year).exists():
            continue
        deadline = _deadline(year)
        cycle = services.cycle_open(
            covenant=covenant,
            year=year,
            deadline=deadline,
            questionnaire=questionnaire,
            carry_over=year.number == 5,
        )
        for org in Organisation.objects.filter(monitoring_parts__cycle=cycle).distinct():
            CompanyFigures.objects.get_or_create(
                cycle=cycle,
                organisation=org,
                defaults={"employees": EMPLOYEES.get(org.size_class or "small", 35)},
            )
        spec = YEARS.get(year.number)
        if spec is not None:
            order = [
                Part.Kind.POLICY,
                Part.Kind.SELF_ASSESSMENT,
                Part.Kind.RISK_ANALYSIS,
                Part.Kind.ACTION_PLAN,
            ]
            who = {
                Part.Kind.POLICY: spec["policy"],
                Part.Kind.SELF_ASSESSMENT: spec["assessment"],
                Part.Kind.RISK_ANALYSIS: spec["risk"],
                Part.Kind.ACTION_PLAN: spec["plan"],
            }
            for kind in order:
                for part in Part.objects.filter(
                    cycle=cycle, kind=kind, organisation__name__in=who[kind]
                ).select_related("organisation", "cycle__year", "cycle__questionnaire"):
                    late = kind == Part.Kind.ACTION_PLAN and spec["late_plans"]
                    _fill(part, year.number, late)
            services.cycle_close(cycle=cycle, user=None, closed_on=deadline + dt.timedelta(days=30))
        else:  # year 5: open; a few companies confirmed their carried-over policy
            for part in Part.objects.filter(
                cycle=cycle, kind=Part.Kind.POLICY, organisation__name__in=[TATA, WUP, ALU]
            ):
                services.part_submit(part=part, user=None, now=_submitted_at(deadline, False))
        created += 1
    log(f"Monitoring cycles: {created} created")
    return created
