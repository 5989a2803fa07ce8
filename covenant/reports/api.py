"""API of annual reports: published reports and their figures for anyone (open data), drafts
for the secretariat and the steering group."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Router, Schema

from covenant.accounts.decorators import Policy, declare
from covenant.covenants import selectors as covenant_selectors
from covenant.reports import selectors
from covenant.reports.models import Report
from covenant.reports.presentation import report_view

router = Router(tags=["reports"])


class ReportOut(Schema):
    code: UUID
    covenant: str
    year: str
    edition: int
    status: str
    published_at: dt.datetime | None


class FigureOut(Schema):
    indicator: str
    name_nl: str
    name_en: str
    numerator: float | None
    denominator: float | None
    value: float | None
    suppressed: bool


class SectionOut(Schema):
    key: str
    title: str
    text: str


class ReportDetailOut(ReportOut):
    language: str
    summary: str
    sections: list[SectionOut]
    figures: list[FigureOut]


def _out(r: Report) -> dict:
    return {
        "code": r.code,
        "covenant": r.covenant.slug,
        "year": r.year.label,
        "edition": r.edition,
        "status": r.status,
        "published_at": r.published_at,
    }


def _figures(data: dict) -> list[dict]:
    return [
        {
            "indicator": f["code"],
            "name_nl": f["name_nl"],
            "name_en": f["name_en"],
            "numerator": f["public"]["numerator"],
            "denominator": f["public"]["denominator"],
            "value": f["public"]["value"],
            "suppressed": f["public"]["suppressed"],
        }
        for f in data.get("figures", [])
    ]


@router.get(
    "/covenants/{slug}/reports",
    response=list[ReportOut],
    summary="Annual reports: published ones for anyone, drafts for those who review",
)
@declare(Policy("public"))
def report_list(request, slug: str):
    covenant = covenant_selectors.covenant_get(slug=slug)
    return [_out(r) for r in selectors.report_list(covenant=covenant, fetched_by=request.auth)]


@router.get("/reports/{code}", response=ReportDetailOut, summary="One annual report")
@declare(Policy("object"))
def report_detail(request, code: UUID, lang: str = "nl"):
    report = selectors.report_get(code=code, fetched_by=request.auth)
    lang = "en" if lang == "en" else "nl"
    view = report_view(report, lang, with_charts=False)
    return {
        **_out(report),
        "language": lang,
        "summary": view.summary,
        "sections": [
            {"key": s.get("key", ""), "title": s["title"], "text": s.get(f"body_{lang}", "")}
            for s in view.sections
        ],
        "figures": _figures(view.data),
    }


@router.get(
    "/reports/{code}/figures",
    response=list[FigureOut],
    summary="The figures of an annual report (open data once published)",
)
@declare(Policy("object"))
def report_figures(request, code: UUID):
    report = selectors.report_get(code=code, fetched_by=request.auth)
    return _figures(report_view(report, "en", with_charts=False).data)
