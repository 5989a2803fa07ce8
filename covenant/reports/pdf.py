"""The annual report as a PDF, typeset with typst. All text from users and data enters the
document as typst strings (`typst_str`), so nothing in it is ever evaluated as markup."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import override

from covenant.reports.presentation import ReportView
from covenant.reports.rendering import markdown_typst
from covenant.reports.rendering import typst_str as S

TEMPLATE = (Path(__file__).resolve().parent / "typst" / "report.typ").read_text(encoding="utf-8")


def _date(iso: str | None) -> str:
    import datetime as dt

    return formats.date_format(dt.date.fromisoformat(iso), "j F Y") if iso else ""


def _names(names: list[str]) -> str:
    """Names for a sentence that ends in a full stop: "… Rijnmond B.V." not "… B.V.."."""
    return ", ".join(names).removesuffix(".")


def _fraction(f: dict) -> str:
    if f.get("suppressed"):
        return _("not shown (fewer than the threshold)")
    if f.get("value") is not None:
        return formats.number_format(f["value"], 1) + "%"
    if f.get("numerator") is None:
        return "—"
    return _("%(a)s of %(b)s") % {"a": f["numerator"], "b": f["denominator"]}


def typst_source(view: ReportView, chart_files: dict[str, str]) -> str:
    """Return the typst source of the report in the view's language."""
    lang = view.lang
    with override(lang):
        d = view.data
        out = [TEMPLATE]
        title = _("Annual report %(label)s") % {"label": d["year"]["label"]}
        edition = ""
        if view.report.edition > 1:
            edition = _("Corrected edition %(n)s") % {"n": view.report.edition}
        published = view.report.published_at
        # Translated strings stay outside f-strings: makemessages does not see them inside.
        date = formats.date_format(published, "j F Y") if published else _("Draft")
        contents, page_word = _("Contents"), _("page")
        out.append(
            f"#show: report.with(covenant: {S(d['covenant']['name'])}, title: {S(title)}, "
            f"subtitle: {S(d['covenant']['sector'])}, edition: {S(edition)}, "
            f"date: {S(date)}, "
            f"lang: {S(lang)}, contents: {S(contents)}, page_word: {S(page_word)})"
        )
        note = view.report.correction_note_nl if lang == "nl" else view.report.correction_note_en
        if note:
            out.append(f"#note({S(note)})")
        out.append("= #" + S(_("Summary")))
        out.append(f"#{S(view.summary)}\n")
        for section in view.sections:
            out.append(f"#heading(level: 1)[#{S(section['title'])}]")
            out.append(markdown_typst(section.get(f"body_{lang}", "")))
            key = section.get("key")
            if key == "monitoring":
                out.append(_monitoring(view, chart_files))
            elif key == "collaboration":
                out.append(_collaboration(view))
            elif key == "knowledge":
                out.append(_knowledge(view))
        out.append(_parties(view))
        return "\n".join(out)


def _monitoring(view: ReportView, charts: dict[str, str]) -> str:
    d, lang = view.data, view.lang
    rows = []
    for f in d.get("figures", []):
        rows.append(f"[#{S(f[f'name_{lang}'])}], [#{S(_fraction(f['public']))}]")
    parts = ["#heading(level: 2)[#" + S(_("Figures of the year")) + "]"]
    joined = d["monitoring"].get("joined_not_monitored", [])
    parts.append(
        "#"
        + S(
            _("%(m)s member companies at the end of the year, %(n)s monitored.")
            % {"m": d["monitoring"]["members_end"], "n": d["monitoring"]["monitored"]}
            + (
                " "
                + _("Joined this year, not yet monitored: %(names)s.") % {"names": _names(joined)}
                if joined
                else ""
            )
        )
        + "\n"
    )
    if rows:
        head = [S(_("Indicator")), S(_("Figure"))]
        parts.append("#figures_table(" + ", ".join(head + rows) + ")")
    for path in charts.values():
        parts.append(f"#chart({S(path)})")
    sector = d.get("sector", {}).get("cells", [])
    if sector:
        heading = _("Sector risk map")
        parts.append(f"#heading(level: 2)[#{S(heading)}]")
        parts.append(
            "#"
            + S(
                _(
                    "The largest risks in the supply chains of the %(n)s companies that screened "
                    "their purchases; no company is named and cells under the disclosure threshold "
                    "are left out."
                )
                % {"n": d["sector"]["companies"]}
            )
            + "\n"
        )
        rows = [
            f"[#{S(f'{country} · {commodity} · {theme}')}], [#{S(formats.number_format(share, 3))}]"
            for country, commodity, theme, share in view.sector_rows
        ]
        where = _("Country, commodity, theme")
        share_label = _("Summed exposure share")
        parts.append(f"#figures_table({S(where)}, {S(share_label)}, " + ", ".join(rows) + ")")
    return "\n".join(parts)


def _collaboration(view: ReportView) -> str:
    lang = view.lang
    parts = ["#heading(level: 2)[#" + S(_("Collective projects")) + "]"]
    for p in view.data.get("projects", []):
        parts.append(f"#heading(level: 3)[#{S(p['title'])}]")
        who = ", ".join([p["organiser"], *p["participants"]])
        parts.append(f"#emph[#{S(who)}]\n")
        for key in ("description", "results", "lessons"):
            if p.get(key):
                parts.append(f"#{S(p[key])}\n")
        if p.get("seeks_participants"):
            seeking = _("The project seeks more participants.") + " " + p.get("seeking_note", "")
            parts.append(f"#{S(seeking)}\n")
        updates = [f"[#{S(_date(u['date']) + ': ' + u['text'])}]" for u in p.get("updates", [])]
        if updates:
            parts.append("#list(" + ", ".join(updates) + ")")
    visits = view.data.get("work_visits", 0)
    parts.append("#heading(level: 2)[#" + S(_("Work visits")) + "]")
    parts.append(
        "#"
        + S(_("NGOs and trade unions made %(n)s work visits to companies.") % {"n": visits})
        + "\n"
    )
    del lang
    return "\n".join(parts)


def _knowledge(view: ReportView) -> str:
    d = view.data
    parts = []
    for key, heading in (
        ("round_tables", _("Round tables")),
        ("sessions", _("Knowledge sessions")),
    ):
        items = d.get(key, [])
        if not items:
            continue
        parts.append(f"#heading(level: 2)[#{S(heading)}]")
        rows = [
            f"[#{S(_date(m['date']))}], [#{S(m['title'])}], [#{S(str(m['inside']))}], "
            f"[#{S(str(m['outside']))}]"
            for m in items
        ]
        head = [S(_("Date")), S(_("Topic")), S(_("Inside")), S(_("Outside"))]
        parts.append("#meetings_table(" + ", ".join(head + rows) + ")")
    trainings = d.get("trainings", [])
    if trainings:
        parts.append("#heading(level: 2)[#" + S(_("Trainings")) + "]")
        rows = [
            f"[#{S(_date(t['date']))}], [#{S(t['title'])}], [#{S(str(t['inside']))}], "
            f"[#{S(str(t['outside']))}]"
            for t in trainings
        ]
        head = [S(_("Date")), S(_("Training")), S(_("Inside")), S(_("Outside"))]
        parts.append("#meetings_table(" + ", ".join(head + rows) + ")")
    return "\n".join(parts)


def _parties(view: ReportView) -> str:
    from covenant.covenants.models import Organisation

    d = view.data
    labels = dict(Organisation.Kind.choices)
    parts = ["#heading(level: 1)[#" + S(_("Parties")) + "]"]
    for kind, names in d["parties"]["by_kind"]:
        label = str(labels.get(kind, kind))
        parts.append(f"#heading(level: 2)[#{S(label[:1].upper() + label[1:])}]")
        parts.append("#" + S(", ".join(names)) + "\n")
    if d["parties"]["joined"]:
        parts.append(
            "#"
            + S(_("Joined this year: %(names)s.") % {"names": _names(d["parties"]["joined"])})
            + "\n"
        )
    if d["parties"]["leaving"]:
        parts.append(
            "#"
            + S(
                _("Leaving after this year: %(names)s.")
                % {"names": _names(d["parties"]["leaving"])}
            )
            + "\n"
        )
    return "\n".join(parts)


def build_pdf(view: ReportView) -> tuple[bytes, str]:
    """Typeset the report; return the PDF and the typst source it was built from."""
    import typst

    with tempfile.TemporaryDirectory(prefix="covenant-report-") as tmp:
        chart_files = {}
        for name, svg in view.charts.items():
            path = f"chart-{name}.svg"
            (Path(tmp) / path).write_text(svg, encoding="utf-8")
            chart_files[name] = path
        source = typst_source(view, chart_files)
        main = Path(tmp) / "report.typ"
        main.write_text(source, encoding="utf-8")
        pdf = typst.compile(str(main), root=tmp)
    return pdf, source
