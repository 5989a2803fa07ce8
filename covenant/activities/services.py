"""Writes of activities: recording them, project updates, interest, counts, registrations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from covenant.activities.models import (
    Activity,
    Attachment,
    ParticipantCount,
    ProjectInterest,
    ProjectUpdate,
    Registration,
)
from covenant.covenants.models import Covenant, Organisation
from covenant.lib import uploads
from covenant.lib.uploads import check_upload

MSG_END_BEFORE_START = _("The end cannot be before the start.")
MSG_NOT_A_PARTY = _("%(name)s is not an organisation of this covenant.")
MSG_VISIT_NEEDS_COMPANY = _("A work visit is a visit to a company of the covenant.")
MSG_VISIT_NEEDS_VISITOR = _("Name the NGO or trade union that made the visit.")
MSG_VISIT_NEVER_PUBLIC = _("A work visit is never public: it is shared with the two parties only.")
MSG_CAPACITY_NEEDED = _("A training with open registration needs a capacity.")
MSG_STALE = _(
    "Someone else saved this activity while you were editing it. Your changes were not saved: "
    "reload the page to see theirs, then make your changes again."
)
MSG_ALREADY_REGISTERED = _(
    "%(email)s is already registered for this training. You do not need to register again."
)
MSG_REGISTRATION_CLOSED = _("Registration for this training is closed.")
MSG_CONSENT_NEEDED = _("Please agree that we keep your details for this training.")
MSG_TOO_MANY = _("Too many registrations from your connection. Please try again in a few minutes.")
MSG_ALREADY_INTERESTED = _("%(name)s has already expressed interest in this project.")
MSG_NOT_SEEKING = _("This project does not seek participants at the moment.")
MSG_FILE_TYPE = _("Only PDF, Word, Excel, PowerPoint, PNG and JPEG files can be attached.")


ACTIVITY_FIELDS = {
    "title", "description", "start_date", "end_date", "start_time", "location", "organiser",
    "partners_outside", "themes", "chain_stages", "countries", "commodities", "is_public",
    "is_illustrative", "status", "goals", "results", "lessons", "shared_inside",
    "shared_outside", "seeks_participants", "seeking_note", "format", "speakers", "summary",
    "capacity", "registration_open", "evaluation_score", "visited", "purpose", "findings",
    "follow_up",
}  # fmt: skip


def _check(activity: Activity, participants: list[Organisation]) -> None:
    covenant = activity.covenant
    if activity.end_date and activity.end_date < activity.start_date:
        raise ValidationError({"end_date": MSG_END_BEFORE_START})
    listed = set(covenant.organisations.values_list("pk", flat=True))
    for field, org in (("organiser", activity.organiser), ("visited", activity.visited)):
        if org is not None and org.pk not in listed:
            raise ValidationError({field: MSG_NOT_A_PARTY % {"name": org.name}})
    for org in participants:
        if org.pk not in listed:
            raise ValidationError({"participants": MSG_NOT_A_PARTY % {"name": org.name}})
    if activity.kind == Activity.Kind.WORK_VISIT:
        if activity.visited is None or activity.visited.kind != Organisation.Kind.COMPANY:
            raise ValidationError({"visited": MSG_VISIT_NEEDS_COMPANY})
        if activity.organiser is None or activity.organiser.kind == Organisation.Kind.COMPANY:
            raise ValidationError({"organiser": MSG_VISIT_NEEDS_VISITOR})
        if activity.is_public:
            raise ValidationError({"is_public": MSG_VISIT_NEVER_PUBLIC})
    is_open_training = activity.kind == Activity.Kind.TRAINING and activity.registration_open
    if is_open_training and not activity.capacity:
        raise ValidationError({"capacity": MSG_CAPACITY_NEEDED})


@transaction.atomic
def activity_create(
    *,
    covenant: Covenant,
    kind: str,
    created_by=None,
    participants: list[Organisation] | None = None,
    **fields,
) -> Activity:
    """Record an activity of the covenant."""
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"Not an activity field: {', '.join(sorted(unknown))}")
    activity = Activity(covenant=covenant, kind=kind, created_by=created_by, **fields)
    participants = list(participants or [])
    _check(activity, participants)
    activity.full_clean()
    activity.save()
    activity.participants.set(participants)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    expected_version: int,
    participants: list[Organisation] | None = None,
    **fields,
) -> Activity:
    """Change an activity; refused when someone else saved it since `expected_version`."""
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"Not an activity field: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(activity, name, value)
    participants = (
        list(participants) if participants is not None else list(activity.participants.all())
    )
    _check(activity, participants)
    activity.full_clean()
    # Optimistic lock: the row is only written when nobody saved it in between.
    values = {name: getattr(activity, name) for name in fields}
    if "themes" in values:
        values["themes"] = Activity._meta.get_field("themes").get_prep_value(values["themes"])
    if "chain_stages" in values:
        field = Activity._meta.get_field("chain_stages")
        values["chain_stages"] = field.get_prep_value(values["chain_stages"])
    if "countries" in values:
        values["countries"] = Activity._meta.get_field("countries").get_prep_value(
            values["countries"]
        )
    updated = Activity.objects.filter(pk=activity.pk, version=expected_version).update(
        **values, version=expected_version + 1, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError(MSG_STALE)
    activity.version = expected_version + 1
    activity.participants.set(participants)
    return activity


@transaction.atomic
def project_update_add(*, activity: Activity, date: dt.date, text: str, author) -> ProjectUpdate:
    """Add a dated entry to a project's log."""
    update = ProjectUpdate(activity=activity, date=date, text=text.strip(), author=author)
    update.full_clean()
    update.save()
    return update


@transaction.atomic
def project_interest_express(
    *, activity: Activity, organisation: Organisation, user, message: str = ""
) -> ProjectInterest:
    """Record that a company would like to join a project that seeks participants."""
    if not activity.seeks_participants:
        raise ValidationError(MSG_NOT_SEEKING)
    if ProjectInterest.objects.filter(activity=activity, organisation=organisation).exists():
        raise ValidationError(MSG_ALREADY_INTERESTED % {"name": organisation.name})
    interest = ProjectInterest(
        activity=activity, organisation=organisation, user=user, message=message.strip()
    )
    interest.full_clean()
    interest.save()
    return interest


@transaction.atomic
def participant_counts_set(
    *, activity: Activity, counts: dict[str, tuple[int, int]], is_illustrative: bool = False
) -> None:
    """Set the number of participants per group, from inside and outside the covenant."""
    for group, (inside, outside) in counts.items():
        if inside < 0 or outside < 0:
            raise ValidationError(_("Counts cannot be negative."))
        ParticipantCount.objects.update_or_create(
            activity=activity,
            group=group,
            defaults={"inside": inside, "outside": outside, "is_illustrative": is_illustrative},
        )


def _ics_for(activity: Activity) -> bytes:
    from covenant.activities.ics import calendar_for

    return calendar_for([activity]).to_ical()


def _send_confirmation(registration: Registration) -> None:
    activity = registration.activity
    context = {"registration": registration, "activity": activity}
    message = EmailMessage(
        subject=str(_("Your registration: %(title)s") % {"title": activity.title}),
        body=render_to_string("activities/email/registration.txt", context),
        to=[registration.email],
    )
    message.attach("training.ics", _ics_for(activity), "text/calendar")
    message.send()


def registration_rate_limited(*, client_key: str, limit: int = 5, seconds: int = 600) -> bool:
    """Count one registration attempt for the client; return whether it is over the limit."""
    key = f"registration-rate:{client_key}"
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return False


@transaction.atomic
def training_register(
    *,
    activity: Activity,
    name: str,
    organisation_name: str,
    email: str,
    consent: bool,
    from_inside: bool = False,
    is_illustrative: bool = False,
    send_email: bool = True,
) -> Registration:
    """Register a person for a training: confirmed while places remain, else waiting list."""
    if activity.kind != Activity.Kind.TRAINING or not activity.registration_open:
        raise ValidationError(MSG_REGISTRATION_CLOSED)
    if not consent:
        raise ValidationError({"consent": MSG_CONSENT_NEEDED})
    email = email.strip()
    # Someone registering for a party of the covenant counts as from inside.
    from_inside = (
        from_inside
        or activity.covenant.organisations.filter(name__iexact=organisation_name.strip()).exists()
    )
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.registrations.filter(email__iexact=email).exists():
        raise ValidationError({"email": MSG_ALREADY_REGISTERED % {"email": email}})
    confirmed = activity.registrations.filter(status=Registration.Status.CONFIRMED).count()
    status = (
        Registration.Status.CONFIRMED
        if activity.capacity is None or confirmed < activity.capacity
        else Registration.Status.WAITLISTED
    )
    registration = Registration(
        activity=activity,
        name=name.strip(),
        organisation_name=organisation_name.strip(),
        email=email,
        from_inside=from_inside,
        status=status,
        is_illustrative=is_illustrative,
    )
    registration.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:  # a simultaneous registration with the same e-mail
        raise ValidationError({"email": MSG_ALREADY_REGISTERED % {"email": email}}) from exc
    if send_email:
        transaction.on_commit(lambda: _send_confirmation(registration))
    return registration


@transaction.atomic
def registration_attendance_set(*, registration: Registration, attended: bool | None) -> None:
    """Record whether a registered person attended."""
    registration.attended = attended
    registration.save(update_fields=["attended"])


@transaction.atomic
def attachment_add(*, activity: Activity, upload, uploaded_by) -> Attachment:
    """Attach a document; only known office, PDF and image types within the size limit."""
    content_type = check_upload(
        upload, allowed=uploads.ATTACHMENTS, field="file", type_message=MSG_FILE_TYPE
    )
    attachment = Attachment(
        activity=activity,
        file=upload,
        name=Path(upload.name).name[:200],
        size=upload.size,
        content_type=content_type,
        uploaded_by=uploaded_by,
    )
    attachment.save()
    return attachment
