"""GET /home, each person's own page: its sections per role (shown only with
content, each with its next action), the landing after login, and its cost in SQL
statements whatever the data."""

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from marketplace.accounts.models import User
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import COMPLETED, Mentorship
from marketplace.vetting import services as vetting

from .builders import assert_italian_ui, submit
from .factories import make_area, make_mentorship, make_profile, make_story, make_user


@contextmanager
def counted(app):
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def page(client):
    response = client.get("/home")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def mentor(area, **fields):
    return make_profile(make_user(), areas=[area], capacity=5, monthly_hours=20, **fields)


def test_home_needs_login(client):
    response = client.get("/home")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_login_lands_on_home_and_next_wins(client, auth, user):
    assert auth.login(user.email).location == "/home"
    auth.logout()
    response = client.submit("/auth/login?next=/account",
                             data={"email": user.email, "password": "correct horse battery staple"})
    assert response.location == "/account"
    # The program page stays where it was, for everyone.
    assert client.get("/").status_code == 200


def test_logout_and_the_language_switch_keep_their_targets(client, auth, user):
    auth.login(user.email)
    assert client.submit("/language", data={"language": "it"}).location == "/"
    assert auth.logout().location == "/auth/login"


def test_a_new_mentee_is_helped_to_start(app, client, auth, user):
    with app.app_context():
        area = make_area()
        for _ in range(4):
            mentor(area)
    auth.login(user.email)
    text = page(client)
    assert 'href="/account/looking-for"' in text
    assert text.count('class="card mentor-card"') == 3
    for title in ("Your requests waiting for an answer", "Your last request",
                  "Your mentorships", "Feedback to leave", "As a mentor",
                  "Running the program"):
        assert title not in text
    # The navigation's first item leads here.
    nav = text[text.index('class="main-nav"'):]
    assert nav.index('href="/home"') < nav.index('href="/"')
    assert 'href="/home" aria-current="page"' in text


def test_a_mentee_with_requests_and_mentorships(app, client, auth, user):
    with app.app_context():
        area = make_area()
        waiting = mentor(area)
        running = mentor(area)
        done = mentor(area)
        submit(user.id, waiting.id, area.id)
        make_mentorship(user, running, area, started_days_ago=40)
        make_mentorship(user, done, area, status=COMPLETED, started_days_ago=100)
    auth.login(user.email)
    text = page(client)
    assert "Your requests waiting for an answer" in text and "No requests answered yet" in text
    assert 'href="/requests"' in text
    # The last answer led to a mentorship that is over: its feedback is the next step.
    assert "Your last request" not in text
    assert "Your mentorships" in text and "Check-in overdue" in text
    assert "Feedback to leave" in text and "Leave your feedback" in text
    assert "looking-for" not in text and "mentor-card" not in text


def test_a_mentor_sees_requests_check_ins_places_and_profile(app, client, auth):
    with app.app_context():
        area = make_area()
        me = make_user(email="mentor@example.com")
        profile = make_profile(me, areas=[area], capacity=3, monthly_hours=10)
        mentee = make_user()
        make_mentorship(mentee, profile, area, started_days_ago=60)
        submit(make_user().id, profile.id, area.id)
    auth.login("mentor@example.com")
    text = page(client)
    assert "Requests waiting for your answer" in text and "Read and answer" in text
    assert "Mentorships with an overdue check-in" in text
    assert "2 of 3 places free" in text and "8 of 10 hours a month free" in text
    assert "Approved" in text and 'href="/profile/mentor"' in text
    assert "Check-ins to confirm" not in text
    assert "Find your mentor" not in text


def test_the_last_answer_leads_to_the_first_meeting_until_it_is_logged(app, client, auth,
                                                                         user):
    with app.app_context():
        area = make_area()
        running = mentor(area)
        mentorship = make_mentorship(user, running, area)
        mentorship_id = mentorship.id
    auth.login(user.email)
    client.submit("/language", data={"language": "it"})
    text = page(client)
    assert "Your last request" not in text  # in Italian…
    assert "La tua ultima richiesta" in text and " · Accettata</p>" in text
    assert f'href="/mentorships/{mentorship_id}">Apri il tuo percorso di mentoring' in text
    # Once a meeting is logged, the mentorship's own card is the way in, and it says
    # that the check-in waits for the mentor.
    with app.test_request_context():
        mentoring.log_check_in(db.session.get(Mentorship, mentorship_id),
                               actor=db.session.get(User, user.id),
                               held_on=utcnow().date(), minutes=30,
                               summary="We mapped the buying committee together.")
        db.session.commit()
    text = page(client)
    assert "La tua ultima richiesta" not in text
    assert "aspetta la conferma di" in text


def test_a_mentor_reaches_every_mentee_and_each_thing_to_answer(app, client, auth):
    with app.app_context():
        area = make_area()
        me = make_user(email="mentor@example.com")
        profile = make_profile(me, areas=[area], capacity=3, monthly_hours=10)
        quiet = make_mentorship(make_user(full_name="Quinn Quiet"), profile, area)
        busy = make_mentorship(make_user(full_name="Bea Busy"), profile, area,
                               started_days_ago=1)
        request_id = submit(make_user().id, profile.id, area.id)
        quiet_id, busy_id = quiet.id, busy.id
    with app.test_request_context():
        check_in = mentoring.log_check_in(
            db.session.get(Mentorship, busy_id),
            actor=db.session.get(Mentorship, busy_id).mentee, held_on=utcnow().date(),
            minutes=30, summary="We prepared the quarterly business review.")
        db.session.commit()
        check_in_id = check_in.id
    auth.login("mentor@example.com")
    text = page(client)
    assert f'href="/requests#request-{request_id}">Read and answer</a>' in text
    assert (f'href="/mentorships/{busy_id}#check-in-{check_in_id}">Review and confirm</a>'
            in text)
    # Nothing to do for Quinn: listed quietly, with the next check-in's date.
    mentees = text[text.index("Your mentees"):]
    assert "Quinn Quiet" in mentees and "Bea Busy" not in mentees
    assert f'href="/mentorships/{quiet_id}">Open the mentorship</a>' in mentees
    assert "Next check-in due on" in mentees


def test_a_mentor_sees_the_reviewers_notes(app, client, auth, admin):
    with app.app_context():
        me = make_user(email="mentor@example.com")
        profile = make_profile(me, status="pending")
        row = db.session.get(MentorProfile, profile.id)
        vetting.decide(row, actor=db.session.get(type(row.user), admin.id),
                       decision="request_changes", notes="Say more about your deals.")
        db.session.commit()
    auth.login("mentor@example.com")
    text = page(client)
    assert "Changes requested" in text and "Say more about your deals." in text
    assert "Make the changes" in text


def test_an_admin_sees_queues_and_this_months_figures(app, client, auth, admin):
    with app.app_context():
        area = make_area()
        make_profile(make_user(), status="pending")
        soon = mentor(area)
        row = db.session.get(MentorProfile, soon.id)
        row.approval_expires_at = utcnow() + timedelta(days=10)
        db.session.commit()
        done = make_mentorship(make_user(), mentor(area), area, status=COMPLETED)
        make_story(done)
    auth.login(admin.email)
    text = page(client)
    assert "1 profile waiting for review" in text and 'href="/admin/vetting"' in text
    assert "Approvals about to expire" in text and f'href="/admin/vetting/{soon.id}"' in text
    assert "1 story to publish" in text and 'href="/admin/stories"' in text
    today = utcnow().date()
    assert f'href="/admin?start={today.replace(day=1).isoformat()}&amp;end={today.isoformat()}"' \
        in text


def test_an_admin_with_nothing_waiting_sees_only_the_figures(client, auth, admin):
    auth.login(admin.email)
    text = page(client)
    assert "This month" in text and "Open the dashboard" in text
    for title in ("profile waiting", "Approvals about to expire", "to publish",
                  "Find your mentor"):
        assert title not in text


def test_italian(app, client, auth, admin):
    with app.app_context():
        make_profile(make_user(), status="pending")
    auth.login(admin.email)
    client.submit("/language", data={"language": "it"})
    text = page(client)
    assert '<html lang="it"' in text
    assert_italian_ui(app, text, ["My page", "Running the program", "This month",
                                  "Open the dashboard", "Review profiles"])
    assert "1 profilo in attesa di verifica" in text


# Cost ----------------------------------------------------------------------------------

def add_data(area, user, me_profile, times, with_request=False):
    for number in range(times):
        make_mentorship(user, mentor(area), area, started_days_ago=30)
        make_mentorship(user, mentor(area), area, status=COMPLETED, started_days_ago=90)
        mentee = make_user()
        make_mentorship(mentee, me_profile, area, started_days_ago=50,
                        confirmed_minutes=(30,))
        submit(make_user().id, me_profile.id, area.id)
        make_profile(make_user(), status="pending")
        soon = db.session.get(MentorProfile, mentor(area).id)
        soon.approval_expires_at = utcnow() + timedelta(days=5)
        db.session.commit()
        if with_request and number == 0:  # one open request: the cap on them is small
            submit(user.id, mentor(area).id, area.id)


def count(app, client):
    client.get("/home")  # warm up: what a process loads once is loaded now
    with counted(app) as statements:
        page(client)
    return len(statements)


def test_the_page_costs_the_same_whatever_the_data(app, client, auth):
    """A person who is a mentee, a mentor and an admin at once: every section runs."""
    with app.app_context():
        area = make_area()
        me = make_user(email="all@example.com", is_admin=True)
        profile = make_profile(me, areas=[area], capacity=10, monthly_hours=20)
        add_data(area, me, profile, 1, with_request=True)
    auth.login("all@example.com")
    little = count(app, client)
    with app.app_context():
        add_data(area, me, profile, 3)
    text = page(client)
    assert text.count("Leave your feedback") == 4
    many = count(app, client)
    assert many == little
    assert little <= 20, little
