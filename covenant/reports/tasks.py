"""Background tasks of the reports: the PDF is built away from the request."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django_tasks import task

from covenant.reports.models import Report


def _progress(report_id: int, status: str, progress: int, error: str = "") -> None:
    Report.objects.filter(pk=report_id).update(
        pdf_status=status, pdf_progress=progress, pdf_error=error
    )


@task()
def build_report_pdf(report_id: int) -> str:
    """Build the Dutch and English PDFs of a report; progress is kept on the report."""
    from covenant.reports.pdf import build_pdf
    from covenant.reports.presentation import report_view

    report = Report.objects.select_related("covenant", "year").get(pk=report_id)
    _progress(report_id, Report.PdfStatus.BUILDING, 10)
    try:
        files = {}
        for i, lang in enumerate(("nl", "en")):
            pdf, _source = build_pdf(report_view(report, lang))
            files[lang] = pdf
            _progress(report_id, Report.PdfStatus.BUILDING, 50 + 40 * i)
        stem = f"{report.covenant.slug}-{report.year.label}-{report.edition}"
        report.pdf.save(f"{stem}-nl.pdf", ContentFile(files["nl"]), save=False)
        report.pdf_en.save(f"{stem}-en.pdf", ContentFile(files["en"]), save=False)
        Report.objects.filter(pk=report_id).update(
            pdf=report.pdf.name,
            pdf_en=report.pdf_en.name,
            pdf_status=Report.PdfStatus.DONE,
            pdf_progress=100,
            pdf_error="",
        )
    except Exception as exc:  # the page shows the failure; the report itself is untouched
        _progress(report_id, Report.PdfStatus.FAILED, 0, str(exc)[:2000])
        raise
    return report.pdf.name
