"""Writes of the yearly monitoring: cycles, parts, reviews, closing, indicators."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from covenant.covenants.models import Covenant, CovenantYear
from covenant.lib import uploads
from covenant.lib.spreadsheet import xlsx_unpacks_too_large
from covenant.lib.uploads import check_upload
from covenant.monitoring import selectors
from covenant.monitoring.models import (
    Action,
    Answer,
    CompanyFigures,
    Cycle,
    HistoricFigure,
    Indicator,
    Part,
    PartEvent,
    Question,
    Questionnaire,
    RiskItem,
)
from covenant.monitoring.tasks import notify_part_reviewed

DATA = Path(__file__).resolve().parent / "data"

MSG_CYCLE_EXISTS = _("Year %(number)s already has a monitoring cycle.")
MSG_CLOSED = _("The monitoring of this year is closed. Ask the secretariat to reopen this part.")
MSG_SUBMITTED_LOCKED = _(
    "This part is submitted; it can be changed again only if the secretariat asks for improvement."
)
MSG_ACCEPTED_LOCKED = _("This part is accepted; it can no longer be changed.")
MSG_STALE = _(
    "Someone else saved this part while you were editing it. Your changes were not saved: "
    "reload the page to see theirs, then make your changes again."
)
MSG_NOT_SUBMITTED = _("Only a submitted part can be reviewed.")
MSG_FEEDBACK_NEEDED = _("Write what needs to be improved.")
MSG_REASON_NEEDED = _("Give the reason for reopening.")
MSG_POLICY_WHERE = _("A published policy needs a link or a document.")
MSG_ALL_QUESTIONS = _("Answer every question before submitting (%(missing)s open).")
MSG_EVIDENCE_NEEDED = _("Add evidence for answers above level 1 (question %(keys)s).")
MSG_NO_RISKS = _("Add at least one risk to the register before submitting.")
MSG_NO_ACTIONS = _("Add at least one measure before submitting.")


class StaleVersion(ValidationError):
    """Someone else changed the part since the caller read it (`version`: where it is now;
    `sent`: the version the caller based its change on). The API answers it with 409."""

    def __init__(self, message, *, version: int | None, sent: int | None):
        super().__init__(message)
        self.version = version
        self.sent = sent


def questionnaire_load_standard() -> Questionnaire:
    """Install the standard OECD self-assessment (version 1) from the data file, once."""
    spec = json.loads((DATA / "questionnaire_v1.json").read_text(encoding="utf-8"))
    return questionnaire_install(spec=spec)


MSG_QUESTIONNAIRE_EXISTS = _("Version %(version)s of questionnaire %(code)s exists already.")
MSG_MAPS_TO_UNKNOWN = _("Question %(key)s maps to %(to)s, which the previous version lacks.")
MSG_QUESTIONNAIRE_SPEC = _("The questionnaire file lacks %(what)s.")


@transaction.atomic
def questionnaire_install(*, spec: dict, exists_ok: bool = True) -> Questionnaire:
    """Install a questionnaire version from its specification (the data file's format).

    A version after the first names its predecessor implicitly (same code, version - 1);
    each question may say `"maps_to": "<key of the previous version>"` — a reworded or moved
    question — so that answers carry over and scores stay comparable across years. A
    question without a mapping is new; a previous question no one maps to is dropped.
    """
    for what in ("code", "version", "name_nl", "questions"):
        if what not in spec:
            raise ValidationError(MSG_QUESTIONNAIRE_SPEC % {"what": what})
    existing = Questionnaire.objects.filter(code=spec["code"], version=spec["version"]).first()
    if existing:
        if exists_ok:
            return existing
        raise ValidationError(
            MSG_QUESTIONNAIRE_EXISTS % {"version": spec["version"], "code": spec["code"]}
        )
    previous = Questionnaire.objects.filter(
        code=spec["code"], version=int(spec["version"]) - 1
    ).first()
    old = {q.key: q for q in previous.questions.all()} if previous else {}
    for q in spec["questions"]:
        target = q.get("maps_to")
        if target and target not in old:
            raise ValidationError(MSG_MAPS_TO_UNKNOWN % {"key": q["key"], "to": target})
        if len(q.get("levels", [])) != 5:
            raise ValidationError(
                _("Question %(key)s needs five levels (0 to 4).") % {"key": q["key"]}
            )
    questionnaire = Questionnaire.objects.create(
        code=spec["code"], version=spec["version"], name=spec["name_nl"], previous=previous
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            key=q["key"],
            step=q["step"],
            text_nl=q["text_nl"],
            text_en=q["text_en"],
            levels=q["levels"],
            maps_to=old.get(q.get("maps_to")) if q.get("maps_to") else None,
        )
        for q in spec["questions"]
    )
    return questionnaire


def policy_elements() -> list[dict]:
    """Return the standard checklist of an IMVO policy: [{"code", "nl", "en"}]."""
    return json.loads((DATA / "policy_elements.json").read_text(encoding="utf-8"))


STANDARD_INDICATORS = [
    # code, nl, en, measure, part kind, population, step
    ("policy_published", "IMVO-beleid gepubliceerd", "IMVO policy published",
     "policy_published", "policy", "members_end", None),
    ("self_assessment", "Assessment tool ingevuld", "Self-assessment completed",
     "delivered", "self_assessment", "monitored", None),
    ("risk_analysis", "Risicoanalyse aangeleverd", "Risk analysis delivered",
     "delivered", "risk_analysis", "monitored", None),
    ("action_plan", "Actieplan aangeleverd", "Action plan delivered",
     "delivered", "action_plan", "monitored", None),
    ("score_overall", "Gemiddelde score assessment", "Average self-assessment score",
     "average_score", "self_assessment", "monitored", None),
    *[
        (f"score_step_{n}", f"Gemiddelde score stap {n}", f"Average score step {n}",
         "average_score", "self_assessment", "monitored", n)
        for n in range(1, 7)
    ],
    ("score_at_target", "Bedrijven op of boven de doelscore", "Companies at or above the target",
     "score_at_target", "self_assessment", "monitored", None),
]  # fmt: skip


@transaction.atomic
def indicators_install_standard(*, covenant: Covenant) -> int:
    """Give the covenant the standard indicators it does not have yet; return how many."""
    created = 0
    for order, (code, nl, en, measure, kind, population, step) in enumerate(STANDARD_INDICATORS):
        _obj, new = Indicator.objects.get_or_create(
            covenant=covenant,
            code=code,
            defaults={
                "name_nl": nl,
                "name_en": en,
                "measure": measure,
                "part_kind": kind,
                "population": population,
                "step": step,
                "order": order,
            },
        )
        created += new
    return created


def _snapshot(part: Part) -> dict:
    snap = {"status": part.status, "data": part.data, "score": str(part.score or "")}
    if part.kind == Part.Kind.SELF_ASSESSMENT:
        snap["answers"] = {a.question.key: a.level for a in part.answers.select_related("question")}
    if part.kind == Part.Kind.RISK_ANALYSIS:
        snap["risks"] = len(part.risks.all())
    if part.kind == Part.Kind.ACTION_PLAN:
        snap["actions"] = len(part.actions.all())
    return snap


def _event(part: Part, action: str, user, note: str = "") -> None:
    PartEvent.objects.create(
        part=part, action=action, user=user, note=note, snapshot=_snapshot(part)
    )


MSG_ITEM_ADDED = _("Added: %(item)s")
MSG_ITEM_CHANGED = _("Changed: %(item)s")
MSG_ITEM_REMOVED = _("Removed: %(item)s")
MSG_RISKS_IMPORTED = ngettext_lazy(
    "Imported from Excel: %(n)s risk", "Imported from Excel: %(n)s risks", "n"
)


def _item_event(part: Part, user, message, item) -> None:
    """Record a change to the risk register or the action plan in the part's history."""
    _event(part, PartEvent.Action.SAVED, user, note=str(message % {"item": item}))


def _carry_over(previous: Part, part: Part, risk_map: dict[int, RiskItem], user) -> None:
    """Copy last year's delivered part as a draft, and say so in its history. `risk_map` (old
    risk pk -> its copy) is shared by the company's parts, so that carried-over measures keep
    their risk."""
    part.data = dict(previous.data)
    part.score = previous.score if part.kind != Part.Kind.SELF_ASSESSMENT else None
    part.policy_document = previous.policy_document
    part.status = Part.Status.DRAFT
    part.carried_over = True
    part.save()
    questions = list(part.cycle.questionnaire.questions.all())
    if part.cycle.questionnaire_id == previous.cycle.questionnaire_id:
        targets = {q.pk: q for q in questions}
    else:  # a new version: follow its mapping (a question without one is new)
        targets = {q.maps_to_id: q for q in questions if q.maps_to_id}
    for a in previous.answers.select_related("question"):
        target = targets.get(a.question_id)
        if target is not None:
            Answer.objects.create(
                part=part, question=target, level=a.level, explanation=a.explanation
            )
    if part.kind == Part.Kind.SELF_ASSESSMENT:
        _score(part)
        part.save(update_fields=["score", "data"])
    for r in previous.risks.all():
        old_pk = r.pk
        r.pk, r.id, r.part = None, None, part
        r.code = uuid.uuid4()
        r.save()
        risk_map[old_pk] = r
    for a in previous.actions.all():
        a.pk, a.id, a.part = None, None, part
        a.code = uuid.uuid4()
        a.risk = risk_map.get(a.risk_id)
        a.save()
    # The year's label, not a sentence: the history is read in either language.
    _event(part, PartEvent.Action.CARRIED_OVER, user, note=previous.cycle.year.label)


@transaction.atomic
def cycle_open(
    *,
    covenant: Covenant,
    year: CovenantYear,
    deadline: dt.date,
    questionnaire: Questionnaire,
    target_score: int = 80,
    reminder_days: int = 14,
    carry_over: bool = True,
    user=None,
) -> Cycle:
    """Open the monitoring of a year: a policy part for every member company at the end of the
    year, and all four parts for the companies monitored (members for the whole year).

    With `carry_over`, a company's part delivered last year is copied as a draft, with an
    event in its history (by `user`, who opened the cycle)."""
    if Cycle.objects.filter(year=year).exists():
        raise ValidationError({"year": MSG_CYCLE_EXISTS % {"number": year.number}})
    _check_cycle_settings(
        year=year, deadline=deadline, target_score=target_score, reminder_days=reminder_days
    )
    cycle = Cycle(
        covenant=covenant,
        year=year,
        deadline=deadline,
        questionnaire=questionnaire,
        target_score=target_score,
        reminder_days=reminder_days,
    )
    cycle.full_clean()
    cycle.save()
    population = selectors.cycle_population(cycle=cycle)
    previous = Cycle.objects.filter(covenant=covenant, year__number=year.number - 1).first()
    for org in population.members_end:
        kinds = list(Part.Kind) if org.pk in population.monitored_ids else [Part.Kind.POLICY]
        risk_map: dict[int, RiskItem] = {}  # the risk analysis is copied before the plan
        for kind in kinds:
            part = Part.objects.create(cycle=cycle, organisation=org, kind=kind)
            if carry_over and previous:
                old = Part.objects.filter(cycle=previous, organisation=org, kind=kind).first()
                if old is not None and old.is_delivered:
                    _carry_over(old, part, risk_map, user)
    indicators_install_standard(covenant=covenant)
    return cycle


MSG_DEADLINE_BEFORE_YEAR = _("The deadline cannot be before the year starts (%(start)s).")
MSG_TARGET_RANGE = _("The target score is a percentage from 0 to 100.")
MSG_REMINDER_RANGE = _("Send the reminder from 0 to %(max)s days before the deadline.")
MSG_CYCLE_CLOSED = _("The monitoring of this year is closed; its settings can no longer change.")
REMINDER_DAYS_MAX = 60  # two months: an earlier reminder is forgotten by the deadline


def _check_cycle_settings(
    *, year: CovenantYear, deadline: dt.date, target_score: int, reminder_days: int
) -> None:
    """Raise ValidationError, per field, on settings a cycle of `year` cannot have."""
    errors = {}
    if deadline < year.start:
        errors["deadline"] = MSG_DEADLINE_BEFORE_YEAR % {"start": date_format(year.start, "j F Y")}
    if not 0 <= target_score <= 100:
        errors["target_score"] = MSG_TARGET_RANGE
    if not 0 <= reminder_days <= REMINDER_DAYS_MAX:
        errors["reminder_days"] = MSG_REMINDER_RANGE % {"max": REMINDER_DAYS_MAX}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cycle_update(
    *, cycle: Cycle, deadline: dt.date, target_score: int, reminder_days: int
) -> Cycle:
    """Change the deadline, target score and reminder days of an open cycle.

    Whether a part was late stays as recorded at its submission. A new deadline clears the
    record of the reminder, so that companies are reminded of the new date (see tasks.py).
    """
    closed = Cycle.objects.select_for_update().filter(pk=cycle.pk).values_list("closed_at")
    if closed.get()[0] is not None:
        raise ValidationError(MSG_CYCLE_CLOSED)
    _check_cycle_settings(
        year=cycle.year, deadline=deadline, target_score=target_score, reminder_days=reminder_days
    )
    fields = ["deadline", "target_score", "reminder_days"]
    if deadline != cycle.deadline:
        cycle.reminded_at = None
        fields.append("reminded_at")
    cycle.deadline, cycle.target_score, cycle.reminder_days = deadline, target_score, reminder_days
    cycle.full_clean()
    cycle.save(update_fields=fields)
    return cycle


def part_check_editable(*, part: Part) -> None:
    """Raise ValidationError saying why the company may not change the part now.

    The one rule behind every write of a part's content (saves, risks and measures, imports,
    submitting, and so adopting a screening finding) and behind the pages' edit forms: a part
    can be changed while it is missing, a draft or needs improvement; once the cycle is
    closed, only a part the secretariat reopened.
    """
    if part.cycle.is_closed and not part.events.filter(action=PartEvent.Action.REOPENED).exists():
        raise ValidationError(MSG_CLOSED)
    if part.status == Part.Status.SUBMITTED:
        raise ValidationError(MSG_SUBMITTED_LOCKED)
    if part.status == Part.Status.ACCEPTED:
        raise ValidationError(MSG_ACCEPTED_LOCKED)


def part_is_editable(*, part: Part) -> bool:
    """Return whether the company may change the part now (see part_check_editable)."""
    try:
        part_check_editable(part=part)
    except ValidationError:
        return False
    return True


_PART_VALUES = [f.attname for f in Part._meta.concrete_fields if not f.is_relation]


def _check_editable(part: Part) -> None:
    """part_check_editable on the part as it is now, read under a row lock: a write must not
    slip in after a submission or review that the caller's copy does not show yet, nor write
    an older copy's values back (the part's own columns are read afresh; so is whether the
    cycle was closed meanwhile)."""
    Part.objects.select_for_update().filter(pk=part.pk).values_list("pk").get()
    part.refresh_from_db(fields=_PART_VALUES)
    part.cycle.closed_at = (
        Cycle.objects.filter(pk=part.cycle_id).values_list("closed_at", flat=True).get()
    )
    part_check_editable(part=part)


def _bump(part: Part, expected_version: int | None) -> None:
    """Optimistic lock: move the part to the next version, unless someone else did first."""
    current = expected_version if expected_version is not None else part.version
    updated = Part.objects.filter(pk=part.pk, version=current).update(version=current + 1)
    if not updated:
        now = Part.objects.filter(pk=part.pk).values_list("version", flat=True).first()
        raise StaleVersion(MSG_STALE, version=now, sent=current)
    part.version = current + 1


@transaction.atomic
def policy_save(
    *,
    part: Part,
    user,
    published: bool,
    url: str = "",
    date: dt.date | None = None,
    elements: list[str] | None = None,
    document=None,
    expected_version: int | None = None,
) -> Part:
    """Save the IMVO policy part as a draft."""
    _check_editable(part)
    if document is not None:
        check_upload(document, allowed=uploads.DOCUMENTS, field="document")
    _bump(part, expected_version)
    part.data = {
        "published": published,
        "url": url.strip(),
        "date": date.isoformat() if date else "",
        "elements": sorted(elements or []),
    }
    if document is not None:
        part.policy_document = document
    if part.status in (Part.Status.MISSING,):
        part.status = Part.Status.DRAFT
    part.carried_over = False
    part.save()
    _event(part, PartEvent.Action.SAVED, user)
    return part


def _score(part: Part) -> None:
    answers = list(part.answers.select_related("question"))
    questions = list(part.cycle.questionnaire.questions.all())
    if not answers:
        part.score, part.data = None, {**part.data, "step_scores": {}}
        return
    by_step: dict[int, list[int]] = {}
    for a in answers:
        by_step.setdefault(a.question.step, []).append(a.level)
    totals: dict[int, int] = {}
    for q in questions:
        totals[q.step] = totals.get(q.step, 0) + 4
    step_scores = {
        str(step): round(100 * sum(levels) / totals[step], 1) for step, levels in by_step.items()
    }
    part.data = {**part.data, "step_scores": step_scores}
    part.score = round(100 * sum(a.level for a in answers) / (4 * len(questions)), 1)


@transaction.atomic
def assessment_save(
    *, part: Part, user, answers: dict[str, dict], expected_version: int | None = None
) -> Part:
    """Save self-assessment answers {question key: {"level", "explanation", "evidence"}}."""
    _check_editable(part)
    for key, answer in answers.items():
        if answer.get("evidence"):
            check_upload(answer["evidence"], allowed=uploads.EVIDENCE, field=f"evidence_{key}")
    _bump(part, expected_version)
    questions = {q.key: q for q in part.cycle.questionnaire.questions.all()}
    for key, answer in answers.items():
        if key not in questions or answer.get("level") is None:
            continue
        level = int(answer["level"])
        if not 0 <= level <= 4:
            raise ValidationError(_("A level is a number from 0 to 4."))
        obj, _created = Answer.objects.update_or_create(
            part=part,
            question=questions[key],
            defaults={"level": level, "explanation": answer.get("explanation", "")},
        )
        if answer.get("evidence"):
            obj.evidence = answer["evidence"]
            obj.save(update_fields=["evidence"])
    _score(part)
    if part.status == Part.Status.MISSING:
        part.status = Part.Status.DRAFT
    part.carried_over = False
    part.save()
    _event(part, PartEvent.Action.SAVED, user)
    return part


RISK_FIELDS = ("theme", "commodity", "country", "chain_stage", "scale", "scope",
               "irremediable", "likelihood", "prioritised", "reason", "finding")  # fmt: skip


@transaction.atomic
def risk_save(
    *,
    part: Part,
    user,
    risk: RiskItem | None = None,
    expected_version: int | None = None,
    **fields,
) -> RiskItem:
    """Add a risk to the register, or change one; fields not given keep their value (a risk
    adopted from screening keeps its finding)."""
    _check_editable(part)
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"Not a risk field: {', '.join(sorted(unknown))}")
    is_new = risk is None
    risk = risk or RiskItem(part=part)
    for name, value in fields.items():
        setattr(risk, name, value)
    if risk.prioritised and not (risk.reason or "").strip():
        raise ValidationError({"reason": _("Say why this risk is prioritised.")})
    risk.full_clean()
    _bump(part, expected_version)
    risk.save()
    if part.status == Part.Status.MISSING:
        part.status = Part.Status.DRAFT
        part.save(update_fields=["status", "updated_at"])
    _item_event(part, user, MSG_ITEM_ADDED if is_new else MSG_ITEM_CHANGED, risk)
    return risk


@transaction.atomic
def risk_delete(*, part: Part, risk: RiskItem, user, expected_version: int | None = None) -> None:
    _check_editable(part)
    description = str(risk)
    _bump(part, expected_version)
    risk.delete()
    _item_event(part, user, MSG_ITEM_REMOVED, description)


ACTION_FIELDS = ("risk", "measure", "owner", "due_date", "status", "progress", "leverage",
                 "project")  # fmt: skip


@transaction.atomic
def action_save(
    *,
    part: Part,
    user,
    action: Action | None = None,
    expected_version: int | None = None,
    **fields,
) -> Action:
    """Add a measure to the action plan, or change one; fields not given keep their value."""
    _check_editable(part)
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"Not an action field: {', '.join(sorted(unknown))}")
    is_new = action is None
    action = action or Action(part=part)
    for name, value in fields.items():
        setattr(action, name, value)
    if action.risk is not None and action.risk.part.organisation_id != part.organisation_id:
        raise ValidationError({"risk": _("Choose a risk of your own register.")})
    action.full_clean()
    _bump(part, expected_version)
    action.save()
    if part.status == Part.Status.MISSING:
        part.status = Part.Status.DRAFT
        part.save(update_fields=["status", "updated_at"])
    _item_event(part, user, MSG_ITEM_ADDED if is_new else MSG_ITEM_CHANGED, action)
    return action


@transaction.atomic
def action_delete(*, part: Part, action: Action, user, expected_version: int | None = None) -> None:
    _check_editable(part)
    description = str(action)
    _bump(part, expected_version)
    action.delete()
    _item_event(part, user, MSG_ITEM_REMOVED, description)


def _check_complete(part: Part) -> None:
    if part.kind == Part.Kind.POLICY:
        if part.data.get("published") and not (part.data.get("url") or part.policy_document):
            raise ValidationError(MSG_POLICY_WHERE)
    elif part.kind == Part.Kind.SELF_ASSESSMENT:
        answered = set(part.answers.values_list("question_id", flat=True))
        missing = part.cycle.questionnaire.questions.exclude(pk__in=answered).count()
        if missing:
            raise ValidationError(MSG_ALL_QUESTIONS % {"missing": missing})
        if evidence_required(part):
            lacking = [
                a.question.key
                for a in part.answers.select_related("question").filter(level__gt=1)
                if not a.evidence
            ]
            if lacking:
                raise ValidationError(MSG_EVIDENCE_NEEDED % {"keys": ", ".join(lacking)})
    elif part.kind == Part.Kind.RISK_ANALYSIS:
        if not part.risks.exists():
            raise ValidationError(MSG_NO_RISKS)
    elif part.kind == Part.Kind.ACTION_PLAN and not part.actions.exists():
        raise ValidationError(MSG_NO_ACTIONS)


def evidence_required(part: Part) -> bool:
    """Return whether answers above level 1 need evidence for this company (by size class)."""
    rule = part.cycle.covenant.size_rules.filter(rule="evidence_above_1").first()
    if rule is None:
        return False
    classes = {c.strip() for c in rule.size_classes.split(",") if c.strip()}
    return part.organisation.size_class in classes


@transaction.atomic
def part_submit(*, part: Part, user, now: dt.datetime | None = None) -> Part:
    """Submit a part; after the deadline it is accepted and marked late."""
    _check_editable(part)
    _check_complete(part)
    now = now or timezone.now()
    part.status = Part.Status.SUBMITTED
    part.submitted_at = now
    part.is_late = timezone.localtime(now).date() > part.cycle.deadline
    part.carried_over = False
    part.save()
    _event(part, PartEvent.Action.SUBMITTED, user)
    return part


@transaction.atomic
def part_review(
    *, part: Part, user, accepted: bool, feedback: str = "", notify: bool = True
) -> Part:
    """Accept a submitted part, or ask for improvement with written feedback."""
    if part.status != Part.Status.SUBMITTED:
        raise ValidationError(MSG_NOT_SUBMITTED)
    if not accepted and not feedback.strip():
        raise ValidationError({"feedback": MSG_FEEDBACK_NEEDED})
    part.status = Part.Status.ACCEPTED if accepted else Part.Status.NEEDS_IMPROVEMENT
    part.feedback = feedback.strip()
    part.save(update_fields=["status", "feedback", "updated_at"])
    _event(part, part.status, user, note=part.feedback)
    if notify:
        transaction.on_commit(lambda: notify_part_reviewed.enqueue(part.pk))
    return part


@transaction.atomic
def part_reopen(*, part: Part, user, reason: str) -> Part:
    """Reopen one company's part after the cycle closed; the reason stays in its history."""
    if not part.cycle.is_closed:
        raise ValidationError(MSG_REOPEN_OPEN_CYCLE)
    if not reason.strip():
        raise ValidationError({"reason": MSG_REASON_NEEDED})
    part.status = Part.Status.DRAFT
    part.save(update_fields=["status", "updated_at"])
    _event(part, PartEvent.Action.REOPENED, user, note=reason.strip())
    return part


MSG_CLOSED_ALREADY = _("The monitoring of this year is closed already.")
MSG_REOPEN_OPEN_CYCLE = _(
    "Reopening is for a part of a closed year. While the year is open, review the part and ask "
    "for improvement instead."
)
MSG_CLOSING_IN_FUTURE = _("The closing date cannot be in the future.")


@transaction.atomic
def cycle_close(*, cycle: Cycle, user, closed_on: dt.date | None = None) -> Cycle:
    """Close the cycle: submissions are locked and the year's figures frozen.

    `closed_on` is the closing date on record: today (the default: closed now) or an earlier
    day (closed at noon that day); never a day to come."""
    closed = Cycle.objects.select_for_update().filter(pk=cycle.pk).values_list("closed_at")
    if closed.get()[0] is not None:
        raise ValidationError(MSG_CLOSED_ALREADY)
    today = timezone.localdate()
    if closed_on is not None and closed_on > today:
        raise ValidationError({"closed_on": MSG_CLOSING_IN_FUTURE})
    rows = selectors.compute_figures(cycle=cycle)
    cycle.frozen_figures = {
        row.indicator.code: {
            "numerator": _plain(row.figure.numerator),
            "denominator": _plain(row.figure.denominator),
            "value": _plain(row.figure.value),
            "companies": row.figure.companies,
            "organisation_ids": row.organisation_ids,
        }
        for row in rows
    }
    if closed_on is None or closed_on == today:
        cycle.closed_at = timezone.now()
    else:
        cycle.closed_at = timezone.make_aware(dt.datetime.combine(closed_on, dt.time(12)))
    cycle.save(update_fields=["frozen_figures", "closed_at"])
    return cycle


def _plain(value):
    if value is None or isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


INDICATOR_FIELDS = ("code", "name_nl", "name_en", "measure", "part_kind", "element", "step",
                    "population", "weight", "order", "is_active")  # fmt: skip
MSG_INDICATOR_CODE = _("Another indicator of this covenant has the code %(code)s.")
MSG_INDICATOR_ELEMENT = _("Choose the policy element this indicator counts.")
MSG_INDICATOR_PART = _("Choose the part this indicator counts.")


@transaction.atomic
def indicator_save(
    *, covenant: Covenant, indicator: Indicator | None = None, **fields
) -> Indicator:
    """Add an indicator to the covenant, or change one; the figures follow at once."""
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"Not an indicator field: {', '.join(sorted(unknown))}")
    indicator = indicator or Indicator(covenant=covenant)
    for name, value in fields.items():
        setattr(indicator, name, value)
    clash = Indicator.objects.filter(covenant=covenant, code=indicator.code).exclude(
        pk=indicator.pk
    )
    if clash.exists():
        raise ValidationError({"code": MSG_INDICATOR_CODE % {"code": indicator.code}})
    m = Indicator.Measure
    if indicator.measure == m.POLICY_ELEMENT and not indicator.element:
        raise ValidationError({"element": MSG_INDICATOR_ELEMENT})
    if indicator.measure in (m.DELIVERED, m.ON_TIME, m.ACCEPTED) and not indicator.part_kind:
        raise ValidationError({"part_kind": MSG_INDICATOR_PART})
    if indicator.measure in (m.POLICY_PUBLISHED, m.POLICY_ELEMENT):
        indicator.part_kind = Part.Kind.POLICY
    if indicator.measure in (m.SCORE_AT_TARGET, m.AVERAGE_SCORE):
        indicator.part_kind = Part.Kind.SELF_ASSESSMENT
    indicator.full_clean()
    indicator.save()
    return indicator


HISTORY_HEADER = ["year", "indicator", "numerator", "denominator", "value", "source"]
MAX_HISTORY_ROWS = 5_000  # rows of one import: years × indicators, a few hundred at most
MAX_REGISTER_ROWS = 5_000  # rows of one risk register import; a large register has hundreds
MSG_NOT_XLSX = _("This is not an Excel (.xlsx) file.")
MSG_XLSX_UNPACKS = _(
    "This Excel file unpacks to far more data than it holds, so it was not read. Copy its "
    "rows into a new workbook and upload that."
)
MSG_TOO_MANY_ROWS = _(
    "The sheet has more than %(max)s rows (empty rows with formatting count too). Import at "
    "most %(max)s rows at a time."
)


def _open_xlsx(upload):
    """Return the upload as a read-only openpyxl workbook (the caller closes it), after
    checking its type and size and that it does not unpack to far more than it holds.

    Raises ValidationError on the field "file"."""
    from openpyxl import load_workbook

    check_upload(upload, allowed=(".xlsx",), field="file", type_message=MSG_NOT_XLSX)
    max_unpacked = 20 * settings.ATTACHMENT_MAX_MB * 1024 * 1024
    try:
        too_large = xlsx_unpacks_too_large(upload, max_unpacked=max_unpacked)
    except zipfile.BadZipFile as exc:
        raise ValidationError({"file": MSG_NOT_XLSX}) from exc
    if too_large:
        raise ValidationError({"file": MSG_XLSX_UNPACKS})
    try:
        return load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same message
        raise ValidationError({"file": MSG_NOT_XLSX}) from exc


def _sheet_rows(sheet, *, columns: int, limit: int) -> list[tuple]:
    """Return the first `columns` cells of the sheet's header row and of at most `limit` rows
    below it; ValidationError on "file" when the sheet goes on beyond them."""
    # Bounded in both directions, so that a sheet claiming a million rows or columns (in its
    # dimension or its cells) is never padded out in memory.
    rows = list(sheet.iter_rows(max_row=limit + 2, max_col=columns, values_only=True))
    if len(rows) > limit + 1:
        count = number_format(limit, force_grouping=True)
        raise ValidationError({"file": MSG_TOO_MANY_ROWS % {"max": count}})
    return rows


def history_template(*, covenant: Covenant) -> bytes:
    """Return the spreadsheet in which a covenant enters the figures of earlier years."""
    from covenant.lib.spreadsheet import xlsx_bytes

    rows = [HISTORY_HEADER]
    codes = [[i.code, i.name_en, i.get_measure_display()] for i in covenant.indicators.all()]
    for year in covenant.years.order_by("number"):
        if hasattr(year, "cycle"):
            continue
        for code, _name, _measure in codes[:4]:
            rows.append([year.number, code, None, None, None, ""])
    return xlsx_bytes({"figures": rows, "indicators": [["code", "name", "measure"], *codes]})


def history_import(*, covenant: Covenant, upload) -> int:
    """Import figures of earlier years from the template; every row is checked first and
    nothing is imported while any row has a problem (ValidationError lists them by row)."""
    from decimal import Decimal, InvalidOperation

    workbook = _open_xlsx(upload)
    try:
        if "figures" not in workbook.sheetnames:
            raise ValidationError(_("The file has no sheet called “figures”: use the template."))
        rows = _sheet_rows(workbook["figures"], columns=len(HISTORY_HEADER), limit=MAX_HISTORY_ROWS)
    finally:
        workbook.close()
    if not rows or [str(c or "").strip().lower() for c in rows[0][:6]] != HISTORY_HEADER:
        raise ValidationError(
            _("The first row must be the template's columns: %(cols)s.")
            % {"cols": ", ".join(HISTORY_HEADER)}
        )
    indicators = {i.code: i for i in covenant.indicators.all()}
    errors, clean = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row[:6]) + [None] * (6 - len(row[:6]))
        if all(c in (None, "") for c in cells):
            continue  # empty rows are skipped
        year, code, numerator, denominator, value, source = cells
        problems = []
        try:
            year = int(year)
            if not 1 <= year <= covenant.number_of_years:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(_("year %(v)s is not a year of this covenant") % {"v": year})
        if code not in indicators:
            problems.append(_("unknown indicator “%(v)s”") % {"v": code})
        numbers = []
        for label, cell in (
            ("numerator", numerator),
            ("denominator", denominator),
            ("value", value),
        ):
            if cell in (None, ""):
                numbers.append(None)
                continue
            try:
                numbers.append(Decimal(str(cell).replace(",", ".")))
            except InvalidOperation:
                problems.append(_("%(col)s “%(v)s” is not a number") % {"col": label, "v": cell})
                numbers.append(None)
        if not problems and all(n is None for n in numbers):
            problems.append(_("no figure"))
        if problems:
            errors.append(
                _("Row %(row)s: %(problems)s.")
                % {"row": number, "problems": "; ".join(str(p) for p in problems)}
            )
        else:
            clean.append((year, indicators[code], *numbers, str(source or "")[:200]))
    if errors:
        raise ValidationError(errors)
    if not clean:
        raise ValidationError(_("The file holds no figures."))
    with transaction.atomic():
        for year, indicator, numerator, denominator, value, source in clean:
            HistoricFigure.objects.update_or_create(
                covenant=covenant,
                year_number=year,
                indicator=indicator,
                defaults={
                    "numerator": numerator,
                    "denominator": denominator,
                    "value": value,
                    "source": source,
                },
            )
    return len(clean)


RISK_COLUMNS = ["theme", "commodity", "country", "chain_stage", "scale", "scope",
                "irremediable", "likelihood", "prioritised", "reason"]  # fmt: skip


def risk_register_xlsx(*, part: Part) -> bytes:
    """Return the risk register as an Excel file in the import layout (codes, not labels)."""
    from covenant.lib.spreadsheet import xlsx_bytes

    rows = [RISK_COLUMNS]
    for r in part.risks.all():
        rows.append(
            [
                r.theme,
                r.commodity,
                r.country,
                r.chain_stage,
                r.scale,
                r.scope,
                r.irremediable,
                r.likelihood,
                "yes" if r.prioritised else "no",
                r.reason,
            ]
        )
    codes = [["themes", "chain stages"]]
    from covenant.lib.taxonomy import ChainStage, Theme

    themes, stages = list(Theme.values), list(ChainStage.values)
    for i in range(max(len(themes), len(stages))):
        codes.append([themes[i] if i < len(themes) else "", stages[i] if i < len(stages) else ""])
    return xlsx_bytes({"risks": rows, "codes": codes})


class RowErrors(ValidationError):
    """The problems of an import's rows, each naming its row; nothing was imported."""


def risk_register_import(*, part: Part, user, upload) -> int:
    """Add the rows of an Excel risk register; every row is checked first and nothing is
    imported while any row has a problem (ValidationError lists them by row and column)."""
    from django_countries import countries

    from covenant.lib.taxonomy import ChainStage, Theme

    part_check_editable(part=part)  # before reading; checked again under a lock to add the rows
    workbook = _open_xlsx(upload)
    try:
        sheet = workbook["risks"] if "risks" in workbook.sheetnames else workbook.active
        rows = _sheet_rows(sheet, columns=len(RISK_COLUMNS), limit=MAX_REGISTER_ROWS)
    finally:
        workbook.close()
    header = [str(c or "").strip().lower() for c in (rows[0] if rows else [])][: len(RISK_COLUMNS)]
    if header != RISK_COLUMNS:
        raise ValidationError(
            _("The first row must be the columns: %(cols)s.") % {"cols": ", ".join(RISK_COLUMNS)}
        )
    country_codes = {code for code, _name in countries}
    errors, clean = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row[: len(RISK_COLUMNS)]) + [None] * (len(RISK_COLUMNS) - len(row))
        if all(c in (None, "") for c in cells):
            continue
        values = dict(zip(RISK_COLUMNS, cells, strict=True))
        problems = []
        theme = str(values["theme"] or "").strip()
        if theme not in Theme.values:
            problems.append(_("theme “%(v)s” is unknown") % {"v": theme})
        stage = str(values["chain_stage"] or "").strip()
        if stage not in ChainStage.values:
            problems.append(_("chain_stage “%(v)s” is unknown") % {"v": stage})
        country = str(values["country"] or "").strip().upper()
        if country and country not in country_codes:
            problems.append(_("country “%(v)s” is not an ISO code") % {"v": values["country"]})
        scores = {}
        for column in ("scale", "scope", "irremediable", "likelihood"):
            try:
                scores[column] = int(str(values[column]).strip())
                if not 1 <= scores[column] <= 4:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(
                    _("%(col)s “%(v)s” is not a number from 1 to 4")
                    % {"col": column, "v": values[column]}
                )
        prioritised = str(values["prioritised"] or "").strip().lower() in (
            "yes",
            "ja",
            "true",
            "1",
            "x",
        )
        reason = str(values["reason"] or "").strip()
        if prioritised and not reason:
            problems.append(_("a prioritised risk needs a reason"))
        if not problems:
            risk = RiskItem(
                part=part,
                theme=theme,
                commodity=str(values["commodity"] or "").strip(),
                country=country,
                chain_stage=stage,
                **scores,
                prioritised=prioritised,
                reason=reason,
            )
            try:  # the rest of the model's rules (lengths); the scores were checked above
                risk.full_clean(exclude=["part"], validate_constraints=False)
            except ValidationError as exc:
                problems.extend(
                    f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
                )
        if problems:
            errors.append(
                _("Row %(row)s: %(problems)s.")
                % {"row": number, "problems": "; ".join(str(p) for p in problems)}
            )
        else:
            clean.append(risk)
    if errors:
        raise RowErrors(errors)
    if not clean:
        raise ValidationError(_("The file holds no risks."))
    # Thousands of rows are added at once, as one change in the part's history.
    with transaction.atomic():
        _check_editable(part)
        RiskItem.objects.bulk_create(clean)
        _bump(part, None)
        if part.status == Part.Status.MISSING:
            part.status = Part.Status.DRAFT
            part.save(update_fields=["status", "updated_at"])
        _event(part, PartEvent.Action.SAVED, user, note=str(MSG_RISKS_IMPORTED % {"n": len(clean)}))
    return len(clean)


@transaction.atomic
def company_figures_set(
    *, cycle: Cycle, organisation, employees=None, turnover=None, volume=None
) -> CompanyFigures:
    """Record the numbers by which weighted indicators count a company in a cycle."""
    for name, value in (("employees", employees), ("turnover", turnover), ("volume", volume)):
        if value is not None and value < 0:
            raise ValidationError({name: _("A number recorded per company cannot be negative.")})
    figures, _created = CompanyFigures.objects.update_or_create(
        cycle=cycle,
        organisation=organisation,
        defaults={"employees": employees, "turnover": turnover, "volume": volume},
    )
    return figures
