"""Pages of annual reports: the list, the report (draft or published), writing, review,
approval, publication, the PDF and the figures as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from covenant.accounts.access import Perm, access_for
from covenant.accounts.decorators import (
    covenant_permission,
    object_scoped,
    object_scoped_login,
)
from covenant.lib.forms import add_service_errors
from covenant.lib.spreadsheet import safe_cell
from covenant.reports import selectors, services
from covenant.reports.models import Report
from covenant.reports.presentation import report_view


class SectionForm(forms.Form):
    title_nl = forms.CharField(label=gettext_lazy("Title (Dutch)"), max_length=200)
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200)
    body_nl = forms.CharField(
        label=gettext_lazy("Text (Dutch)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("Headings with #, lists with -, links as [text](https://…)."),
    )
    body_en = forms.CharField(
        label=gettext_lazy("Text (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    hidden = forms.BooleanField(label=gettext_lazy("Hide this section"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class SummaryForm(forms.Form):
    summary_nl = forms.CharField(
        label=gettext_lazy("Summary (Dutch)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    summary_en = forms.CharField(
        label=gettext_lazy("Summary (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
    section = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CorrectionForm(forms.Form):
    note_nl = forms.CharField(
        label=gettext_lazy("What the correction changes (Dutch)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note_en = forms.CharField(
        label=gettext_lazy("What the correction changes (English)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _lang(request) -> str:
    lang = request.GET.get("lang") or get_language() or "nl"
    return "en" if lang.startswith("en") else "nl"


@covenant_permission(Perm.REPORTS_DRAFTS)
def report_list(request, covenant):
    if request.method == "POST":
        if not request.access.has(Perm.REPORTS_MANAGE):
            raise PermissionDenied
        year = get_object_or_404(covenant.years, number=request.POST.get("year") or 0)
        try:
            report = services.report_create(covenant=covenant, year=year)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The report of %(label)s was created from the data.") % {"label": year.label},
            )
            return redirect("reports-detail", code=report.code)
    reports = selectors.report_list(covenant=covenant, fetched_by=request.user)
    return render(
        request,
        "reports/list.html",
        {
            "covenant": covenant,
            "reports": reports,
            "years": covenant.years.order_by("number"),
            "manage": request.access.has(Perm.REPORTS_MANAGE),
        },
    )


@object_scoped
def detail(request, code):
    report = selectors.report_get(code=code, fetched_by=request.user)
    access = access_for(request.user, report.covenant)
    lang = _lang(request)
    view = report_view(report, lang)
    manage = access.has(Perm.REPORTS_MANAGE)
    context = {
        "report": report,
        "covenant": report.covenant,
        "view": view,
        "lang": lang,
        "manage": manage,
        "can_approve": access.has(Perm.REPORTS_APPROVE),
        "is_reviewer": access.has(Perm.REPORTS_DRAFTS),
        "sections": list(report.sections.order_by("order")) if manage else [],
        "comments": list(report.comments.select_related("user", "section"))
        if access.has(Perm.REPORTS_DRAFTS)
        else [],
        "approvals": list(report.approvals.select_related("user")),
        "empty_languages": services.empty_languages(report) if manage else [],
        "comment_form": CommentForm(),
        "correction_form": CorrectionForm(),
        "corrections": list(report.corrections.filter(status=Report.Status.PUBLISHED)),
        "figure_links": manage,
    }
    if request.htmx and request.GET.get("part") == "pdf":
        return render(request, "reports/_pdf_status.html", context)
    return render(request, "reports/detail.html", context)


def _manageable(request, code) -> Report:
    report = selectors.report_get(code=code, fetched_by=request.user)
    if not access_for(request.user, report.covenant).has(Perm.REPORTS_MANAGE):
        raise PermissionDenied
    return report


@object_scoped_login
def section_edit(request, code, pk: int):
    report = _manageable(request, code)
    section = get_object_or_404(report.sections, pk=pk)
    initial = {
        f: getattr(section, f)
        for f in ("title_nl", "title_en", "body_nl", "body_en", "hidden", "version")
    }
    form = SectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.section_update(section=section, expected_version=data.pop("version"), **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The section was saved."))
            return redirect("reports-detail", code=report.code)
    return render(
        request,
        "reports/section_edit.html",
        {"report": report, "section": section, "form": form, "covenant": report.covenant},
    )


@object_scoped_login
def summary_edit(request, code):
    report = _manageable(request, code)
    form = SummaryForm(
        request.POST or None,
        initial={"summary_nl": report.summary_nl, "summary_en": report.summary_en},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.summary_update(report=report, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The summary was saved."))
            return redirect("reports-detail", code=report.code)
    return render(
        request,
        "reports/summary_edit.html",
        {"report": report, "form": form, "covenant": report.covenant},
    )


def _act(request, report: Report, action, success: str):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("reports-detail", code=report.code)


@object_scoped_login
@require_POST
def move(request, code, pk: int, direction: str):
    report = _manageable(request, code)
    section = get_object_or_404(report.sections, pk=pk)
    return _act(
        request,
        report,
        lambda: services.section_move(section=section, up=direction == "up"),
        _("The order was changed."),
    )


@object_scoped_login
@require_POST
def request_approval(request, code):
    report = _manageable(request, code)
    return _act(
        request,
        report,
        lambda: services.report_request_approval(report=report),
        _("The draft was sent to the steering group; its figures are frozen."),
    )


@object_scoped_login
@require_POST
def reopen(request, code):
    report = _manageable(request, code)
    return _act(
        request,
        report,
        lambda: services.report_reopen(report=report),
        _("The draft is open again; the steering group will be asked to approve anew."),
    )


@object_scoped_login
@require_POST
def publish(request, code):
    report = _manageable(request, code)
    return _act(
        request,
        report,
        lambda: services.report_publish(report=report),
        _("The report is published. Its PDF is being built."),
    )


@object_scoped_login
@require_POST
def correct(request, code):
    report = _manageable(request, code)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say in both languages what the correction changes."))
        return redirect("reports-detail", code=report.code)
    try:
        new = services.report_correct(report=report, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports-detail", code=report.code)
    messages.success(request, _("A corrected edition was started as a draft."))
    return redirect("reports-detail", code=new.code)


@object_scoped_login
@require_POST
def approve(request, code):
    report = selectors.report_get(code=code, fetched_by=request.user)
    if not access_for(request.user, report.covenant).has(Perm.REPORTS_APPROVE):
        raise PermissionDenied
    return _act(
        request,
        report,
        lambda: services.report_approve(report=report, user=request.user),
        _("Your approval was recorded."),
    )


@object_scoped_login
@require_POST
def comment(request, code):
    report = selectors.report_get(code=code, fetched_by=request.user)
    access = access_for(request.user, report.covenant)
    if not (access.has(Perm.REPORTS_APPROVE) or access.has(Perm.REPORTS_MANAGE)):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment."))
        return redirect("reports-detail", code=report.code)
    section = None
    if form.cleaned_data.get("section"):
        section = get_object_or_404(report.sections, pk=form.cleaned_data["section"])
    return _act(
        request,
        report,
        lambda: services.comment_add(
            report=report, user=request.user, text=form.cleaned_data["text"], section=section
        ),
        _("Your comment was added."),
    )


@object_scoped_login
@require_POST
def build_pdf(request, code):
    report = selectors.report_get(code=code, fetched_by=request.user)
    if not access_for(request.user, report.covenant).has(Perm.REPORTS_DRAFTS):
        raise PermissionDenied
    services.report_request_pdf(report=report)
    messages.info(request, _("The PDF is being built; this page shows its progress."))
    return redirect("reports-detail", code=report.code)


@object_scoped
def pdf(request, code, lang: str):
    report = selectors.report_get(code=code, fetched_by=request.user)
    file = report.pdf if lang == "nl" else report.pdf_en
    if lang not in ("nl", "en") or report.pdf_status != Report.PdfStatus.DONE or not file:
        raise Http404
    name = f"{report.covenant.slug}-{report.year.label}-{lang}.pdf"
    return FileResponse(
        file.open("rb"), as_attachment=False, filename=name, content_type="application/pdf"
    )


def _figure_rows(report: Report) -> list[dict]:
    view = report_view(report, "en", with_charts=False)
    rows = []
    for f in view.data.get("figures", []):
        public = f["public"]
        rows.append(
            {
                "covenant": report.covenant.slug,
                "year": view.data["year"]["label"],
                "indicator": f["code"],
                "name_nl": f["name_nl"],
                "name_en": f["name_en"],
                "numerator": public["numerator"],
                "denominator": public["denominator"],
                "value": public["value"],
                "suppressed": public["suppressed"],
            }
        )
    return rows


@object_scoped
def figures(request, code, fmt: str):
    report = selectors.report_get(code=code, fetched_by=request.user)
    rows = _figure_rows(report)
    name = f"{report.covenant.slug}-{report.year.label}-figures"
    if fmt == "json":
        response = HttpResponse(
            json.dumps({"report": str(report.code), "figures": rows}, ensure_ascii=False, indent=2),
            content_type="application/json",
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["indicator"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        raise Http404
    return response
