"""iCalendar (ICS) output of activities, for the feed and for confirmation e-mails."""

import datetime as dt

from django.conf import settings
from icalendar import Calendar, Event


def calendar_for(activities) -> Calendar:
    """Return a calendar with one event per activity (all-day unless a start time is known)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Covenant//activities//EN")
    calendar.add("version", "2.0")
    for activity in activities:
        event = Event()
        event.add("uid", f"{activity.code}@covenant")
        event.add("summary", activity.title)
        if activity.start_time:
            start = dt.datetime.combine(activity.start_date, activity.start_time)
            event.add("dtstart", start)
            event.add("dtend", start + dt.timedelta(hours=2))
        else:
            event.add("dtstart", activity.start_date)
            event.add("dtend", (activity.end_date or activity.start_date) + dt.timedelta(days=1))
        if activity.location:
            event.add("location", activity.location)
        if activity.description:
            event.add("description", activity.description)
        event.add("url", f"{settings.SITE_URL.rstrip('/')}/activities/{activity.code}/")
        event.add("dtstamp", dt.datetime.now(dt.UTC))
        calendar.add_component(event)
    return calendar
