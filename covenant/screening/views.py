"""Pages of the screening: upload, column mapping, preview, the run (polled with htmx),
findings with their explanation, export, comparison and adoption into the risk register.

Only the company's own members and the covenant's secretariat see a company's uploads, runs
and findings; everyone else gets 404. Uploading, running and adopting are the company's."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from covenant.accounts.access import Perm
from covenant.accounts.decorators import covenant_permission, object_scoped_login
from covenant.covenants.models import Covenant
from covenant.lib.forms import add_service_errors
from covenant.lib.spreadsheet import safe_cell, xlsx_bytes
from covenant.lib.taxonomy import ChainStage, Theme
from covenant.screening import charts, engine, rmi, selectors, services
from covenant.screening.forms import (
    CountryMapForm,
    HeaderRowForm,
    MappingForm,
    SynonymForm,
    UploadForm,
)
from covenant.screening.models import Finding, Run, Upload
from covenant.screening.templatetags.amounts import amount

COUNTRY_FIELDS = ("supplier_country", "origin_country")  # ISO codes in the purchase lines


def _covenant_for_reader(request, slug: str) -> Covenant:
    covenant = get_object_or_404(Covenant, slug=slug)
    if not selectors.can_read(request.user, covenant):
        raise Http404
    return covenant


def _writer(request, covenant: Covenant, organisation_id: int) -> None:
    if not selectors.can_run(request.user, covenant, organisation_id):
        raise PermissionDenied


@object_scoped_login
def remembered(request, slug):
    """What the screening remembers for the user's company (columns, country values, its own
    words), each with a button to forget it."""
    covenant = _covenant_for_reader(request, slug)
    companies = selectors.own_companies(request.user, covenant)
    chosen = request.POST.get("company") or request.GET.get("company")
    try:  # a member of several companies looks at one at a time, the first by default
        company = selectors.own_company(request.user, covenant, chosen or None)
    except ValidationError:
        if chosen:
            raise Http404 from None
        company = companies[0]
    if request.method == "POST":
        try:
            services.remembered_forget(
                covenant=covenant,
                organisation=company,
                user=request.user,
                kind=request.POST.get("kind", ""),
                key=request.POST.get("key", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Forgotten: the next upload is read without it."))
        url = reverse("screening-remembered", args=[covenant.slug])
        return redirect(f"{url}?company={company.code}" if len(companies) > 1 else url)
    names = selectors.commodity_names()
    memory = selectors.remembered_for(company)
    context = {
        "covenant": covenant,
        "company": company,
        "companies": companies if len(companies) > 1 else [],
        "columns": [
            (h, services.FIELD_LABELS.get(f, f) if f else _("— not used —"))
            for h, f in memory.columns
        ],
        "countries": [
            (value, selectors.country_label(code) if code else _("no single country"))
            for value, code in memory.countries
        ],
        "words": [(text, names.get(code, code)) for text, code in memory.words],
    }
    return render(request, "screening/remembered.html", context)


@object_scoped_login
def home(request, slug):
    covenant = _covenant_for_reader(request, slug)
    companies = selectors.own_companies(request.user, covenant)
    form = UploadForm(request.POST or None, request.FILES or None, companies=companies)
    if request.method == "POST":
        if not companies:
            raise PermissionDenied
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            try:
                company = selectors.own_company(
                    request.user, covenant, form.cleaned_data.get("organisation")
                )
                if upload_file.size > services.max_bytes():
                    services._check_upload(upload_file.name, upload_file.size)
                upload = services.upload_create(
                    covenant=covenant,
                    organisation=company,
                    user=request.user,
                    name=upload_file.name,
                    data=upload_file.read(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _after_reading(upload)
    context = {
        "covenant": covenant,
        "form": form if companies else None,
        "runs": selectors.run_list(covenant=covenant, fetched_by=request.user)[:50],
        "uploads": selectors.upload_list(covenant=covenant, fetched_by=request.user).filter(
            runs__isnull=True
        )[:20],
        "max_mb": services.max_bytes() // (1024 * 1024),
        "can_sector": selectors.can_read_sector(request.user, covenant),
        "can_remember": bool(companies),
    }
    return render(request, "screening/home.html", context, status=400 if form.errors else 200)


@object_scoped_login
def mapping(request, code):
    upload = selectors.upload_get(code=code, fetched_by=request.user)
    _writer(request, upload.covenant, upload.organisation_id)
    top = _as_shown(upload, services.top_of_file(upload))
    form = _mapping_form(upload, top, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.upload_map_columns(
                upload=upload, user=request.user, header_map=form.header_map()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The columns were mapped; the mapping is remembered."))
            return _after_reading(upload)
    return _render_mapping(request, upload, top, form=form)


def _after_reading(upload: Upload):
    """The page an upload goes on to once read again: what it still needs, or its preview."""
    if upload.status == Upload.Status.NEEDS_MAPPING:
        return redirect("screening-mapping", code=upload.code)
    if upload.status == Upload.Status.NEEDS_COUNTRIES:
        return redirect("screening-countries", code=upload.code)
    return redirect("screening-preview", code=upload.code)


HEADER_ROWS_OFFERED = 10  # a title above a table takes a row or three


def _mapping_form(upload: Upload, top: services.TopOfFile, data=None) -> MappingForm:
    return MappingForm(
        data,
        header=upload.header,
        initial_map=upload.header_map or selectors.mapping_for(upload.organisation),
        samples=top.samples,
    )


def _rows_offered(upload: Upload, top: services.TopOfFile) -> list[tuple[int, list[str]]]:
    """The file's first rows to choose the header from (with the one read as the header now,
    however far down); none for lines the engine wrote itself (an RMI template's smelters,
    lines sent as JSON), whose header is row 1."""
    if upload.source == Upload.Source.API_LINES or "rmi" in upload.report:
        return []
    return [
        row for i, row in enumerate(top.rows) if i < HEADER_ROWS_OFFERED or row[0] == top.header_row
    ]


_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def _as_shown(upload: Upload, top: services.TopOfFile) -> services.TopOfFile:
    """A workbook's decimal numbers as the reader writes them ("12500,5" in Dutch), as Excel
    shows a cell of general format; a CSV file's values stay as the file writes them."""
    if not services._is_xlsx(upload.name):
        return top

    def shown(value: str) -> str:
        return number_format(Decimal(value)) if _DECIMAL.match(value) else value

    return services.TopOfFile(
        samples=[[shown(v) for v in column] for column in top.samples],
        rows=[(number, [shown(v) for v in cells]) for number, cells in top.rows],
        header_row=top.header_row,
    )


def _render_mapping(request, upload: Upload, top: services.TopOfFile, *, form=None, row_form=None):
    rows = _rows_offered(upload, top)
    if row_form is None:
        row_form = HeaderRowForm(rows=rows, initial={"row": top.header_row})
    if form is None:
        form = _mapping_form(upload, top)
    context = {
        "upload": upload,
        "covenant": upload.covenant,
        "form": form,
        # the choice of the row with the column names (a title above them), where the file
        # has more than one row
        "row_form": row_form if len(rows) > 1 else None,
        "header_row": top.header_row,
        # open where the header looks like a title: columns without a name
        "rows_open": bool(row_form.errors) or not all(upload.header),
    }
    status = 400 if form.errors or row_form.errors else 200
    return render(request, "screening/mapping.html", context, status=status)


@object_scoped_login
def header_row(request, code):
    """Read an upload's column names from the row the user chose (a form on the mapping page)."""
    upload = selectors.upload_get(code=code, fetched_by=request.user)
    _writer(request, upload.covenant, upload.organisation_id)
    if request.method != "POST":
        return redirect(reverse("screening-mapping", args=[upload.code]) + "#header-row")
    top = _as_shown(upload, services.top_of_file(upload))
    form = HeaderRowForm(request.POST, rows=_rows_offered(upload, top))
    if form.is_valid():
        row = form.cleaned_data["row"]
        try:
            services.upload_choose_header_row(upload=upload, user=request.user, row=row)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The column names are read from row %(n)s.") % {"n": row})
            return _after_reading(upload)
    return _render_mapping(request, upload, top, row_form=form)


@object_scoped_login
def countries(request, code):
    upload = selectors.upload_get(code=code, fetched_by=request.user)
    _writer(request, upload.covenant, upload.organisation_id)
    # a purchase list waits here; an RMI template can be run before (unknown origin)
    unknown = upload.report.get("unknown_countries", [])
    if not unknown:
        return redirect("screening-preview", code=upload.code)
    form = CountryMapForm(request.POST or None, unknown=unknown)
    if request.method == "POST" and form.is_valid():
        try:
            services.upload_map_countries(
                upload=upload, user=request.user, country_map=form.country_map()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The countries were mapped; your company's mapping is remembered.")
            )
            if upload.status == Upload.Status.NEEDS_COUNTRIES:
                return redirect("screening-countries", code=upload.code)
            return redirect("screening-preview", code=upload.code)
    return render(
        request,
        "screening/countries.html",
        {"upload": upload, "covenant": upload.covenant, "form": form},
        status=400 if form.errors else 200,
    )


@object_scoped_login
def preview(request, code):
    upload = selectors.upload_get(code=code, fetched_by=request.user)
    can_run = selectors.can_run(request.user, upload.covenant, upload.organisation_id)
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        try:
            run = services.run_start(upload=upload, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("screening-preview", code=upload.code)
        return redirect("screening-run", code=run.code)
    if upload.status == Upload.Status.NEEDS_MAPPING and can_run:
        return redirect("screening-mapping", code=upload.code)
    if upload.status == Upload.Status.NEEDS_COUNTRIES and can_run:
        return redirect("screening-countries", code=upload.code)
    return _render_preview(request, upload, can_run)


def _tab(warning: dict | str) -> str | None:
    """The template tab a stored RMI warning belongs to, if it says (older ones are text)."""
    return warning.get("tab") if isinstance(warning, dict) else None


def _shown(field: str, value):
    """A preview value as the reader writes numbers: grouped, decimals only where there are
    (1.250,50 in Dutch, 1,250.50 in English)."""
    return amount(value) if field in engine.NUMBER_FIELDS else value


def _render_preview(request, upload: Upload, can_run: bool, synonym_form=None):
    columns = [c for c in services.FIELD_LABELS if c in upload.report.get("columns", {})]
    preview = selectors.with_country_labels(upload.preview, COUNTRY_FIELDS)
    labels = [(c, services.FIELD_LABELS[c]) for c in columns]
    rows = [[_shown(c, r.get(c)) for c in ["line", *columns]] for r in preview]
    # the commodity each line was linked to (uploads read before it was kept have none)
    if preview and "commodity" in preview[0]:
        names = selectors.commodity_names()
        labels.append(("commodity", _("linked to commodity")))
        for row, line in zip(rows, preview, strict=True):
            row.append(names.get(line["commodity"], line["commodity"]))
    template = upload.report.get("rmi") or {}
    warnings = template.get("warnings", [])
    context = {
        "upload": upload,
        "covenant": upload.covenant,
        "columns": labels,
        "rows": rows,
        "unmatched": selectors.with_country_labels(upload.unmatched, COUNTRY_FIELDS),
        "smelters": selectors.with_country_labels(template.get("smelters", []), ["country"]),
        "mines": selectors.with_country_labels(template.get("mines", []), ["country"]),
        "warnings": [w for w in warnings if _tab(w) != rmi.MINE_SHEET],
        "mine_warnings": [w for w in warnings if _tab(w) == rmi.MINE_SHEET],
        "is_xlsx": services._is_xlsx(upload.name),
        "separator": _("tab")
        if upload.report.get("delimiter") == "\t"
        else f"“{upload.report.get('delimiter', '')}”",
        "encoding": _ENCODING_NAMES.get(
            upload.report.get("encoding", ""), upload.report.get("encoding", "").upper()
        ),
        "can_run": can_run,
        "runs": upload.runs.all(),
    }
    if can_run:
        names = selectors.commodity_names()
        context["synonym_form"] = synonym_form or SynonymForm(commodities=names)
        context["own_words"] = sorted(
            (text, names.get(code, code))
            for text, code in selectors.company_synonyms_for(upload.organisation).items()
        )
    return render(
        request,
        "screening/preview.html",
        context,
        status=400 if synonym_form is not None and synonym_form.errors else 200,
    )


@object_scoped_login
def upload_delete(request, code):
    """Confirm, then delete an uploaded file with its runs (the company's own members)."""
    upload = selectors.upload_get(code=code, fetched_by=request.user)
    _writer(request, upload.covenant, upload.organisation_id)
    if request.method == "POST":
        runs = services.upload_delete(upload=upload, user=request.user)
        messages.success(
            request,
            ngettext(
                "%(name)s was deleted with its %(n)s run.",
                "%(name)s was deleted with its %(n)s runs.",
                runs,
            )
            % {"name": upload.name, "n": runs},
        )
        return redirect("screening-home", slug=upload.covenant.slug)
    context = {
        "upload": upload,
        "covenant": upload.covenant,
        "runs": upload.runs.count(),
        "adopted": selectors.adopted_from_upload_count(upload),
    }
    return render(request, "screening/upload_delete.html", context)


@object_scoped_login
def synonym_add(request, code):
    upload = selectors.upload_get(code=code, fetched_by=request.user)
    _writer(request, upload.covenant, upload.organisation_id)
    if request.method != "POST":  # the form lives on the preview
        return redirect(reverse("screening-preview", args=[upload.code]) + "#teach")
    form = SynonymForm(request.POST, commodities=selectors.commodity_names())
    if form.is_valid():
        try:
            upload, linked = services.synonym_add(
                upload=upload,
                user=request.user,
                text=form.cleaned_data["text"],
                commodity=form.cleaned_data["commodity"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "“%(text)s” now means %(commodity)s in your company's screenings: "
                    "%(n)s more line is linked.",
                    "“%(text)s” now means %(commodity)s in your company's screenings: "
                    "%(n)s more lines are linked.",
                    linked,
                )
                % {
                    "text": form.cleaned_data["text"].strip().lower(),
                    "commodity": form.commodity_label(),
                    "n": linked,
                },
            )
            return redirect(reverse("screening-preview", args=[upload.code]) + "#unmatched")
    return _render_preview(request, upload, True, synonym_form=form)


def _theme_labels() -> dict[str, str]:
    return {k: str(v) for k, v in Theme.choices}


def _stage_labels() -> dict[str, str]:
    labels = {k: str(v) for k, v in ChainStage.choices}
    labels[""] = _("stated origin")
    return labels


FINDINGS_PER_PAGE = 100


@object_scoped_login
def run_detail(request, code):
    run = services.run_fail_if_stale(selectors.run_get(code=code, fetched_by=request.user))
    names = selectors.commodity_names()
    # lines nothing places in a country (see Run.unplaced), by commodity name
    unplaced = [(names.get(u["commodity"], u["commodity"]), u["lines"]) for u in run.unplaced]
    if request.htmx and request.GET.get("status"):  # the page's poll: the status alone
        return render(request, "screening/run.html#status", {"run": run, "unplaced": unplaced})
    filters = selectors.FindingFilters.from_query(request.GET)
    listed = selectors.finding_list(run=run, filters=filters)
    page = Paginator(listed, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
    findings = selectors.finding_names(page, names=names)
    done = run.status == Run.Status.DONE
    facets = selectors.finding_facets(run) if done else {}
    context = {
        "run": run,
        "covenant": run.covenant,
        "findings": findings,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        # the filters, for the links to the other pages
        "filter_query": urlencode(filters.as_dict()),
        "filters": filters,
        "facets": facets,
        "country_options": sorted(
            ((c, selectors.country_label(c)) for c in facets.get("countries", [])),
            key=lambda option: option[1],
        ),
        "commodity_options": sorted(
            ((c, names.get(c, c)) for c in facets.get("commodities", [])),
            key=lambda option: option[1],
        ),
        "themes": _theme_labels(),
        "stages": _stage_labels(),
        "can_run": selectors.can_run(request.user, run.covenant, run.organisation_id),
        "previous": selectors.previous_run(run),
        "unplaced": unplaced,
    }
    if done and findings:
        # the bar chart shows the highest scores whichever page of the table is shown
        top = findings
        if page.number > 1:
            top = selectors.finding_names(listed[: charts.TOP_FINDINGS], names=names)
        context.update(
            charts.run_charts(
                heat=selectors.finding_heat(run=run, filters=filters),
                findings=top,
                themes=_theme_labels(),
                names=names,
            )
        )
    return render(request, "screening/run.html", context)


def _export_rows(findings, names) -> list[list]:
    """The findings as a table for people, in the active language: names and labels, not
    codes (the API gives the codes)."""
    themes, stages = _theme_labels(), _stage_labels()
    rows = [[
        _("rank"), _("score"), _("theme"), _("commodity"), _("bought as"),
        _("component share"), _("country"), _("chain stage"), _("severity"), _("likelihood"),
        _("exposure"), _("exposure share"), _("production share"), _("production source"),
        _("risk source"), _("lines"), _("line numbers"),
    ]]  # fmt: skip
    for f in findings:
        rows.append([
            f.rank, round(f.score, 6), themes.get(f.theme, f.theme),
            names.get(f.commodity, f.commodity), names.get(f.component, f.component),
            f.component_share, selectors.country_label(f.country) or "",
            stages.get(f.stage, f.stage), f.severity, round(f.likelihood, 4),
            round(f.exposure, 2), round(f.exposure_share, 6),
            None if f.production_share is None else round(f.production_share, 6),
            f.production_source.citation if f.production_source else "",
            f.risk_source.citation, f.line_count,
            # the first MAX_FINDING_LINES are kept; "…" says there are more (see "lines")
            " ".join(map(str, f.line_numbers)) + (" …" if f.lines_truncated else ""),
        ])  # fmt: skip
    return rows


# an encoding as a person names it, not as Python does ("utf-8-sig")
_ENCODING_NAMES = {"utf-8-sig": "UTF-8 (BOM)", "windows-1252": "Windows-1252"}


# how Excel shows the columns of `_export_rows` (in the reader's own decimal mark); a share
# of 0.02% shows as such, not as 0.0%
_SHARE = "0.0##%"
_EXPORT_FORMATS = {
    1: "0.0000", 5: _SHARE, 9: "0.00##", 10: "#,##0.00", 11: _SHARE, 12: _SHARE,
}  # fmt: skip


def _csv_bytes(rows: list[list]) -> bytes:
    """CSV as a spreadsheet of the active language opens it: in Dutch with semicolons and
    decimal commas (a Dutch Excel's list separator), else commas and points; UTF-8 with BOM.
    Cells that a spreadsheet would run as a formula are neutralised."""
    dutch = selectors.active_language() == "nl"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if dutch else ",")
    for row in rows:
        writer.writerow(
            [
                str(v).replace(".", ",") if dutch and isinstance(v, float) else safe_cell(v)
                for v in row
            ]
        )
    return out.getvalue().encode("utf-8-sig")


@object_scoped_login
def export(request, code, fmt):
    run = selectors.run_get(code=code, fetched_by=request.user)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filters = selectors.FindingFilters.from_query(request.GET)
    rows = _export_rows(
        selectors.finding_list(run=run, filters=filters), selectors.commodity_names()
    )
    filename = f"screening-{timezone.localtime(run.created_at):%Y%m%d-%H%M}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes({_("Findings"): rows}, {_("Findings"): _EXPORT_FORMATS}),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(_csv_bytes(rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@object_scoped_login
def compare(request, code):
    run = selectors.run_get(code=code, fetched_by=request.user)
    if run.status != Run.Status.DONE:
        messages.info(
            request,
            _("This run has no findings to compare: it is %(status)s.")
            % {"status": run.get_status_display()},
        )
        return redirect("screening-run", code=run.code)
    comparison = selectors.run_compare(run=run)
    names = selectors.commodity_names()
    return render(
        request,
        "screening/compare.html",
        {
            "run": run,
            "covenant": run.covenant,
            "comparison": comparison,
            "new": selectors.finding_names(comparison.new, names=names),
            "gone": selectors.finding_names(comparison.gone, names=names),
            "both": list(
                zip(
                    selectors.finding_names([now for now, _ in comparison.both], names=names),
                    [before for _, before in comparison.both],
                    strict=True,
                )
            ),
            "themes": _theme_labels(),
            "stages": _stage_labels(),
        },
    )


@object_scoped_login
def finding_detail(request, code):
    finding = selectors.finding_get(code=code, fetched_by=request.user)
    run = finding.run
    try:
        lines, unreadable = services.purchase_lines(run=run, numbers=finding.line_numbers[:100]), ""
    except engine.PurchaseFileError as exc:  # the rows are still listed below, by number
        lines, unreadable = [], exc.translated()
    context = {
        "finding": selectors.finding_names([finding])[0],
        "run": run,
        "covenant": run.covenant,
        "themes": _theme_labels(),
        "stages": _stage_labels(),
        "lines": selectors.with_country_labels(lines, COUNTRY_FIELDS),
        "lines_unreadable": unreadable,
        "register_items": list(finding.register_items.select_related("part__cycle__year")),
        "composition_source": selectors.composition_source(finding),
        "can_run": selectors.can_run(request.user, run.covenant, run.organisation_id),
    }
    return render(request, "screening/finding.html", context)


@object_scoped_login
@require_POST
def adopt(request, code):
    finding: Finding = selectors.finding_get(code=code, fetched_by=request.user)
    try:
        risk = services.finding_adopt(finding=finding, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("screening-finding", code=finding.code)
    messages.success(request, _("The finding was added to your risk register."))
    return redirect("monitoring-part", code=risk.part.code)


@covenant_permission(Perm.SCREENING_SECTOR)
def sector(request, covenant):
    """The sector risk map: the latest run of every company summed, no company named."""
    sector_map = selectors.sector_map(covenant=covenant, fetched_by=request.user)
    names = selectors.commodity_names()
    themes = _theme_labels()
    hidden = _("< %(n)s") % {"n": sector_map.threshold}

    rows = [
        {
            "cell": cell,
            "country": selectors.country_label(cell.country) or _("no country"),
            "commodity": capfirst(names.get(cell.commodity, cell.commodity)),
            "theme": capfirst(themes.get(cell.theme, cell.theme)),
        }
        for cell in sector_map.cells
    ]
    # a country's total leaves out its suppressed areas: none can be found by subtraction
    world: dict[str, float] = {}
    for area in sector_map.areas:
        if area.country and not area.suppressed:
            world[area.country] = world.get(area.country, 0.0) + area.share.value
    heat_rows = charts.heat_rows(
        (
            (
                selectors.country_label(area.country) or _("no country"),
                capfirst(names.get(area.commodity, area.commodity)),
                None if area.suppressed else area.share.value,
            )
            for area in sector_map.areas
        ),
        label=lambda share: floatformat(share, 3),
        hidden=hidden,
    )
    legend = _("summed exposure share")
    context = {
        "covenant": covenant,
        "sector": sector_map,
        "rows": rows,
        "heat_svg": charts.heat_map_svg(
            heat_rows, title=_("Exposure by country and commodity"), legend=legend
        ),
        "heat_table": heat_rows,
        "world_svg": charts.world_map_svg(
            [{"country": c, "share": v} for c, v in sorted(world.items())],
            title=_("Exposure by country"),
            legend=legend,
        )
        if world
        else "",
        "can_read_runs": selectors.can_read(request.user, covenant),
    }
    return render(request, "screening/sector.html", context)
