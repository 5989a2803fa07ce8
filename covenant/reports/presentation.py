"""One view of a report for the page, the PDF and the figures download: from the frozen
snapshot once the report awaits approval, else live from the data."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import override

from covenant.reports import rendering
from covenant.reports.assembly import changed_figures, report_data
from covenant.reports.models import Report

CHART_CODES = ["policy_published", "self_assessment", "risk_analysis", "action_plan"]


@dataclass
class ReportView:
    report: Report
    lang: str
    data: dict
    sections: list[dict]
    summary: str
    charts: dict[str, str] = field(default_factory=dict)  # name -> SVG
    changes: list[dict] = field(default_factory=list)
    sector_rows: list[tuple] = field(default_factory=list)  # (country, commodity, theme, share)

    def text(self, item: dict, key: str) -> str:
        return item.get(f"{key}_{self.lang}") or ""


def _percent(f: dict | None) -> float | None:
    if not f or f.get("suppressed") or f.get("numerator") is None or not f.get("denominator"):
        return None
    return round(100 * f["numerator"] / f["denominator"], 1)


def charts_for(data: dict, lang: str) -> dict[str, str]:
    """Return the report's charts as SVG: each figure's share per year, and the step scores."""
    charts = {}
    names = {f["code"]: f[f"name_{lang}"] for f in data.get("figures", [])}
    with override(lang):
        for code in CHART_CODES:
            rows = [
                {"year": y["label"], "percent": p}
                for y in data.get("trend", [])
                if (p := _percent(y["figures"].get(code))) is not None
            ]
            if rows and code in names:
                charts[code] = rendering.bar_chart_svg(
                    rows, x="year", y="percent", title=f"{names[code]} (%)", percent=True
                )
        cells = data.get("sector", {}).get("cells", [])
        if cells:
            from covenant.screening.charts import country_name, heat_map_svg
            from covenant.screening.selectors import commodity_names

            commodities = commodity_names()
            heat: dict[tuple[str, str], float] = {}
            for country, commodity, _theme, share, _n in cells:
                key = (
                    country_name(country) if country else "—",
                    commodities.get(commodity, commodity),
                )
                heat[key] = heat.get(key, 0.0) + share
            charts["sector"] = heat_map_svg(
                [
                    {"country": c, "commodity": m, "share": round(v, 4), "label": f"{v:.3f}"}
                    for (c, m), v in sorted(heat.items())
                ],
                title=_("Sector risk map: summed exposure share per country and commodity"),
                legend=_("summed exposure share"),
            )
        steps = [
            {"step": _("step %(n)s") % {"n": f["step"]}, "score": f["public"]["value"]}
            for f in data.get("figures", [])
            if f["measure"] == "average_score" and f["step"] and f["public"]["value"] is not None
        ]
        if steps:
            charts["steps"] = rendering.bar_chart_svg(
                steps,
                x="step",
                y="score",
                title=_("Average self-assessment score per OECD step (%)"),
                percent=True,
            )
    return charts


def report_view(report: Report, lang: str, *, with_charts: bool = True) -> ReportView:
    frozen = bool(report.snapshot)
    if frozen:
        data = report.snapshot
        sections = data.get("sections", [])
        summary = data.get("summary", {}).get(lang, "")
    else:
        data = report_data(covenant=report.covenant, year=report.year)
        sections = [
            {
                "key": s.key,
                "title_nl": s.title_nl,
                "title_en": s.title_en,
                "body_nl": s.body_nl,
                "body_en": s.body_en,
                "id": s.pk,
                "hidden": s.hidden,
            }
            for s in report.sections.order_by("order")
            if not s.hidden
        ]
        summary = report.summary_nl if lang == "nl" else report.summary_en
    view = ReportView(report=report, lang=lang, data=data, sections=sections, summary=summary)
    for section in view.sections:
        section["title"] = section.get(f"title_{lang}", "")
        section["html"] = rendering.markdown_html(section.get(f"body_{lang}", ""))
    cells = data.get("sector", {}).get("cells", [])
    if cells:
        from covenant.lib.taxonomy import Theme
        from covenant.screening.charts import country_name
        from covenant.screening.selectors import commodity_names

        with override(lang):
            themes = dict(Theme.choices)
            commodities = commodity_names()
            view.sector_rows = [
                (
                    country_name(c) if c else "—",
                    commodities.get(commodity, commodity),
                    str(themes.get(t, t)),
                    share,
                )
                for c, commodity, t, share, _n in cells
            ]
    if with_charts:
        frozen_charts = data.get("charts", {}).get(lang) if frozen else None
        view.charts = dict(frozen_charts) if frozen_charts is not None else charts_for(data, lang)
    if frozen and not report.is_published:
        view.changes = changed_figures(
            data, report_data(covenant=report.covenant, year=report.year)
        )
    return view
