"""Writes of annual reports: create, write, review, approve, publish, correct."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from covenant.covenants.models import Covenant, CovenantYear
from covenant.reports.assembly import report_data
from covenant.reports.models import Approval, Comment, Report, Section
from covenant.reports.summary import draft_summary

MSG_EXISTS = _("The report of %(label)s already exists.")
MSG_LOCKED = _("The report is awaiting approval or published: reopen the draft to change it.")
MSG_STALE = _(
    "Someone else saved this section while you were editing it. Your text was not saved: "
    "copy it, reload the page, and add your changes to theirs."
)
MSG_EMPTY_LANGUAGE = _("Fill in both languages before asking for approval: %(sections)s.")
MSG_NOT_IN_REVIEW = _("Only a report that awaits approval can be approved.")
MSG_TOO_FEW_APPROVALS = _(
    "Publishing needs %(needed)s approvals of the steering group; the report has %(have)s."
)
MSG_ALREADY_APPROVED = _("You approved this report already.")
MSG_NOT_PUBLISHED = _("Only a published report can be corrected.")

DEFAULT_SECTIONS = [
    (Section.Key.INTRODUCTION, "Inleiding", "Introduction"),
    (Section.Key.COLLABORATION, "Samenwerking", "Collaboration"),
    (Section.Key.KNOWLEDGE, "Kennisuitwisseling", "Knowledge exchange"),
    (Section.Key.MONITORING, "Monitoring", "Monitoring"),
    (Section.Key.OUTLOOK, "Vooruitkijken", "Outlook"),
]


def _editable(report: Report) -> None:
    if report.status != Report.Status.DRAFT:
        raise ValidationError(MSG_LOCKED)


@transaction.atomic
def report_create(*, covenant: Covenant, year: CovenantYear) -> Report:
    """Start the report of a year: the five sections and a summary drafted from the figures."""
    if Report.objects.filter(covenant=covenant, year=year, corrects__isnull=True).exists():
        raise ValidationError(MSG_EXISTS % {"label": year.label})
    nl, en = draft_summary(report_data(covenant=covenant, year=year))
    report = Report.objects.create(covenant=covenant, year=year, summary_nl=nl, summary_en=en)
    Section.objects.bulk_create(
        Section(report=report, key=key, order=i, title_nl=t_nl, title_en=t_en)
        for i, (key, t_nl, t_en) in enumerate(DEFAULT_SECTIONS)
    )
    return report


@transaction.atomic
def section_update(
    *,
    section: Section,
    expected_version: int,
    title_nl: str,
    title_en: str,
    body_nl: str,
    body_en: str,
    hidden: bool = False,
    order: int | None = None,
) -> Section:
    """Save a section; refused when someone else saved it since `expected_version`."""
    _editable(section.report)
    values = {
        "title_nl": title_nl.strip(),
        "title_en": title_en.strip(),
        "body_nl": body_nl,
        "body_en": body_en,
        "hidden": hidden,
        "updated_at": timezone.now(),
    }
    if order is not None:
        values["order"] = order
    updated = Section.objects.filter(pk=section.pk, version=expected_version).update(
        **values, version=expected_version + 1
    )
    if not updated:
        raise ValidationError(MSG_STALE)
    section.refresh_from_db()
    return section


@transaction.atomic
def section_move(*, section: Section, up: bool) -> None:
    """Move a section one place up or down."""
    _editable(section.report)
    sections = list(section.report.sections.order_by("order"))
    i = sections.index(section)
    j = i - 1 if up else i + 1
    if 0 <= j < len(sections):
        sections[i], sections[j] = sections[j], sections[i]
        for order, s in enumerate(sections):
            Section.objects.filter(pk=s.pk).update(order=order)


@transaction.atomic
def summary_update(*, report: Report, summary_nl: str, summary_en: str) -> Report:
    _editable(report)
    report.summary_nl, report.summary_en = summary_nl.strip(), summary_en.strip()
    report.save(update_fields=["summary_nl", "summary_en", "updated_at"])
    return report


def empty_languages(report: Report) -> list[str]:
    """Return the visible sections (and the summary) that are written in one language only."""
    missing = []
    if bool(report.summary_nl.strip()) != bool(report.summary_en.strip()):
        missing.append(str(_("summary")))
    for s in report.sections.filter(hidden=False):
        if bool(s.body_nl.strip()) != bool(s.body_en.strip()):
            missing.append(s.title_en)
    return missing


def _freeze(report: Report) -> None:
    data = report_data(covenant=report.covenant, year=report.year)
    data["sections"] = [
        {
            "key": s.key,
            "title_nl": s.title_nl,
            "title_en": s.title_en,
            "body_nl": s.body_nl,
            "body_en": s.body_en,
        }
        for s in report.sections.filter(hidden=False).order_by("order")
    ]
    data["summary"] = {"nl": report.summary_nl, "en": report.summary_en}
    # The charts are part of what is approved: frozen with the figures, as vector SVG.
    from covenant.reports.presentation import charts_for

    # Lists of [name, svg]: PostgreSQL's jsonb does not keep the order of keys.
    data["charts"] = {lang: list(charts_for(data, lang).items()) for lang in ("nl", "en")}
    report.snapshot = data


@transaction.atomic
def report_request_approval(*, report: Report) -> Report:
    """Send the draft to the steering group; its data is frozen from now on."""
    _editable(report)
    missing = empty_languages(report)
    if missing:
        raise ValidationError(MSG_EMPTY_LANGUAGE % {"sections": ", ".join(missing)})
    _freeze(report)
    report.status = Report.Status.IN_REVIEW
    report.save(update_fields=["snapshot", "status", "updated_at"])
    return report


@transaction.atomic
def comment_add(*, report: Report, user, text: str, section: Section | None = None) -> Comment:
    if not text.strip():
        raise ValidationError({"text": _("Write a comment.")})
    return Comment.objects.create(report=report, section=section, user=user, text=text.strip())


@transaction.atomic
def report_approve(*, report: Report, user) -> Report:
    """Approve as a steering group member; with enough approvals the report is approved."""
    if report.status not in (Report.Status.IN_REVIEW, Report.Status.APPROVED):
        raise ValidationError(MSG_NOT_IN_REVIEW)
    if Approval.objects.filter(report=report, user=user).exists():
        raise ValidationError(MSG_ALREADY_APPROVED)
    Approval.objects.create(report=report, user=user)
    if report.approvals.count() >= report.covenant.report_approvals_required:
        report.status = Report.Status.APPROVED
        report.approved_at = timezone.now()
        report.save(update_fields=["status", "approved_at", "updated_at"])
    return report


@transaction.atomic
def report_reopen(*, report: Report) -> Report:
    """Back to draft (for instance because the data changed): approvals are asked again."""
    if report.status == Report.Status.PUBLISHED:
        raise ValidationError(MSG_LOCKED)
    report.approvals.all().delete()
    report.status = Report.Status.DRAFT
    report.approved_at = None
    report.snapshot = {}
    report.save(update_fields=["status", "approved_at", "snapshot", "updated_at"])
    return report


@transaction.atomic
def report_publish(*, report: Report, build_pdf: bool = True) -> Report:
    """Publish an approved report; from now on it never changes."""
    have = report.approvals.count()
    needed = report.covenant.report_approvals_required
    if report.status != Report.Status.APPROVED or have < needed:
        raise ValidationError(MSG_TOO_FEW_APPROVALS % {"needed": needed, "have": have})
    report.status = Report.Status.PUBLISHED
    report.published_at = timezone.now()
    report.pdf_status = Report.PdfStatus.QUEUED if build_pdf else ""
    report.save(update_fields=["status", "published_at", "pdf_status", "updated_at"])
    if build_pdf:
        from covenant.reports.tasks import build_report_pdf

        transaction.on_commit(lambda: build_report_pdf.enqueue(report.pk))
    return report


@transaction.atomic
def report_correct(*, report: Report, note_nl: str, note_en: str) -> Report:
    """Start a corrected edition of a published report; the published one stays as it is."""
    if not report.is_published:
        raise ValidationError(MSG_NOT_PUBLISHED)
    if not note_nl.strip() or not note_en.strip():
        raise ValidationError(_("Say in both languages what the correction changes."))
    edition = report.covenant.reports.filter(year=report.year).count() + 1
    new = Report.objects.create(
        covenant=report.covenant,
        year=report.year,
        edition=edition,
        corrects=report,
        correction_note_nl=note_nl.strip(),
        correction_note_en=note_en.strip(),
        summary_nl=report.summary_nl,
        summary_en=report.summary_en,
    )
    Section.objects.bulk_create(
        Section(
            report=new,
            key=s.key,
            order=s.order,
            hidden=s.hidden,
            title_nl=s.title_nl,
            title_en=s.title_en,
            body_nl=s.body_nl,
            body_en=s.body_en,
        )
        for s in report.sections.all()
    )
    return new


@transaction.atomic
def report_request_pdf(*, report: Report) -> Report:
    """Queue a (re)build of the report's PDF; the page shows its progress."""
    from covenant.reports.tasks import build_report_pdf

    if report.pdf_status in (Report.PdfStatus.QUEUED, Report.PdfStatus.BUILDING):
        return report
    if report.is_published and report.pdf_status == Report.PdfStatus.DONE:
        return report  # a published PDF never changes
    Report.objects.filter(pk=report.pk).update(
        pdf_status=Report.PdfStatus.QUEUED, pdf_progress=0, pdf_error=""
    )
    transaction.on_commit(lambda: build_report_pdf.enqueue(report.pk))
    report.refresh_from_db()
    return report
