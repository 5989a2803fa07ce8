"""Background tasks of the monitoring (django-tasks, database backend in production)."""

from __future__ import annotations

import datetime as dt

from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from covenant.accounts.models import Role
from covenant.monitoring.models import Cycle, Part


def _company_emails(cycle: Cycle, organisation_id: int) -> list[str]:
    return list(
        Role.objects.filter(
            covenant=cycle.covenant, kind=Role.Kind.COMPANY_MEMBER, organisation_id=organisation_id
        ).values_list("user__email", flat=True)
    )


@task()
def notify_part_reviewed(part_id: int) -> int:
    """E-mail the company's members that a part was reviewed; return how many were written."""
    part = Part.objects.select_related("cycle__covenant", "cycle__year", "organisation").get(
        pk=part_id
    )
    emails = _company_emails(part.cycle, part.organisation_id)
    if not emails:
        return 0
    body = _("The secretariat reviewed your %(part)s for %(year)s: %(status)s.") % {
        "part": part.get_kind_display(),
        "year": part.cycle.year.label,
        "status": part.get_status_display(),
    }
    if part.feedback:
        body += "\n\n" + part.feedback
    send_mail(
        subject=_("Your %(part)s was reviewed") % {"part": part.get_kind_display()},
        message=body,
        from_email=None,
        recipient_list=emails,
    )
    return len(emails)


def cycles_due_for_reminder(today: dt.date) -> list[Cycle]:
    """Return open cycles whose reminder day has come and that were not reminded yet."""
    cycles = Cycle.objects.filter(
        closed_at__isnull=True, reminded_at__isnull=True, deadline__gte=today
    ).select_related("covenant", "year")
    return [c for c in cycles if c.deadline - dt.timedelta(days=c.reminder_days) <= today]


@task()
def send_deadline_reminders() -> int:
    """Remind companies with parts still to deliver, some days before each deadline."""
    today = timezone.localdate()
    written = 0
    for cycle in cycles_due_for_reminder(today):
        open_parts = Part.objects.filter(cycle=cycle).filter(
            Q(status=Part.Status.MISSING) | Q(status=Part.Status.DRAFT)
        )
        for organisation_id in open_parts.values_list("organisation_id", flat=True).distinct():
            emails = _company_emails(cycle, organisation_id)
            if not emails:
                continue
            kinds = ", ".join(
                str(p.get_kind_display())
                for p in open_parts.filter(organisation_id=organisation_id)
            )
            send_mail(
                subject=_("Monitoring %(year)s: deadline %(deadline)s")
                % {"year": cycle.year.label, "deadline": cycle.deadline.strftime("%d-%m-%Y")},
                message=_(
                    "The deadline of the yearly monitoring of %(covenant)s is %(deadline)s. Still "
                    "to submit: %(parts)s."
                )
                % {
                    "covenant": cycle.covenant.name,
                    "deadline": cycle.deadline.strftime("%d-%m-%Y"),
                    "parts": kinds,
                },
                from_email=None,
                recipient_list=emails,
            )
            written += len(emails)
        Cycle.objects.filter(pk=cycle.pk).update(reminded_at=timezone.now())
    return written
