"""Reads of annual reports: published ones for anyone, drafts for the secretariat and the
steering group of the covenant."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from covenant.accounts.access import Perm, access_for
from covenant.covenants.models import Covenant
from covenant.reports.models import Report


def report_list(*, covenant: Covenant, fetched_by) -> QuerySet[Report]:
    """Return the reports of the covenant the user may see, newest year first."""
    qs = Report.objects.filter(covenant=covenant).select_related("year", "covenant")
    if not access_for(fetched_by, covenant).has(Perm.REPORTS_DRAFTS):
        qs = qs.filter(status=Report.Status.PUBLISHED)
    return qs.order_by("-year__number", "-edition")


def published_reports(*, covenant: Covenant) -> QuerySet[Report]:
    return (
        Report.objects.filter(covenant=covenant, status=Report.Status.PUBLISHED)
        .select_related("year")
        .order_by("-year__number", "-edition")
    )


def report_get(*, code, fetched_by) -> Report:
    """Return the report if the user may see it (a draft is never public), else raise 404."""
    report = Report.objects.select_related("covenant", "year", "corrects").filter(code=code).first()
    if report is None:
        raise Http404
    if not report.is_published and not access_for(fetched_by, report.covenant).has(
        Perm.REPORTS_DRAFTS
    ):
        raise Http404
    return report
