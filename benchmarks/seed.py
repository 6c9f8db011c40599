"""Seed a database with N approved mentors for the benchmark, in realistic proportions:
half as many mentees as mentors (most with one to three focus areas they look
for), about 1.5 requests per mentee (open, accepted,
declined), a mentorship for each accepted request (active, completed or ended early),
check-ins at each mentorship's cadence with a few missed, texts in English and Italian.

    python benchmarks/seed.py DATABASE_URL N

The database must be migrated (`flask db upgrade`) and empty. Rows go in with bulk
inserts, not through the services: this is load, not behaviour. A fixed seed makes
every run the same data.
"""

import random
import sys
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from marketplace import create_app
from marketplace.accounts.models import User, user_interests
from marketplace.accounts.services import hash_password
from marketplace.core.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.geography import REGIONS
from marketplace.mentors.models import (
    APPROVED,
    FORMATS,
    SPOKEN_LANGUAGES,
    MentorProfile,
    ProfileFormat,
    ProfileLanguage,
    ProfileRevision,
    revision_areas,
)
from marketplace.mentorships import tallies
from marketplace.mentorships.models import CADENCES, CheckIn, Mentorship, MentorshipRequest
from marketplace.mentorships.queries import CADENCE_DAYS
from marketplace.program.models import FocusArea
from marketplace.program.services import seed_default_areas

PASSWORD = "benchmark-password-2026"  # noqa: S105 (a throwaway benchmark account)
BATCH = 5000
FIRST = ["Giulia", "Marco", "Francesca", "Luca", "Sarah", "Tom", "Anna", "Paolo", "Chiara",
         "David", "Elena", "Stefano", "Laura", "James", "Sofia", "Matteo", "Emma", "Pietro"]
LAST = ["Rossi", "Bianchi", "Collins", "Fletcher", "Esposito", "Romano", "Müller", "Martin",
        "García", "Ricci", "Moretti", "Smith", "Conti", "Greco", "Bruno", "Gallo", "Weber"]
HEADLINES_EN = ["Twenty years of {s} in industrial sales", "I help reps get better at {s}",
                "From first call to signed contract: {s}", "Practical {s} for key accounts"]
HEADLINES_IT = ["Vent'anni di {s} nelle vendite industriali", "Aiuto i commerciali nella {s}",
                "Dalla prima chiamata al contratto: {s}", "{s} concreta per i grandi clienti"]
SKILLS_EN = ["negotiation", "prospecting", "closing", "account management",
             "social selling", "sales leadership", "pricing", "renewals"]
SKILLS_IT = ["negoziazione", "prospezione", "chiusura", "gestione dei clienti",
             "vendita social", "leadership commerciale", "gestione prezzi", "rinnovi"]
BIO_EN = ("I started in inside sales and now lead a team of {n} account managers. I have "
          "closed multi-year deals with manufacturers and retailers, and I like to work on "
          "concrete cases: your pipeline, your next difficult meeting, your plan.")
BIO_IT = ("Ho iniziato nelle vendite interne e oggi guido un team di {n} account manager. "
          "Ho chiuso contratti pluriennali con produttori e catene della distribuzione e "
          "preferisco lavorare su casi concreti: la tua pipeline, il prossimo incontro.")
CHECK_IN_SUMMARIES = [
    "We went through the account plan and the next three meetings.",
    "Abbiamo preparato la trattativa con l'ufficio acquisti.",
    "Role-played the pricing conversation; the discount stays under 5%.",
    "Abbiamo rivisto la pipeline e scelto due clienti su cui concentrarci."]


def chunks(rows):
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def bulk(model_or_table, rows):
    for chunk in chunks(rows):
        db.session.execute(insert(model_or_table), chunk)


def seed(n_mentors, rng=None):
    rng = rng or random.Random(2026)  # noqa: S311 (test data, not security)
    now = utcnow()
    seed_default_areas()
    db.session.flush()
    area_ids = db.session.scalars(select(FocusArea.id)).all()
    password_hash = hash_password(PASSWORD)
    regions = [code for code, _label in REGIONS]
    n_mentees = max(n_mentors // 2, 1)

    def person(number, role):
        return {"email": f"{role}{number}@bench.example.com",
                "stored_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "password_hash": password_hash, "language": rng.choice(["en", "it"]),
                "timezone": "Europe/Rome", "region": rng.choice(regions),
                "affiliation": "internal" if rng.random() < 0.8 else "external",
                "email_verified_at": now, "session_token": f"{role}{number}"[:32],
                "created_at": now, "is_admin": number == 0 and role == "mentee",
                "active": True, "email_requests": True, "email_vetting": True,
                "email_mentorships": True}

    bulk(User, [person(i, "mentor") for i in range(n_mentors)]
         + [person(i, "mentee") for i in range(n_mentees)])
    users = dict(db.session.execute(select(User.email, User.id)).all())
    region_of = dict(db.session.execute(select(User.id, User.region)).all())
    mentor_ids = [users[f"mentor{i}@bench.example.com"] for i in range(n_mentors)]
    mentee_ids = [users[f"mentee{i}@bench.example.com"] for i in range(n_mentees)]
    # What mentees look for (none for one in five), from a generator of its own so that
    # the rest of the data stays what earlier seeds made.
    interests_rng = random.Random(2027)  # noqa: S311 (test data, not security)
    bulk(user_interests, [{"user_id": mentee_id, "area_id": area_id}
                          for mentee_id in mentee_ids if interests_rng.random() < 0.8
                          for area_id in interests_rng.sample(area_ids,
                                                              interests_rng.randint(1, 3))])

    bulk(MentorProfile, [{
        "user_id": user_id, "status": APPROVED, "years_experience": rng.randint(3, 35),
        "region": rng.choice(regions), "working_style": "An hour every two weeks.",
        "motivation": "Giving back what I was given.", "capacity": rng.randint(1, 5),
        "monthly_hours": rng.randint(2, 12), "accepting": rng.random() < 0.9,
        "active_mentees": 0, "committed_hours": 0, "approved_at": now,
        "approval_expires_at": add_months(now, 12), "created_at":
        now - timedelta(days=rng.randint(0, 700))} for user_id in mentor_ids])
    profiles = dict(db.session.execute(select(MentorProfile.user_id, MentorProfile.id)).all())
    profile_ids = [profiles[user_id] for user_id in mentor_ids]
    room = dict(db.session.execute(select(MentorProfile.id, MentorProfile.capacity)).all())
    hours_room = dict(db.session.execute(
        select(MentorProfile.id, MentorProfile.monthly_hours)).all())

    revisions = []
    for profile_id in profile_ids:
        skill = rng.randrange(len(SKILLS_EN))
        template = rng.randrange(len(HEADLINES_EN))
        bilingual = rng.random() < 0.6
        revisions.append({
            "profile_id": profile_id, "number": 1, "status": APPROVED,
            "headline_en": HEADLINES_EN[template].format(s=SKILLS_EN[skill]),
            "headline_it": HEADLINES_IT[template].format(s=SKILLS_IT[skill])
            if bilingual else None,
            "bio_en": BIO_EN.format(n=rng.randint(3, 30)),
            "bio_it": BIO_IT.format(n=rng.randint(3, 30)) if bilingual else None,
            "affiliation": "internal", "confidentiality": True, "created_at": now,
            "submitted_at": now, "decided_at": now})
    bulk(ProfileRevision, revisions)
    revision_ids = dict(db.session.execute(
        select(ProfileRevision.profile_id, ProfileRevision.id)).all())
    for chunk in chunks(profile_ids):
        db.session.execute(
            MentorProfile.__table__.update()
            .where(MentorProfile.id == db.bindparam("pid"))
            .values(published_revision_id=db.bindparam("rid")),
            [{"pid": pid, "rid": revision_ids[pid]} for pid in chunk])
    bulk(revision_areas, [{"revision_id": revision_ids[pid], "area_id": area_id}
                          for pid in profile_ids
                          for area_id in rng.sample(area_ids, rng.randint(1, 3))])
    bulk(ProfileLanguage, [{"profile_id": pid, "code": code} for pid in profile_ids
                           for code in {"en", rng.choice(SPOKEN_LANGUAGES)}])
    bulk(ProfileFormat, [{"profile_id": pid, "format": fmt} for pid in profile_ids
                         for fmt in rng.sample(FORMATS, rng.randint(1, 3))])

    # Requests: about 1.5 per mentee, a third of them accepted (then a mentorship).
    requests, pairs = [], set()
    for mentee_id in mentee_ids:
        for _ in range(rng.choice([1, 1, 2, 2, 2])):
            profile_id = rng.choice(profile_ids)
            if (mentee_id, profile_id) in pairs:
                continue
            pairs.add((mentee_id, profile_id))
            created = now - timedelta(days=rng.randint(1, 300))
            status = rng.choice(["open", "accepted", "accepted", "declined"])
            answered = None if status == "open" else min(
                now, created + timedelta(hours=rng.uniform(2, 120)))
            requests.append({
                "mentee_id": mentee_id, "mentee_region": region_of[mentee_id],
                "profile_id": profile_id, "area_id": rng.choice(area_ids),
                "goal": "Close my first multi-year deal with a manufacturing customer.",
                "target_date": (now + timedelta(days=120)).date(),
                "current_situation": "I win renewals but multi-year deals stall.",
                "success_measures": "One signed multi-year contract.",
                "hours_per_month": rng.randint(1, 4), "duration_months": 6,
                "cadence": rng.choice(CADENCES), "meeting_format": "video", "message": "",
                "status": status, "created_at": created,
                "answered_at": answered, "closed_at": answered,
                "decline_reason": "no_time" if status == "declined" else None})
    bulk(MentorshipRequest, requests)
    accepted = db.session.execute(select(MentorshipRequest).where(
        MentorshipRequest.status == "accepted").order_by(MentorshipRequest.id)).scalars().all()
    mentorships, load = [], {}
    today = now.date()
    for request in accepted:
        started = request.answered_at.date()
        planned_end = add_months(started, 6)
        places, hours = load.get(request.profile_id, (0, 0))
        active = (places < room[request.profile_id] and hours + request.hours_per_month
                  <= hours_room[request.profile_id] and rng.random() < 0.5)
        if active:
            load[request.profile_id] = (places + 1, hours + request.hours_per_month)
            status, ended_on = "active", None
        else:  # most reach their goal, some stop early
            status = "completed" if rng.random() < 0.8 else "ended"
            last = min(planned_end, today)
            ended_on = started + timedelta(days=rng.randint(min(30, (last - started).days),
                                                            (last - started).days))
        mentorships.append({
            "request_id": request.id, "mentee_id": request.mentee_id,
            "mentee_region": request.mentee_region,
            "profile_id": request.profile_id, "area_id": request.area_id,
            "goal": request.goal, "success_measures": request.success_measures,
            "target_date": request.target_date, "hours_per_month": request.hours_per_month,
            "cadence": request.cadence, "meeting_format": request.meeting_format,
            "started_on": started, "planned_end_on": planned_end, "status": status,
            "ended_at": None if ended_on is None
            else datetime.combine(ended_on, time(17), tzinfo=UTC),
            "end_reason": "My role changed." if status == "ended" else None,
            "created_at": request.answered_at})
    bulk(Mentorship, mentorships)
    bulk(CheckIn, list(check_ins(rng, db.session.execute(
        select(Mentorship.id, Mentorship.mentee_id, MentorProfile.user_id.label("mentor_id"),
               Mentorship.cadence, Mentorship.started_on, Mentorship.ended_at)
        .join(MentorProfile, MentorProfile.id == Mentorship.profile_id)
        .order_by(Mentorship.id)).all(), today)))
    for chunk in chunks(list(load.items())):
        db.session.execute(
            MentorProfile.__table__.update()
            .where(MentorProfile.id == db.bindparam("pid"))
            .values(active_mentees=db.bindparam("places"),
                    committed_hours=db.bindparam("hours")),
            [{"pid": pid, "places": places, "hours": hours}
             for pid, (places, hours) in chunk])
    tallies.recount()
    db.session.commit()
    # Planner statistics, as a live database would have them (autovacuum has not run
    # yet after a bulk load).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"mentors": n_mentors, "mentees": n_mentees, "requests": len(requests),
            "mentorships": len(mentorships), "active": len(load),
            "check_ins": db.session.scalar(select(func.count()).select_from(CheckIn))}


def check_ins(rng, mentorships, today):
    """Each mentorship's meetings at its cadence from its start to its end or today,
    about one in six missed, logged by either side and mostly confirmed."""
    for mentorship in mentorships:
        interval = CADENCE_DAYS[mentorship.cadence]
        last = mentorship.ended_at.date() if mentorship.ended_at else today
        held_on = mentorship.started_on + timedelta(days=interval)
        while held_on <= last:
            if rng.random() < 5 / 6:
                yield {"mentorship_id": mentorship.id,
                       "author_id": mentorship.mentee_id if rng.random() < 0.7
                       else mentorship.mentor_id,
                       "held_on": held_on, "minutes": rng.choice([30, 45, 60, 60, 90]),
                       "summary": rng.choice(CHECK_IN_SUMMARIES), "next_steps": "",
                       "created_at": datetime.combine(held_on, time(18), tzinfo=UTC),
                       "confirmed_at": None if rng.random() < 0.1
                       else datetime.combine(held_on, time(20), tzinfo=UTC)}
            held_on += timedelta(days=interval)


def main(url, n_mentors):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "localhost"})
    with app.app_context():
        print(seed(n_mentors))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
