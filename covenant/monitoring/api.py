"""API of the monitoring: a company's own parts (risk register and action plan read and write,
so a company's tools can sync them) and the figures the caller may see."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError

from covenant.accounts.access import Perm, access_for
from covenant.accounts.decorators import Policy, declare
from covenant.covenants import selectors as covenant_selectors
from covenant.monitoring import selectors, services
from covenant.monitoring.models import Action, Part, RiskItem

router = Router(tags=["monitoring"])
OBJECT = Policy("object")


class FigureOut(Schema):
    indicator: str
    name: str
    numerator: float | None
    denominator: float | None
    value: float | None
    companies: int
    suppressed: bool


class PartOut(Schema):
    code: UUID
    organisation: str
    kind: str
    status: str
    submitted_at: dt.datetime | None
    is_late: bool
    feedback: str
    score: float | None
    version: int


VERSION_IN = Field(
    None,
    description=(
        "The version of the part (risk register or action plan) your change is based on, "
        "as the last response gave it. When given and the part has changed since, nothing "
        "is saved and the answer is 409."
    ),
)
VERSION_OUT = Field(
    description="The part's version after this request; send it with your next change."
)
MSG_API_STALE = _(
    "The part was changed by someone else: it is at version %(current)s, not %(sent)s. "
    "Nothing was saved. Read the part again and send your change with its current version."
)
OPTIMISTIC = (
    "Every change raises the part's version by one. To be sure no one else changed the part "
    "meanwhile, send the `version` the last response gave: when the part has moved on, "
    "nothing is saved and the answer is 409 with the current version in `extra.version`. "
    "Without `version`, the change is saved whatever happened meanwhile."
)
OPTIMISTIC_DELETE = (
    "Removing raises the part's version by one. To be sure no one else changed the part "
    "meanwhile, add `?version=` with the version the last response gave: when the part has "
    "moved on, nothing is removed and the answer is 409 with the current version in "
    "`extra.version`."
)


class ErrorOut(Schema):
    message: str
    extra: dict


class RiskIn(Schema):
    theme: str
    commodity: str = ""
    country: str = ""
    chain_stage: str
    scale: int
    scope: int
    irremediable: int
    likelihood: int
    prioritised: bool = False
    reason: str = ""
    version: int | None = VERSION_IN


class RiskOut(RiskIn):
    code: UUID
    severity: int
    version: int = VERSION_OUT


class ActionIn(Schema):
    measure: str
    risk: UUID | None = None
    owner: str = ""
    due_date: dt.date | None = None
    status: str = "planned"
    progress: str = ""
    leverage: str = ""
    version: int | None = VERSION_IN


class ActionOut(ActionIn):
    code: UUID
    version: int = VERSION_OUT


def _cycle_for(request, slug: str, number: int):
    if not request.auth.is_authenticated:
        raise AuthenticationError
    covenant = covenant_selectors.covenant_get(slug=slug)
    access = access_for(request.auth, covenant)
    if not access.is_member:
        raise Http404
    if not access.has(Perm.MONITORING_FIGURES):
        raise PermissionDenied
    return selectors.cycle_get(covenant=covenant, number=number)


def _num(value):
    return None if value is None else float(value)


@router.get(
    "/covenants/{slug}/monitoring/{number}/figures",
    response=list[FigureOut],
    summary="The figures of a year, as the caller may see them (disclosure threshold applies)",
)
@declare(Policy("covenant", Perm.MONITORING_FIGURES))
def figure_list(request, slug: str, number: int):
    cycle = _cycle_for(request, slug, number)
    return [
        {
            "indicator": row.indicator.code,
            "name": row.name,
            "numerator": _num(row.figure.numerator),
            "denominator": _num(row.figure.denominator),
            "value": _num(row.figure.value),
            "companies": row.figure.companies,
            "suppressed": row.figure.suppressed,
        }
        for row in selectors.figure_list(cycle=cycle, fetched_by=request.auth)
    ]


@router.get(
    "/covenants/{slug}/monitoring/{number}/parts",
    response=list[PartOut],
    summary="The submission parts the caller may see: its own company's (all, for the secretariat)",
)
@declare(Policy("covenant", Perm.MONITORING_FIGURES))
def part_list(request, slug: str, number: int):
    cycle = _cycle_for(request, slug, number)
    return [_part_out(p) for p in selectors.part_list(cycle=cycle, fetched_by=request.auth)]


def _part_out(p: Part) -> dict:
    return {
        "code": p.code,
        "organisation": p.organisation.name,
        "kind": p.kind,
        "status": p.status,
        "submitted_at": p.submitted_at,
        "is_late": p.is_late,
        "feedback": p.feedback,
        "score": _num(p.score),
        "version": p.version,
    }


def _own_part(request, code: UUID, kind: str, write: bool) -> Part:
    if not request.auth.is_authenticated:
        raise AuthenticationError
    part = selectors.part_get(code=code, fetched_by=request.auth)
    if part.kind != kind:
        raise Http404
    if write:
        access = access_for(request.auth, part.cycle.covenant)
        own = any(
            r.kind == "company" and r.organisation_id == part.organisation_id for r in access.roles
        )
        if not own:
            raise PermissionDenied
    return part


def stale_version_answer(exc: services.StaleVersion) -> dict:
    """The 409 answer's body to a change based on an older version of the part (the API's
    exception handler in covenant/api.py sends it for every endpoint)."""
    message = MSG_API_STALE % {"current": exc.version, "sent": exc.sent}
    return {"message": str(message), "extra": {"version": exc.version}}


def _risk_out(r: RiskItem, version: int) -> dict:
    return {
        "code": r.code,
        "theme": r.theme,
        "commodity": r.commodity,
        "country": r.country,
        "chain_stage": r.chain_stage,
        "scale": r.scale,
        "scope": r.scope,
        "irremediable": r.irremediable,
        "likelihood": r.likelihood,
        "prioritised": r.prioritised,
        "reason": r.reason,
        "severity": r.severity,
        "version": version,
    }


def _action_out(a: Action, version: int) -> dict:
    return {
        "code": a.code,
        "measure": a.measure,
        "risk": a.risk.code if a.risk_id else None,
        "owner": a.owner,
        "due_date": a.due_date,
        "status": a.status,
        "progress": a.progress,
        "leverage": a.leverage,
        "version": version,
    }


@router.get(
    "/parts/{code}/risks",
    response=list[RiskOut],
    summary="A risk register",
    description="Each risk carries the register's current `version`. " + OPTIMISTIC,
)
@declare(OBJECT)
def risk_list(request, code: UUID):
    part = _own_part(request, code, Part.Kind.RISK_ANALYSIS, write=False)
    return [_risk_out(r, part.version) for r in part.risks.all()]


@router.post(
    "/parts/{code}/risks",
    response={201: RiskOut, 409: ErrorOut},
    summary="Add a risk",
    description=OPTIMISTIC,
)
@declare(OBJECT)
def risk_create(request, code: UUID, payload: RiskIn):
    part = _own_part(request, code, Part.Kind.RISK_ANALYSIS, write=True)
    fields = payload.dict()
    version = fields.pop("version")
    risk = services.risk_save(part=part, user=request.auth, expected_version=version, **fields)
    return Status(201, _risk_out(risk, part.version))


@router.put(
    "/parts/{code}/risks/{risk_code}",
    response={200: RiskOut, 409: ErrorOut},
    summary="Change a risk",
    description=OPTIMISTIC,
)
@declare(OBJECT)
def risk_update(request, code: UUID, risk_code: UUID, payload: RiskIn):
    part = _own_part(request, code, Part.Kind.RISK_ANALYSIS, write=True)
    risk = get_object_or_404(part.risks, code=risk_code)
    fields = payload.dict()
    version = fields.pop("version")
    risk = services.risk_save(
        part=part, user=request.auth, risk=risk, expected_version=version, **fields
    )
    return _risk_out(risk, part.version)


@router.delete(
    "/parts/{code}/risks/{risk_code}",
    response={204: None, 409: ErrorOut},
    summary="Remove a risk",
    description=OPTIMISTIC_DELETE,
)
@declare(OBJECT)
def risk_delete(request, code: UUID, risk_code: UUID, version: int | None = None):
    part = _own_part(request, code, Part.Kind.RISK_ANALYSIS, write=True)
    risk = get_object_or_404(part.risks, code=risk_code)
    services.risk_delete(part=part, risk=risk, user=request.auth, expected_version=version)
    return Status(204, None)


def _action_fields(part: Part, payload: ActionIn) -> tuple[dict, int | None]:
    """Return the measure's fields for the service (its risk found by code) and the version."""
    data = payload.dict()
    version = data.pop("version")
    risk_code = data.pop("risk")
    data["risk"] = None
    if risk_code:
        data["risk"] = get_object_or_404(
            RiskItem,
            code=risk_code,
            part__cycle=part.cycle,
            part__organisation_id=part.organisation_id,
        )
    return data, version


@router.get(
    "/parts/{code}/actions",
    response=list[ActionOut],
    summary="An action plan",
    description="Each measure carries the plan's current `version`. " + OPTIMISTIC,
)
@declare(OBJECT)
def action_list(request, code: UUID):
    part = _own_part(request, code, Part.Kind.ACTION_PLAN, write=False)
    return [_action_out(a, part.version) for a in part.actions.select_related("risk")]


@router.post(
    "/parts/{code}/actions",
    response={201: ActionOut, 409: ErrorOut},
    summary="Add a measure",
    description=OPTIMISTIC,
)
@declare(OBJECT)
def action_create(request, code: UUID, payload: ActionIn):
    part = _own_part(request, code, Part.Kind.ACTION_PLAN, write=True)
    fields, version = _action_fields(part, payload)
    action = services.action_save(part=part, user=request.auth, expected_version=version, **fields)
    return Status(201, _action_out(action, part.version))


@router.put(
    "/parts/{code}/actions/{action_code}",
    response={200: ActionOut, 409: ErrorOut},
    summary="Change a measure",
    description=OPTIMISTIC,
)
@declare(OBJECT)
def action_update(request, code: UUID, action_code: UUID, payload: ActionIn):
    part = _own_part(request, code, Part.Kind.ACTION_PLAN, write=True)
    action = get_object_or_404(part.actions, code=action_code)
    fields, version = _action_fields(part, payload)
    action = services.action_save(
        part=part, user=request.auth, action=action, expected_version=version, **fields
    )
    return _action_out(action, part.version)


@router.delete(
    "/parts/{code}/actions/{action_code}",
    response={204: None, 409: ErrorOut},
    summary="Remove a measure",
    description=OPTIMISTIC_DELETE,
)
@declare(OBJECT)
def action_delete(request, code: UUID, action_code: UUID, version: int | None = None):
    part = _own_part(request, code, Part.Kind.ACTION_PLAN, write=True)
    action = get_object_or_404(part.actions, code=action_code)
    services.action_delete(part=part, action=action, user=request.auth, expected_version=version)
    return Status(204, None)
