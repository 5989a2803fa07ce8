"""Reads of activities, always scoped to the viewer.

- the secretariat sees every activity of its covenant;
- steering group members see every activity except work visits;
- company and stakeholder members see public activities and those their organisation
  organises, takes part in, or (work visits) was visited in;
- everyone else sees public activities only. A work visit is never public.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from covenant.accounts.access import Perm, access_for
from covenant.accounts.models import Role
from covenant.activities.models import Activity, ParticipantCount
from covenant.covenants.models import Covenant, CovenantYear, Organisation


def _visibility(user, covenant: Covenant) -> Q:
    access = access_for(user, covenant)
    if access.has_kind(Role.Kind.SECRETARIAT):
        return Q()
    if access.has_kind(Role.Kind.STEERING_GROUP):
        return ~Q(kind=Activity.Kind.WORK_VISIT) | _own(access.organisation_ids)
    if access.organisation_ids:
        return Q(is_public=True) | _own(access.organisation_ids)
    return Q(is_public=True)


def _own(organisation_ids) -> Q:
    takes_part = Activity.participants.through.objects.filter(
        activity_id=OuterRef("pk"), organisation_id__in=organisation_ids
    )
    return (
        Q(organiser_id__in=organisation_ids)
        | Q(visited_id__in=organisation_ids)
        | Q(Exists(takes_part))
    )


def activity_list(*, covenant: Covenant, fetched_by) -> QuerySet[Activity]:
    """Return the activities of the covenant that the user may see."""
    return (
        Activity.objects.filter(covenant=covenant)
        .filter(_visibility(fetched_by, covenant))
        .select_related("organiser", "visited")
        .prefetch_related(Prefetch("participants", queryset=Organisation.objects.order_by("name")))
        .order_by("start_date", "title")
    )


@dataclass
class Filters:
    year: CovenantYear | None = None
    kind: str = ""
    theme: str = ""
    country: str = ""
    party: Organisation | None = None


def activity_filter(qs: QuerySet[Activity], filters: Filters) -> QuerySet[Activity]:
    """Narrow an activity queryset by year, kind, theme, country and party."""
    if filters.year is not None:
        qs = qs.filter(start_date__gte=filters.year.start, start_date__lte=filters.year.end)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.theme:
        qs = qs.filter(themes__contains=f",{filters.theme},")
    if filters.country:
        qs = qs.filter(countries__contains=filters.country)
    if filters.party is not None:
        in_it = Activity.participants.through.objects.filter(
            activity_id=OuterRef("pk"), organisation_id=filters.party.pk
        )
        qs = qs.filter(Q(organiser=filters.party) | Q(visited=filters.party) | Q(Exists(in_it)))
    return qs


def activity_get(*, code, fetched_by) -> Activity:
    """Return the activity if the user may see it, else raise 404."""
    activity = (
        Activity.objects.select_related("covenant", "organiser", "visited")
        .filter(code=code)
        .first()
    )
    if activity is None:
        raise Http404
    visible = Activity.objects.filter(pk=activity.pk).filter(
        _visibility(fetched_by, activity.covenant)
    )
    if not visible.exists():
        raise Http404
    return activity


def activity_can_edit(*, activity: Activity, user) -> bool:
    """Return whether the user may edit the activity: the secretariat, or its organiser."""
    access = access_for(user, activity.covenant)
    if access.has(Perm.ACTIVITIES_WRITE_ALL):
        return True
    return (
        access.has(Perm.ACTIVITIES_CREATE)
        and activity.organiser_id is not None
        and activity.organiser_id in access.organisation_ids
    )


def work_visit_counts(*, covenant: Covenant) -> dict[int, int]:
    """Return the number of work visits per covenant year: the only thing shown to everyone."""
    years = list(covenant.years.all())
    counts: Counter[int] = Counter()
    dates = Activity.objects.filter(covenant=covenant, kind=Activity.Kind.WORK_VISIT).values_list(
        "start_date", flat=True
    )
    for day in dates:
        for year in years:
            if year.start <= day <= year.end:
                counts[year.number] += 1
    return dict(counts)


def activity_public_list(*, covenant: Covenant) -> QuerySet[Activity]:
    """Return the covenant's public activities, newest first."""
    return (
        Activity.objects.filter(covenant=covenant, is_public=True)
        .select_related("organiser")
        .order_by("-start_date")
    )


def calendar_feed(*, covenant: Covenant, fetched_by, today: dt.date) -> QuerySet[Activity]:
    """Return the visible sessions, round tables and trainings from today on."""
    return (
        activity_list(covenant=covenant, fetched_by=fetched_by)
        .filter(kind__in=Activity.CALENDAR_KINDS)
        .filter(Q(end_date__gte=today) | Q(end_date__isnull=True, start_date__gte=today))
    )


def participant_totals(activity: Activity) -> tuple[int, int]:
    """Return the participants from inside and from outside the covenant."""
    counts = list(activity.counts.all())
    return sum(c.inside for c in counts), sum(c.outside for c in counts)


def count_rows(activity: Activity) -> list[ParticipantCount]:
    """Return a row per participant group, existing or blank, in the groups' order."""
    existing = {c.group: c for c in activity.counts.all()}
    return [
        existing.get(group) or ParticipantCount(activity=activity, group=group)
        for group in ParticipantCount.Group
    ]
