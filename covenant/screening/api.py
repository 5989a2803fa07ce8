"""API of the screening: start a run by uploading a purchase list (multipart) or by sending
its lines as JSON, read a run's progress and its findings. The same services and selectors
as the pages; the same access (a company's own members, and the covenant's secretariat)."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile
from pydantic import ConfigDict, model_validator

from covenant.accounts.api import MessageOut
from covenant.accounts.decorators import Policy, declare
from covenant.covenants import selectors as covenant_selectors
from covenant.lib.countries import is_country
from covenant.lib.taxonomy import ChainStage, Theme
from covenant.screening import selectors, services
from covenant.screening.models import Run, Upload
from covenant.screening.templatetags.messages_i18n import translated

router = Router(tags=["screening"])
OBJECT = Policy("object")


class LineIn(Schema):
    """One purchase line; a field the API does not know is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    hs_code: str | None = None
    supplier: str | None = None
    supplier_country: str | None = None
    origin_country: str | None = None
    quantity: float | None = Field(None, ge=0, allow_inf_nan=False)
    spend: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="Leave credit notes out."
    )


class LinesIn(Schema):
    """The purchase lines: at least one, and between them a material (description or HS code)
    and an amount (spend or quantity). A finding's `line_numbers` are indices in `lines`, from
    0, as a validation error's `loc` counts them."""

    lines: list[LineIn] = Field(min_length=1)

    @model_validator(mode="after")
    def names_material_and_amount(self) -> LinesIn:
        if not any(line.description or line.hs_code for line in self.lines):
            raise ValueError("No line names its material: send a description or an hs_code.")
        if not any(line.spend is not None or line.quantity is not None for line in self.lines):
            raise ValueError("No line has an amount: send a spend or a quantity.")
        return self


class UnplacedOut(Schema):
    commodity: str
    lines: int


class RunOut(Schema):
    code: UUID
    upload: UUID = Field(
        description=(
            "The purchase list the run screened: DELETE /api/screening/uploads/{upload} deletes "
            "it with its runs and findings."
        )
    )
    organisation: str
    status: str
    progress: int
    error: str
    lines: int
    matched_lines: int
    finding_count: int
    unplaced: list[UnplacedOut] = Field(
        description=(
            "Linked lines not screened for want of a country of origin: the knowledge base has "
            "no production figures for their commodity to estimate it (natural stone, for one)."
        )
    )
    created_at: str
    finished_at: str | None


class FindingOut(Schema):
    code: UUID
    rank: int
    score: float
    theme: str
    commodity: str
    bought_as: str
    component_share: float
    country: str
    stage: str
    severity: int
    likelihood: float
    exposure: float
    exposure_share: float
    production_share: float | None
    production_source: str | None
    risk_source: str
    line_count: int
    line_numbers: list[int] = Field(
        description=(
            "The purchase lines behind the finding (the first ones, when there are many): rows "
            "of an uploaded file as a spreadsheet counts them (the header is row 1); for lines "
            "sent as JSON, their indices in `lines`, from 0."
        )
    )


def _sentence(text: str) -> str:
    """The text as a sentence, to put another after it ("… Columns found: a, b.")."""
    text = text.strip()
    return text if not text or text.endswith((".", "?", "!")) else f"{text}."


def _user(request):
    if not request.auth.is_authenticated:
        raise AuthenticationError
    return request.auth


ORGANISATION = Query(
    None,
    description="The company the list is for, by its code; needed only from a member of "
    "several companies in the covenant (the 400 answer lists theirs).",
)


def _company(request, slug: str, organisation: UUID | None = None):
    user = _user(request)
    covenant = covenant_selectors.covenant_get(slug=slug)
    if not selectors.can_read(user, covenant):
        raise Http404
    return covenant, selectors.own_company(user, covenant, organisation and str(organisation))


def _run_out(run: Run) -> dict:
    return {
        "code": run.code,
        "upload": run.upload.code,
        "organisation": run.organisation.name,
        "status": run.status,
        "progress": run.progress,
        "error": run.error_text,
        "lines": run.lines,
        "matched_lines": run.matched_lines,
        "finding_count": run.finding_count,
        "unplaced": run.unplaced,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def _start(
    request,
    slug: str,
    name: str,
    data: bytes,
    source: str = Upload.Source.FILE,
    header_row: int | None = None,
    organisation: UUID | None = None,
) -> tuple[int, dict]:
    covenant, company = _company(request, slug, organisation)
    upload = services.upload_create(
        covenant=covenant,
        organisation=company,
        user=request.auth,
        name=name,
        data=data,
        source=source,
        header_row=header_row,
    )
    # The upload is kept: its page is where a person maps the values once for the company.
    if upload.status == Upload.Status.NEEDS_COUNTRIES:
        close = _("close to")

        def where(row: int) -> str:  # lines[0] as the validation errors say, or the file's row
            if source == Upload.Source.API_LINES:
                return f"lines[{upload.sender_numbers([row])[0]}]"
            return f"{_('row')} {row}"

        raise ValidationError(
            _(
                "Country values not recognised: %(values)s. Send ISO codes or country names, "
                "or map these values once at %(url)s."
            )
            % {
                "values": ", ".join(
                    f"{u['value']!r} ({where(u['row'])}"
                    + (f"; {close} {', '.join(u['suggestions'])}" if u["suggestions"] else "")
                    + ")"
                    for u in upload.report["unknown_countries"][:10]
                ),
                "url": request.build_absolute_uri(
                    reverse("screening-countries", args=[upload.code])
                ),
            }
        )
    if upload.status != Upload.Status.READY:
        raise ValidationError(
            _(
                "%(why)s Map the columns once at %(url)s, or name them description, hs_code, "
                "origin_country, quantity, spend."
            )
            % {
                "why": _sentence(translated(upload.report.get("error"))),
                "url": request.build_absolute_uri(reverse("screening-mapping", args=[upload.code])),
            }
        )
    return Status(201, _run_out(services.run_start(upload=upload, user=request.auth)))


@router.post(
    "/covenants/{slug}/screening/uploads",
    response={201: RunOut},
    summary="Start a screening run by uploading a purchase list (CSV or .xlsx, field “file”)",
)
@declare(OBJECT)
def screening_upload_run(
    request,
    slug: str,
    file: File[UploadedFile],
    header_row: int | None = Query(
        None,
        ge=1,
        description="The row (from 1, as a spreadsheet numbers rows) with the column names, "
        "where a title above them is not recognised; by default the header is looked for.",
    ),
    organisation: UUID | None = ORGANISATION,
):
    _company(request, slug, organisation)
    services._check_upload(file.name or "upload.csv", file.size)
    return _start(
        request,
        slug,
        file.name or "upload.csv",
        file.read(),
        header_row=header_row,
        organisation=organisation,
    )


@router.post(
    "/covenants/{slug}/screening/runs",
    response={201: RunOut},
    summary="Start a screening run from purchase lines sent as JSON",
)
@declare(OBJECT)
def screening_lines_run(
    request, slug: str, payload: LinesIn, organisation: UUID | None = ORGANISATION
):
    _company(request, slug, organisation)
    lines = [line.dict(exclude_none=True) for line in payload.lines]
    data = services.lines_to_csv(lines)
    return _start(
        request, slug, "lines.csv", data, source=Upload.Source.API_LINES, organisation=organisation
    )


@router.get("/screening/runs/{code}", response=RunOut, summary="A run's status and progress")
@declare(OBJECT)
def screening_run_detail(request, code: UUID):
    run = selectors.run_get(code=code, fetched_by=_user(request))
    return _run_out(services.run_fail_if_stale(run))


@router.get(
    "/screening/runs/{code}/findings",
    response={200: list[FindingOut], 409: MessageOut},
    summary="A run's findings, ranked (filters: theme, country, commodity, stage)",
    description="A run that has not finished, or failed, has no findings: the answer is 409 "
    "with the reason, so that it is never read as a list without risks. An empty list says "
    "that the knowledge base documents no risk for these purchases, not that there is none.",
)
@declare(OBJECT)
def screening_finding_list(
    request, code: UUID, theme: str = "", country: str = "", commodity: str = "", stage: str = ""
):
    run = services.run_fail_if_stale(selectors.run_get(code=code, fetched_by=_user(request)))
    if run.status == Run.Status.FAILED:
        return Status(409, {"message": _("The run failed: %(error)s") % {"error": run.error_text}})
    if run.status != Run.Status.DONE:
        return Status(
            409,
            {
                "message": _("The run has not finished (%(progress)s%%); ask again later.")
                % {"progress": run.progress}
            },
        )
    # a filter value the findings cannot hold is a mistake to say, not an empty list
    known = {"theme": set(Theme.values), "stage": {*ChainStage.values, "origin"}}
    for name, value in (("theme", theme), ("stage", stage)):
        if value and value not in known[name]:
            raise ValidationError(
                {
                    name: _("Unknown %(name)s “%(value)s”; one of: %(known)s.")
                    % {"name": name, "value": value, "known": ", ".join(sorted(known[name]))}
                }
            )
    if country and not is_country(country):
        raise ValidationError(
            {
                "country": _("Unknown country “%(value)s”: give its ISO code, such as BO.")
                % {"value": country}
            }
        )
    if commodity and commodity not in selectors.commodity_names():
        raise ValidationError(
            {
                "commodity": _("Unknown commodity “%(value)s”: give its code, such as tin.")
                % {"value": commodity}
            }
        )
    filters = selectors.FindingFilters.from_query(
        {"theme": theme, "country": country, "commodity": commodity, "stage": stage}
    )
    return [
        {
            "code": f.code,
            "rank": f.rank,
            "score": f.score,
            "theme": f.theme,
            "commodity": f.commodity,
            "bought_as": f.component,
            "component_share": f.component_share,
            "country": f.country,
            "stage": f.stage,
            "severity": f.severity,
            "likelihood": f.likelihood,
            "exposure": f.exposure,
            "exposure_share": f.exposure_share,
            "production_share": f.production_share,
            "production_source": f.production_source.citation if f.production_source else None,
            "risk_source": f.risk_source.citation,
            "line_count": f.line_count,
            "line_numbers": run.upload.sender_numbers(f.line_numbers),
        }
        for f in selectors.finding_list(run=run, filters=filters)
    ]


@router.delete(
    "/screening/uploads/{code}",
    response={204: None},
    summary="Delete an uploaded purchase list with its runs and findings",
    description=(
        "The stored file, its runs and their findings go; items of the risk register adopted "
        "from a finding stay, without their link. For the company's own members."
    ),
)
@declare(OBJECT)
def screening_upload_delete(request, code: UUID):
    upload = selectors.upload_get(code=code, fetched_by=_user(request))
    services.upload_delete(upload=upload, user=request.auth)
    return Status(204, None)
