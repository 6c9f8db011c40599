"""The mentorship's check-ins as a calendar file (RFC 5545), for either side to import.

One recurring event at the agreed cadence, from the start to the planned end (or the
day it ended), at a default hour in the reader's own time zone, which the file
describes (VTIMEZONE) so that any calendar shows it at the same hour. Its UID depends
only on the mentorship: importing the file again updates the event instead of adding
a second one.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Event, vRecur

from ..core.clock import utcnow

# The hour the check-ins are put at (each side moves them in their own calendar), and
# how long one lasts.
CHECK_IN_AT = time(10, 0)
CHECK_IN_MINUTES = 60
RECURRENCE = {"weekly": {"FREQ": "WEEKLY"}, "biweekly": {"FREQ": "WEEKLY", "INTERVAL": 2},
              "monthly": {"FREQ": "MONTHLY"}}


def filename(mentorship):
    return f"mentorship-{mentorship.id}.ics"


def check_ins_calendar(mentorship, reader, page_url, host):
    """The calendar file (bytes) of `mentorship`'s check-ins for `reader` (one of its
    sides): their time zone, and texts in the language of the request being served
    (the reader's own)."""
    zone = ZoneInfo(reader.timezone)
    mentor, mentee = mentorship.profile.user, mentorship.mentee
    last_day = mentorship.planned_end_on
    if mentorship.ended_at is not None:
        last_day = min(last_day, mentorship.ended_at.date())
    start = datetime.combine(mentorship.started_on, CHECK_IN_AT, tzinfo=zone)
    # With a zoned start, RFC 5545 wants UNTIL in UTC: the end of the last day, there.
    until = datetime.combine(last_day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)

    event = Event()
    event.add("uid", f"mentorship-{mentorship.id}-check-ins@{host}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=CHECK_IN_MINUTES))
    event.add("rrule", vRecur({**RECURRENCE[mentorship.cadence], "UNTIL": until}))
    event.add("summary", _("Mentoring check-in: %(mentor)s and %(mentee)s",
                           mentor=mentor.full_name, mentee=mentee.full_name))
    event.add("description", _(
        "Your regular check-in. Goal: %(goal)s\nLog the check-in afterwards: %(url)s",
        goal=mentorship.goal, url=page_url))
    event.add("url", page_url)

    calendar = Calendar()
    calendar.add("prodid", "-//Mentor Marketplace//Mentorships//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
