"""Pages of activities: overview, calendar, detail, recording and editing, trainings."""

from __future__ import annotations

import calendar
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from covenant.accounts.access import Perm, access_for
from covenant.accounts.decorators import (
    covenant_permission,
    object_scoped,
    object_scoped_login,
    public,
)
from covenant.activities import selectors, services
from covenant.activities.forms import (
    AttachmentForm,
    CountsForm,
    InterestForm,
    ProjectUpdateForm,
    RegistrationForm,
    activity_form_class,
)
from covenant.activities.ics import calendar_for
from covenant.activities.models import Activity, Attachment, Registration
from covenant.covenants import selectors as covenant_selectors
from covenant.covenants.models import Covenant, Organisation
from covenant.lib.forms import add_service_errors
from covenant.lib.taxonomy import Theme

MSG_HONEYPOT = gettext_lazy(
    "Your registration could not be accepted. Please contact the secretariat."
)


def _year_of(covenant: Covenant, raw: str | None):
    years = covenant_selectors.covenant_year_list(covenant=covenant)
    current = covenant_selectors.covenant_current_year(
        covenant=covenant, years=years, today=timezone.localdate()
    )
    if raw == "all":
        return years, None
    try:
        number = int(raw) if raw else current.number
    except ValueError:
        number = current.number
    return years, next((y for y in years if y.number == number), current)


def _visit_rows(covenant, years) -> list[tuple]:
    counts = selectors.work_visit_counts(covenant=covenant)
    return [(y, counts.get(y.number, 0)) for y in years]


@covenant_permission(Perm.ACTIVITIES_READ)
def overview(request, covenant):
    years, year = _year_of(covenant, request.GET.get("year"))
    party = None
    if request.GET.get("party"):
        party = covenant.organisations.filter(code__iexact=request.GET["party"]).first()
    filters = selectors.Filters(
        year=year,
        kind=request.GET.get("kind", "") if request.GET.get("kind") in Activity.Kind else "",
        theme=request.GET.get("theme", "") if request.GET.get("theme") in Theme else "",
        country=request.GET.get("country", "")[:2].upper(),
        party=party,
    )
    visible = selectors.activity_list(covenant=covenant, fetched_by=request.user)
    activities = list(selectors.activity_filter(visible, filters))
    context = {
        "covenant": covenant,
        "years": years,
        "year": year,
        "filters": filters,
        "activities": activities,
        "kinds": Activity.Kind.choices,
        "themes": Theme.choices,
        "parties": covenant.organisations.order_by("name"),
        "visit_rows": _visit_rows(covenant, years),
        "can_create": request.access.has(Perm.ACTIVITIES_CREATE),
    }
    template = "activities/overview.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@covenant_permission(Perm.ACTIVITIES_READ)
def calendar_view(request, covenant):
    today = timezone.localdate()
    try:
        month = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        visible = selectors.activity_list(covenant=covenant, fetched_by=request.user)
        latest = visible.filter(start_date__lte=today).order_by("-start_date").first()
        month = (latest.start_date if latest else today).replace(day=1)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks[0][0], weeks[-1][-1]
    activities = (
        selectors.activity_list(covenant=covenant, fetched_by=request.user)
        .filter(start_date__lte=last)
        .exclude(start_date__lt=first, end_date__isnull=True)
        .exclude(end_date__lt=first)
    )
    by_day: dict[dt.date, list[Activity]] = {}
    for activity in activities:
        day = max(activity.start_date, first)
        end = min(activity.end_date or activity.start_date, last)
        while day <= end:
            by_day.setdefault(day, []).append(activity)
            day += dt.timedelta(days=1)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {
        "covenant": covenant,
        "month": month,
        "previous": previous,
        "following": following,
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "weekdays": [dt.date(2024, 1, d) for d in range(1, 8)],  # a Monday to Sunday
        "today": today,
    }
    return render(request, "activities/calendar.html", context)


@covenant_permission(Perm.ACTIVITIES_CREATE)
def create(request, covenant):
    kind = request.GET.get("kind", "")
    if kind not in Activity.Kind:
        return render(
            request, "activities/choose_kind.html", {"covenant": covenant, "kinds": Activity.Kind}
        )
    organisers = None
    if not request.access.has(Perm.ACTIVITIES_WRITE_ALL):
        organisers = Organisation.objects.filter(pk__in=request.access.organisation_ids)
    form_class = activity_form_class(kind)
    form = form_class(request.POST or None, covenant=covenant, organisers=organisers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            activity = services.activity_create(
                covenant=covenant, kind=kind, created_by=request.user, **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("“%(title)s” was recorded.") % {"title": activity.title})
            return redirect("activities-detail", code=activity.code)
    return render(
        request,
        "activities/form.html",
        {"covenant": covenant, "form": form, "kind_label": Activity.Kind(kind).label},
    )


def _editable(request, code) -> Activity:
    activity = selectors.activity_get(code=code, fetched_by=request.user)
    if not selectors.activity_can_edit(activity=activity, user=request.user):
        raise PermissionDenied
    return activity


@object_scoped
def detail(request, code, interest_form: InterestForm | None = None, status: int = 200):
    activity = selectors.activity_get(code=code, fetched_by=request.user)
    covenant = activity.covenant
    access = access_for(request.user, covenant)
    inside, outside = selectors.participant_totals(activity)
    can_edit = selectors.activity_can_edit(activity=activity, user=request.user)
    companies = [r.organisation for r in access.roles if r.kind == "company" and r.organisation]
    context = {
        "activity": activity,
        "covenant": covenant,
        "can_edit": can_edit,
        "participants": list(activity.participants.all()),
        "counts": list(activity.counts.all()),
        "inside": inside,
        "outside": outside,
        "updates": list(activity.updates.all()),
        "attachments": list(activity.attachments.all()),
        "update_form": ProjectUpdateForm(initial={"date": timezone.localdate()}),
        "attachment_form": AttachmentForm(),
        "interest_form": interest_form or InterestForm(companies=companies),
        "can_express_interest": activity.seeks_participants
        and access.has(Perm.ACTIVITIES_INTEREST)
        and bool(companies),
        "interests": list(activity.interests.select_related("organisation")) if can_edit else [],
        "registrations": _registration_summary(activity),
        "is_member": access.is_member,
    }
    return render(request, "activities/detail.html", context, status=status)


def _registration_summary(activity: Activity) -> dict:
    if activity.kind != Activity.Kind.TRAINING:
        return {}
    regs = list(activity.registrations.all())
    confirmed = [r for r in regs if r.status == Registration.Status.CONFIRMED]
    return {
        "confirmed": len(confirmed),
        "waitlisted": sum(r.status == Registration.Status.WAITLISTED for r in regs),
        "attended": sum(bool(r.attended) for r in regs),
        "inside": sum(r.from_inside for r in confirmed),
        "outside": sum(not r.from_inside for r in confirmed),
        "places_left": max((activity.capacity or 0) - len(confirmed), 0),
    }


@object_scoped_login
def edit(request, code):
    activity = _editable(request, code)
    covenant = activity.covenant
    access = access_for(request.user, covenant)
    organisers = None
    if not access.has(Perm.ACTIVITIES_WRITE_ALL):
        organisers = Organisation.objects.filter(pk__in=access.organisation_ids)
    form_class = activity_form_class(activity.kind)
    form = form_class(
        request.POST or None, covenant=covenant, organisers=organisers, instance=activity
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("version") or activity.version
        try:
            services.activity_update(activity=activity, expected_version=expected, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("“%(title)s” was saved.") % {"title": activity.title})
            return redirect("activities-detail", code=activity.code)
    return render(
        request,
        "activities/form.html",
        {
            "covenant": covenant,
            "form": form,
            "activity": activity,
            "kind_label": activity.get_kind_display(),
        },
    )


@object_scoped_login
@require_POST
def add_update(request, code):
    activity = _editable(request, code)
    form = ProjectUpdateForm(request.POST)
    if form.is_valid():
        services.project_update_add(activity=activity, author=request.user, **form.cleaned_data)
        messages.success(request, _("The update was added."))
    else:
        messages.error(request, _("Give the update a date and a text."))
    return redirect("activities-detail", code=activity.code)


@object_scoped_login
@require_POST
def express_interest(request, code):
    activity = selectors.activity_get(code=code, fetched_by=request.user)
    access = access_for(request.user, activity.covenant)
    companies = [r.organisation for r in access.roles if r.kind == "company" and r.organisation]
    if not access.has(Perm.ACTIVITIES_INTEREST) or not companies:
        raise PermissionDenied
    form = InterestForm(request.POST, companies=companies)
    if not form.is_valid():  # a member of several companies did not say which: the page
        return detail(request, code, interest_form=form, status=400)  # keeps the message
    company = form.company()
    try:
        services.project_interest_express(
            activity=activity,
            organisation=company,
            user=request.user,
            message=form.cleaned_data.get("message", ""),
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request, _("The project knows that %(name)s is interested.") % {"name": company}
        )
    return redirect("activities-detail", code=activity.code)


@object_scoped_login
def counts(request, code):
    activity = _editable(request, code)
    rows = selectors.count_rows(activity)
    form = CountsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        services.participant_counts_set(activity=activity, counts=form.counts())
        messages.success(request, _("The numbers of participants were saved."))
        return redirect("activities-detail", code=activity.code)
    pairs = [(form[f"{r.group}_inside"], form[f"{r.group}_outside"], r) for r in rows]
    return render(
        request,
        "activities/counts.html",
        {"activity": activity, "form": form, "pairs": pairs, "covenant": activity.covenant},
    )


@object_scoped_login
@require_POST
def add_attachment(request, code):
    activity = _editable(request, code)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            services.attachment_add(
                activity=activity, upload=form.cleaned_data["file"], uploaded_by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The document was attached."))
    return redirect("activities-detail", code=activity.code)


@object_scoped
def download_attachment(request, code):
    attachment = get_object_or_404(Attachment.objects.select_related("activity"), code=code)
    selectors.activity_get(code=attachment.activity.code, fetched_by=request.user)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@object_scoped_login
def registrations(request, code):
    activity = _editable(request, code)
    if activity.kind != Activity.Kind.TRAINING:
        raise Http404
    if request.method == "POST":
        registration = get_object_or_404(
            activity.registrations, code=request.POST.get("registration")
        )
        value = {"yes": True, "no": False}.get(request.POST.get("attended"))
        services.registration_attendance_set(registration=registration, attended=value)
        messages.success(
            request, _("Attendance of %(name)s was saved.") % {"name": registration.name}
        )
        return redirect("activities-registrations", code=activity.code)
    return render(
        request,
        "activities/registrations.html",
        {
            "activity": activity,
            "covenant": activity.covenant,
            "registrations": activity.registrations.all(),
            "summary": _registration_summary(activity),
        },
    )


def _client_key(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


@public
def register(request, code):
    activity = get_object_or_404(
        Activity.objects.select_related("covenant"),
        code=code,
        kind=Activity.Kind.TRAINING,
        is_public=True,
    )
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if services.registration_rate_limited(client_key=_client_key(request)):
            form.add_error(None, services.MSG_TOO_MANY)
            status = 429
        elif form.is_valid():
            if form.cleaned_data["website"]:
                form.add_error(None, MSG_HONEYPOT)
                status = 400
            else:
                try:
                    registration = services.training_register(
                        activity=activity,
                        name=form.cleaned_data["name"],
                        organisation_name=form.cleaned_data["organisation_name"],
                        email=form.cleaned_data["email"],
                        consent=form.cleaned_data["consent"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    return render(
                        request,
                        "activities/registered.html",
                        {"activity": activity, "registration": registration},
                    )
    summary = _registration_summary(activity)
    return render(
        request,
        "activities/register.html",
        {"activity": activity, "form": form, "summary": summary},
        status=status,
    )


@public
def ics_feed(request, slug):
    covenant = covenant_selectors.covenant_get(slug=slug)
    activities = selectors.calendar_feed(
        covenant=covenant, fetched_by=request.user, today=timezone.localdate()
    )
    response = HttpResponse(calendar_for(activities).to_ical(), content_type="text/calendar")
    response["Content-Disposition"] = f'inline; filename="{covenant.slug}-activities.ics"'
    return response
