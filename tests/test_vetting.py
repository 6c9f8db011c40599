"""Vetting mentor profiles and running the program: the services called directly, and
the admin pages checked for status, redirect, flashed message, database and audit log."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.mentors import queries as mentor_queries
from marketplace.mentors import services as mentors
from marketplace.mentors.models import (
    APPROVE,
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    PENDING,
    PROFILE_STATES,
    REJECT,
    REJECTED,
    REQUEST_CHANGES,
    SUSPENDED,
    MentorProfile,
    ProfileReview,
    ProfileRevision,
)
from marketplace.program import services as program
from marketplace.program.models import FocusArea, ProgramSettings
from marketplace.vetting import services as vetting
from marketplace.web.labels import decision_label, version_status

from .builders import field_html, row_of, settings_form
from .factories import make_area, make_profile, make_user
from .helpers import flashed, login_client

NOTES = "Please add the results of your last two years."


# Helpers -------------------------------------------------------------------------------

def switch_user(auth, email):
    auth.logout()
    auth.login(email)


def get_profile(profile_id):
    db.session.expire_all()
    return db.session.get(MentorProfile, profile_id)


def revisions_of(profile_id):
    return db.session.scalars(select(ProfileRevision)
                              .where(ProfileRevision.profile_id == profile_id)
                              .order_by(ProfileRevision.number)).all()


def pending_revision(profile_id):
    return db.session.scalar(select(ProfileRevision).where(
        ProfileRevision.profile_id == profile_id, ProfileRevision.status == PENDING))


def reviews_of(profile_id):
    return db.session.scalars(select(ProfileReview).join(ProfileReview.revision)
                              .where(ProfileRevision.profile_id == profile_id)
                              .order_by(ProfileReview.id)).all()


def events(action=None):
    statement = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    return db.session.scalars(statement).all()


def profile_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("profile.%"))
                              ).all()


def decide(profile_id, reviewer, decision=APPROVE, notes=""):
    """What POST /admin/vetting/<id> does: one decision in one transaction."""
    try:
        outcome = vetting.decide(db.session.get(MentorProfile, profile_id),
                                 actor=db.session.get(User, reviewer.id),
                                 decision=decision, notes=notes)
    except vetting.VettingError:
        db.session.rollback()
        raise
    db.session.commit()
    return outcome


def set_program(**values):
    """Set the program's settings directly (the admin-count check is tested apart)."""
    current = program.settings()
    for name, value in values.items():
        setattr(current, name, value)
    db.session.commit()


def edit_profile(user, **changes):
    """What the mentor does on /profile/mentor: change vetted fields of the version they
    are working on (or of the listed one)."""
    profile = mentors.profile_of(user)
    current = mentors.working_content(profile)
    content = {name: getattr(current, name) for name in mentors.VETTED_FIELDS}
    content["areas"] = list(current.areas)
    content.update(changes)
    details = {name: getattr(profile, name) for name in mentors.DIRECT_FIELDS}
    details.update(languages=profile.language_codes, formats=profile.format_codes)
    _profile, outcome = mentors.save_profile(actor=user, content=content, details=details)
    db.session.commit()
    return outcome


def resubmit(user, **changes):
    """The mentor makes the requested changes and sends the profile for review again."""
    edit_profile(user, **changes)
    mentors.submit_profile(mentors.profile_of(user), actor=user)
    db.session.commit()


def set_submitted(profile_id, when):
    db.session.execute(update(ProfileRevision)
                       .where(ProfileRevision.profile_id == profile_id,
                              ProfileRevision.status == PENDING)
                       .values(submitted_at=when))
    db.session.commit()


def set_expiry(profile_id, when):
    db.session.execute(update(MentorProfile).where(MentorProfile.id == profile_id)
                       .values(approval_expires_at=when))
    db.session.commit()


def input_value(page, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def labels(app, label_filter, code):
    """How a page names a decision or a state (the wording is the templates' business)."""
    with app.test_request_context():
        return str(label_filter(code))


def assert_recent(moment, before):
    assert moment is not None and before <= moment <= utcnow()


# Fixtures ------------------------------------------------------------------------------

@pytest.fixture
def other_admin(app):
    with app.app_context():
        return make_user(email="bruno@example.com", full_name="Bruno Admin", is_admin=True)


@pytest.fixture
def third_admin(app):
    with app.app_context():
        return make_user(email="carla@example.com", full_name="Carla Admin", is_admin=True)


@pytest.fixture
def mentor(app):
    with app.app_context():
        return make_user(email="maria@example.com", full_name="Maria Mentor")


@pytest.fixture
def pending(app, mentor):
    """Maria's new profile, waiting for review."""
    with app.app_context():
        return make_profile(mentor, status=PENDING,
                            content={"headline_en": "Twenty years of enterprise deals"})


@pytest.fixture
def listed(app, mentor):
    """Maria's approved, listed profile."""
    with app.app_context():
        return make_profile(mentor, status=APPROVED,
                            content={"headline_en": "Twenty years of enterprise deals"})


# The queue -----------------------------------------------------------------------------

class TestQueue:
    @pytest.fixture
    def waiting(self, app):
        """Three revisions waiting, submitted in an order unlike their creation order,
        and profiles in every other state that must not be in the queue."""
        now = utcnow()
        with app.app_context():
            newest = make_profile(make_user(full_name="Nora Newest"), status=PENDING)
            oldest = make_profile(make_user(full_name="Olga Oldest"), status=PENDING)
            changer = make_user(full_name="Carl Changer")
            changed = make_profile(changer, status=APPROVED)
            edit_profile(changer, headline_en="A better headline")
            set_submitted(oldest.id, now - timedelta(days=3))
            set_submitted(changed.id, now - timedelta(days=1))
            for name, status in [("Dora Draft", DRAFT), ("Cora Changes", CHANGES_REQUESTED),
                                 ("Albert Approved", APPROVED), ("Rex Rejected", REJECTED),
                                 ("Sid Suspended", SUSPENDED)]:
                make_profile(make_user(full_name=name), status=status)
        return oldest, changed, newest

    def test_service_lists_pending_revisions_oldest_first(self, app, waiting):
        with app.app_context():
            queued = vetting.queue()
            assert [revision.profile_id for revision in queued] == [p.id for p in waiting]
            assert {revision.status for revision in queued} == {PENDING}

    def test_page_lists_them_oldest_first_and_labels_changes(self, client, auth, admin,
                                                             waiting):
        auth.login(admin.email)
        response = client.get("/admin/vetting")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "3 profiles are waiting for review, the longest-waiting first." in page
        assert page.index("Olga Oldest") < page.index("Carl Changer") < page.index("Nora Newest")
        assert "Changes to a listed profile" in row_of(page, "Carl Changer")
        assert "A better headline" in row_of(page, "Carl Changer")
        assert "New profile" in row_of(page, "Olga Oldest")
        assert "New profile" in row_of(page, "Nora Newest")
        for name in ("Dora Draft", "Cora Changes", "Albert Approved", "Rex Rejected",
                     "Sid Suspended"):
            assert name not in page

    def test_links_to_the_profile(self, client, auth, admin, pending):
        auth.login(admin.email)
        page = client.get("/admin/vetting").get_data(as_text=True)
        assert f'href="/admin/vetting/{pending.id}"' in page
        assert "1 profile is waiting for review" in page

    @pytest.mark.parametrize("status", PROFILE_STATES)
    def test_status_filter_lists_the_profiles_in_that_state(self, app, client, auth, admin,
                                                            status):
        with app.app_context():
            for state in PROFILE_STATES:
                make_profile(make_user(full_name=f"Mentor {state.replace('_', ' ')}"),
                             status=state)
        auth.login(admin.email)
        response = client.get(f"/admin/vetting?status={status}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        for state in PROFILE_STATES:
            assert (f"Mentor {state.replace('_', ' ')}<" in page) == (state == status)

    @pytest.mark.parametrize("status", ["bogus", "superseded", "APPROVED"])
    def test_unknown_status_is_404(self, client, auth, admin, status):
        auth.login(admin.email)
        assert client.get(f"/admin/vetting?status={status}").status_code == 404

    def test_empty_states(self, client, auth, admin):
        auth.login(admin.email)
        assert "No profile is waiting for review." in client.get(
            "/admin/vetting").get_data(as_text=True)
        assert "No profile is in this state." in client.get(
            "/admin/vetting?status=rejected").get_data(as_text=True)

    def test_profile_page_shows_the_revision_and_the_declarations(self, app, client, auth,
                                                                  admin):
        with app.app_context():
            outsider = make_user(full_name="Ezra External", affiliation="external",
                                 company="Rival Corp")
            profile = make_profile(outsider, status=PENDING, content={
                "confidentiality": True, "conflicts": "I used to work for a competitor."})
        auth.login(admin.email)
        page = client.get(f"/admin/vetting/{profile.id}").get_data(as_text=True)
        assert "Version 1, waiting for review" in page
        assert "Rival Corp" in page and "I used to work for a competitor." in page
        assert "Declared" in page
        assert 'name="decision"' in page and 'name="notes"' in page

    def test_unknown_profile_is_404(self, client, auth, admin):
        auth.login(admin.email)
        assert client.get("/admin/vetting/9999").status_code == 404
        assert client.submit("/admin/vetting/9999", data={"decision": APPROVE}
                             ).status_code == 404


# Decisions: the service --------------------------------------------------------------

class TestDecideService:
    @pytest.mark.parametrize("months", [12, 3])
    def test_approve_publishes_the_revision(self, app_ctx, admin, pending, months):
        set_program(approval_months=months)
        before = utcnow()
        assert decide(pending.id, admin) == vetting.APPROVED_NOW
        profile = get_profile(pending.id)
        [revision] = revisions_of(pending.id)
        assert profile.status == APPROVED and profile.is_listed
        assert profile.published_revision_id == revision.id
        assert revision.status == APPROVED
        assert_recent(revision.decided_at, before)
        assert_recent(profile.approved_at, before)
        assert add_months(before, months) <= profile.approval_expires_at
        assert profile.approval_expires_at <= add_months(utcnow(), months)

    @pytest.mark.parametrize("decision, outcome", [(REQUEST_CHANGES, CHANGES_REQUESTED),
                                                   (REJECT, REJECTED)])
    def test_request_changes_and_reject_decide_at_once(self, app_ctx, admin, pending,
                                                       decision, outcome):
        assert decide(pending.id, admin, decision, notes=f"  {NOTES}  ") == outcome
        profile = get_profile(pending.id)
        [revision] = revisions_of(pending.id)
        assert profile.status == outcome and not profile.is_listed
        assert profile.published_revision_id is None
        assert revision.status == outcome
        [review] = reviews_of(pending.id)
        assert review.notes == NOTES

    @pytest.mark.parametrize("decision", [REQUEST_CHANGES, REJECT])
    @pytest.mark.parametrize("notes", ["", "   \n "])
    def test_request_changes_and_reject_need_notes(self, app_ctx, admin, pending, decision,
                                                   notes):
        with pytest.raises(vetting.VettingError,
                           match="Tell the mentor what to change or why"):
            decide(pending.id, admin, decision, notes=notes)
        assert get_profile(pending.id).status == PENDING
        assert reviews_of(pending.id) == []

    def test_approval_needs_no_notes_but_keeps_them(self, app_ctx, admin, pending):
        decide(pending.id, admin, APPROVE, notes="Great references.")
        assert reviews_of(pending.id)[0].notes == "Great references."

    def test_unknown_decision_is_refused(self, app_ctx, admin, pending):
        with pytest.raises(vetting.VettingError, match="Choose a decision."):
            decide(pending.id, admin, "publish")
        assert get_profile(pending.id).status == PENDING

    @pytest.mark.parametrize("status", [DRAFT, APPROVED, CHANGES_REQUESTED, REJECTED,
                                        SUSPENDED])
    def test_profile_not_waiting_for_review(self, app_ctx, admin, mentor, status):
        profile = make_profile(mentor, status=status)
        with pytest.raises(vetting.VettingError, match="not waiting for review any more"):
            decide(profile.id, admin, APPROVE)
        assert get_profile(profile.id).status == status
        assert reviews_of(profile.id) == []

    @pytest.mark.parametrize("decision", [APPROVE, REJECT])
    def test_admin_cannot_review_own_profile(self, app_ctx, admin, decision):
        own = make_profile(admin, status=PENDING)
        with pytest.raises(vetting.VettingError, match="You cannot review your own profile."):
            decide(own.id, admin, decision, notes=NOTES)
        assert get_profile(own.id).status == PENDING
        assert reviews_of(own.id) == []

    def test_same_admin_cannot_approve_the_same_revision_twice(self, app_ctx, admin,
                                                               other_admin, pending):
        set_program(required_approvals=2)
        assert decide(pending.id, admin) == vetting.APPROVAL_RECORDED
        with pytest.raises(vetting.VettingError, match="already reviewed this version"):
            decide(pending.id, admin)
        revision = pending_revision(pending.id)
        assert vetting.approvals_of(revision) == 1
        assert get_profile(pending.id).status == PENDING
        # The refused attempt left nothing behind: another admin still completes it.
        assert decide(pending.id, other_admin) == vetting.APPROVED_NOW
        assert get_profile(pending.id).status == APPROVED

    @pytest.mark.parametrize("required", [2, 3])
    def test_required_approvals_count_distinct_admins(self, app_ctx, pending, required):
        set_program(required_approvals=required)
        admins = [make_user(is_admin=True) for _ in range(required)]
        for given, reviewer in enumerate(admins[:-1], start=1):
            assert decide(pending.id, reviewer) == vetting.APPROVAL_RECORDED
            profile = get_profile(pending.id)
            assert profile.status == PENDING and profile.published_revision_id is None
            revision = pending_revision(pending.id)
            assert vetting.approvals_of(revision) == given
            assert vetting.remaining_approvals(revision) == required - given
        assert decide(pending.id, admins[-1]) == vetting.APPROVED_NOW
        assert get_profile(pending.id).status == APPROVED
        assert [review.reviewer_id for review in reviews_of(pending.id)] == [
            reviewer.id for reviewer in admins]

    def test_one_rejection_decides_even_after_approvals(self, app_ctx, admin, other_admin,
                                                        pending):
        set_program(required_approvals=2)
        decide(pending.id, admin)
        assert decide(pending.id, other_admin, REJECT, NOTES) == REJECTED
        assert get_profile(pending.id).status == REJECTED

    def test_a_change_to_the_settings_takes_effect_for_the_next_decision(
            self, app_ctx, admin, other_admin, mentor):
        first = make_profile(mentor, status=PENDING)
        second = make_profile(make_user(), status=PENDING)
        set_program(required_approvals=2)
        assert decide(first.id, admin) == vetting.APPROVAL_RECORDED

        set_program(required_approvals=1, approval_months=6)
        before = utcnow()
        assert decide(second.id, admin) == vetting.APPROVED_NOW
        assert get_profile(second.id).approval_expires_at >= add_months(before, 6)
        assert get_profile(second.id).approval_expires_at <= add_months(utcnow(), 6)
        # The profile that already had one approval is published by the next one.
        assert decide(first.id, other_admin) == vetting.APPROVED_NOW

        set_program(required_approvals=3)
        third = make_profile(make_user(), status=PENDING)
        assert decide(third.id, admin) == vetting.APPROVAL_RECORDED
        assert vetting.remaining_approvals(pending_revision(third.id)) == 2

    def test_reviews_are_recorded(self, app_ctx, admin, other_admin, pending):
        set_program(required_approvals=2)
        before = utcnow()
        decide(pending.id, admin, APPROVE, notes="Solid.")
        decide(pending.id, other_admin, REQUEST_CHANGES, notes=NOTES)
        reviews = reviews_of(pending.id)
        assert [(r.reviewer_id, r.decision, r.notes) for r in reviews] == [
            (admin.id, APPROVE, "Solid."), (other_admin.id, REQUEST_CHANGES, NOTES)]
        for review in reviews:
            assert_recent(review.created_at, before)

    def test_change_to_a_listed_profile_waits_and_the_listed_version_stays(
            self, app_ctx, admin, mentor, listed):
        edit_profile(mentor, headline_en="New and improved")
        profile = get_profile(listed.id)
        assert profile.status == APPROVED
        assert profile.published.headline_en == "Twenty years of enterprise deals"
        assert pending_revision(listed.id).headline_en == "New and improved"

        assert decide(listed.id, admin) == vetting.APPROVED_NOW
        profile = get_profile(listed.id)
        assert profile.status == APPROVED
        assert profile.published.number == 2
        assert profile.published.headline_en == "New and improved"
        assert [r.status for r in revisions_of(listed.id)] == [APPROVED, APPROVED]

    @pytest.mark.parametrize("decision, outcome", [(REQUEST_CHANGES, CHANGES_REQUESTED),
                                                   (REJECT, REJECTED)])
    def test_refused_change_leaves_the_listed_profile_as_it_was(self, app_ctx, admin,
                                                                mentor, listed, decision,
                                                                outcome):
        edit_profile(mentor, headline_en="Something dubious")
        assert decide(listed.id, admin, decision, NOTES) == outcome
        profile = get_profile(listed.id)
        assert profile.status == APPROVED and profile.is_listed
        assert profile.published.number == 1
        assert revisions_of(listed.id)[1].status == outcome

    def test_resubmitted_profile_can_be_approved_by_the_admin_who_asked_for_changes(
            self, app_ctx, admin, mentor, pending):
        """The usual loop with one admin: ask for changes, the mentor fixes them, the
        same admin approves the fixed version."""
        decide(pending.id, admin, REQUEST_CHANGES, NOTES)
        resubmit(mentor, bio_en="Now with my results of the last two years. " * 3)
        assert get_profile(pending.id).status == PENDING
        assert decide(pending.id, admin) == vetting.APPROVED_NOW
        assert get_profile(pending.id).status == APPROVED

    def test_approvals_of_an_earlier_version_do_not_count(self, app_ctx, admin, other_admin,
                                                          third_admin, mentor, pending):
        """With two approvals required, an approval given before the mentor changed the
        content must not count towards the changed content."""
        set_program(required_approvals=2)
        decide(pending.id, admin)                                   # approves version A
        decide(pending.id, other_admin, REQUEST_CHANGES, NOTES)
        resubmit(mentor, headline_en="Completely different content")
        assert decide(pending.id, third_admin) == vetting.APPROVAL_RECORDED
        assert get_profile(pending.id).status == PENDING


# Decisions: the pages ------------------------------------------------------------------

class TestDecideViews:
    def test_approve(self, app, client, auth, admin, pending):
        auth.login(admin.email)
        before = utcnow()
        response = client.submit(f"/admin/vetting/{pending.id}",
                                 data={"decision": APPROVE, "notes": ""})
        assert response.status_code == 302 and response.location == "/admin/vetting"
        assert flashed(client) == ["Maria Mentor's profile is approved and listed."]
        with app.app_context():
            profile = get_profile(pending.id)
            assert profile.status == APPROVED and profile.published is not None
            assert add_months(before, 12) <= profile.approval_expires_at
            [review] = reviews_of(pending.id)
            assert (review.reviewer_id, review.decision) == (admin.id, APPROVE)

    @pytest.mark.parametrize("decision, status, message, status_text", [
        (REQUEST_CHANGES, CHANGES_REQUESTED, "Maria Mentor has been asked for changes.",
         "Status: Changes requested"),
        (REJECT, REJECTED, "Maria Mentor's profile has been rejected.",
         "Your profile was not approved. The reasons are below."),
    ])
    def test_request_changes_and_reject_and_the_mentor_reads_the_notes(
            self, app, client, auth, admin, mentor, pending, decision, status, message,
            status_text):
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{pending.id}",
                                 data={"decision": decision, "notes": NOTES})
        assert response.status_code == 302 and response.location == "/admin/vetting"
        assert flashed(client) == [message]
        with app.app_context():
            assert get_profile(pending.id).status == status
            assert reviews_of(pending.id)[0].notes == NOTES

        page = login_client(app, mentor.email).get("/profile/mentor").get_data(as_text=True)
        assert status_text in page
        assert NOTES in page

    @pytest.mark.parametrize("decision", [REQUEST_CHANGES, REJECT])
    def test_notes_are_required_to_request_changes_or_reject(self, app, client, auth, admin,
                                                             pending, decision):
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{pending.id}",
                                 data={"decision": decision, "notes": "  "})
        assert response.status_code == 422
        notes = field_html(response.get_data(as_text=True), "notes")
        assert 'id="notes-error"' in notes
        assert "Tell the mentor what to change or why the profile is not approved." in notes
        with app.app_context():
            assert get_profile(pending.id).status == PENDING
            assert reviews_of(pending.id) == [] and profile_events() == []

    @pytest.mark.parametrize("data", [{"notes": "x"}, {"decision": "publish"}])
    def test_missing_or_unknown_decision(self, app, client, auth, admin, pending, data):
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{pending.id}", data=data)
        assert response.status_code == 422
        assert 'id="decision-error"' in response.get_data(as_text=True)
        with app.app_context():
            assert reviews_of(pending.id) == []

    def test_extra_fields_are_ignored(self, app, client, auth, admin, other_admin, pending):
        auth.login(admin.email)
        client.submit(f"/admin/vetting/{pending.id}", data={
            "decision": REQUEST_CHANGES, "notes": NOTES, "status": APPROVED,
            "reviewer_id": other_admin.id, "user_id": admin.id})
        with app.app_context():
            assert get_profile(pending.id).status == CHANGES_REQUESTED
            assert get_profile(pending.id).user_id != admin.id
            assert reviews_of(pending.id)[0].reviewer_id == admin.id

    @pytest.mark.parametrize("status", [DRAFT, APPROVED, REJECTED])
    def test_decision_on_a_profile_not_waiting_for_review(self, app, client, auth, admin,
                                                          mentor, status):
        with app.app_context():
            profile = make_profile(mentor, status=status)
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{profile.id}",
                                 data={"decision": APPROVE, "notes": ""})
        assert response.status_code == 302
        assert response.location == f"/admin/vetting/{profile.id}"
        assert flashed(client) == ["This profile is not waiting for review any more."]
        with app.app_context():
            after = get_profile(profile.id)
            assert after.status == status
            assert after.published_revision_id == profile.published_revision_id
            assert reviews_of(profile.id) == [] and profile_events() == []
        page = client.get(f"/admin/vetting/{profile.id}").get_data(as_text=True)
        assert 'name="decision"' not in page

    def test_own_profile_has_no_decision_form_and_cannot_be_decided(self, app, client, auth,
                                                                    admin):
        with app.app_context():
            own = make_profile(admin, status=PENDING)
        auth.login(admin.email)
        page = client.get(f"/admin/vetting/{own.id}").get_data(as_text=True)
        assert 'name="decision"' not in page
        assert "This is your own profile: another admin must review it." in page

        response = client.submit(f"/admin/vetting/{own.id}",
                                 data={"decision": APPROVE, "notes": ""})
        assert response.status_code == 302
        assert response.location == f"/admin/vetting/{own.id}"
        assert flashed(client) == ["You cannot review your own profile."]
        with app.app_context():
            assert get_profile(own.id).status == PENDING
            assert reviews_of(own.id) == [] and profile_events() == []

    def test_two_required_approvals(self, app, client, auth, admin, other_admin, pending):
        with app.app_context():
            set_program(required_approvals=2)
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{pending.id}", data={"decision": APPROVE})
        assert response.status_code == 302 and response.location == "/admin/vetting"
        assert flashed(client) == [
            "Your approval is recorded. The profile needs 1 more, from another admin."]
        with app.app_context():
            assert get_profile(pending.id).status == PENDING
        page = client.get(f"/admin/vetting/{pending.id}").get_data(as_text=True)
        assert "1 of 2 approvals" in page
        queue_row = row_of(client.get("/admin/vetting").get_data(as_text=True), "Maria Mentor")
        assert re.search(r"<td>1</td>\s*</tr>", queue_row)  # the approvals column

        client.submit(f"/admin/vetting/{pending.id}", data={"decision": APPROVE})
        assert flashed(client)[-1] == "You have already reviewed this version of the profile."
        with app.app_context():
            assert len(reviews_of(pending.id)) == 1

        switch_user(auth, other_admin.email)
        client.submit(f"/admin/vetting/{pending.id}", data={"decision": APPROVE})
        assert flashed(client)[-1] == "Maria Mentor's profile is approved and listed."
        with app.app_context():
            assert get_profile(pending.id).status == APPROVED

    def test_three_required_approvals(self, app, client, auth, admin, other_admin,
                                      third_admin, pending):
        with app.app_context():
            set_program(required_approvals=3)
        auth.login(admin.email)
        client.submit(f"/admin/vetting/{pending.id}", data={"decision": APPROVE})
        assert flashed(client) == [
            "Your approval is recorded. The profile needs 2 more, from other admins."]
        switch_user(auth, other_admin.email)
        client.submit(f"/admin/vetting/{pending.id}", data={"decision": APPROVE})
        assert flashed(client)[-1] == (
            "Your approval is recorded. The profile needs 1 more, from another admin.")
        with app.app_context():
            assert get_profile(pending.id).status == PENDING
        switch_user(auth, third_admin.email)
        client.submit(f"/admin/vetting/{pending.id}", data={"decision": APPROVE})
        assert flashed(client)[-1] == "Maria Mentor's profile is approved and listed."
        with app.app_context():
            assert get_profile(pending.id).status == APPROVED

    def test_settings_saved_on_the_page_apply_to_the_next_decision(self, app, client, auth,
                                                                   admin, other_admin,
                                                                   pending):
        auth.login(admin.email)
        client.submit("/admin/settings", data=settings_form(required_approvals=2))
        client.submit(f"/admin/vetting/{pending.id}", data={"decision": APPROVE})
        assert "needs 1 more" in flashed(client)[-1]
        with app.app_context():
            assert get_profile(pending.id).status == PENDING

    def test_history_shows_every_review(self, app, client, auth, admin, other_admin, mentor,
                                        pending):
        with app.app_context():
            decide(pending.id, admin, REQUEST_CHANGES, NOTES)
            resubmit(mentor, bio_en="Results of the last two years, year by year. " * 3)
            decide(pending.id, other_admin, APPROVE, "Thanks for the update.")
            edit_profile(mentor, headline_en="I also coach on pricing")
            decide(pending.id, admin, REJECT, "Pricing is not one of your areas.")
        auth.login(admin.email)
        page = client.get(f"/admin/vetting/{pending.id}").get_data(as_text=True)
        history = page[page.index("History"):]
        # Every version sent is reviewed on its own: the fix is version 2, the later
        # change version 3.
        version_3 = history[history.index("Version 3"):history.index("Version 2")]
        version_2 = history[history.index("Version 2"):history.index("Version 1")]
        version_1 = history[history.index("Version 1"):]
        asked, approved, rejected = (labels(app, decision_label, decision)
                                     for decision in (REQUEST_CHANGES, APPROVE, REJECT))
        assert labels(app, version_status, REJECTED) in version_3
        assert f"{rejected} · Ada Admin" in version_3
        assert "Pricing is not one of your areas." in version_3
        assert f"{approved} · Bruno Admin" in version_2
        assert "Thanks for the update." in version_2
        assert f"{asked} · Ada Admin" in version_1 and NOTES in version_1


# The audit log -------------------------------------------------------------------------

class TestAudit:
    @pytest.mark.parametrize("decision, required, action", [
        (APPROVE, 1, "profile.approved"),
        (APPROVE, 2, "profile.approval_recorded"),
        (REQUEST_CHANGES, 1, "profile.changes_requested"),
        (REJECT, 1, "profile.rejected"),
    ])
    def test_every_decision_is_audited(self, app, client, auth, admin, mentor, pending,
                                       decision, required, action):
        with app.app_context():
            set_program(required_approvals=required)
        auth.login(admin.email)
        before = utcnow()
        client.submit(f"/admin/vetting/{pending.id}",
                      data={"decision": decision, "notes": NOTES})
        with app.app_context():
            [event] = profile_events()
            assert event.action == action
            assert (event.actor_id, event.subject_id, event.ip) == (
                admin.id, mentor.id, "127.0.0.1")
            assert event.details["profile_id"] == pending.id
            assert_recent(event.created_at, before)

    def test_suspension_and_reinstatement_are_audited(self, app, client, auth, admin,
                                                      mentor, listed):
        auth.login(admin.email)
        before = utcnow()
        client.submit(f"/admin/vetting/{listed.id}/suspend", data={"reason": "Complaints."})
        client.submit(f"/admin/vetting/{listed.id}/reinstate")
        with app.app_context():
            suspended, reinstated = profile_events()
            assert suspended.action == "profile.suspended"
            assert suspended.details == {"profile_id": listed.id, "reason": "Complaints.",
                                         "requests_expired": 0}
            assert reinstated.action == "profile.reinstated"
            for event in (suspended, reinstated):
                assert (event.actor_id, event.subject_id, event.ip) == (
                    admin.id, mentor.id, "127.0.0.1")
                assert_recent(event.created_at, before)

    def test_service_calls_are_audited_without_an_ip(self, app_ctx, admin, mentor, pending):
        decide(pending.id, admin)
        [event] = profile_events()
        assert (event.action, event.actor_id, event.subject_id, event.ip) == (
            "profile.approved", admin.id, mentor.id, None)


# Suspension ----------------------------------------------------------------------------

class TestSuspend:
    def test_suspend_unlists_and_reinstate_lists_again(self, app, client, auth, admin, user,
                                                       listed):
        mentee = login_client(app, user.email)
        assert mentee.get(f"/mentors/{listed.id}").status_code == 200
        auth.login(admin.email)

        before = utcnow()
        response = client.submit(f"/admin/vetting/{listed.id}/suspend",
                                 data={"reason": "  Several complaints.  "})
        assert response.status_code == 302
        assert response.location == f"/admin/vetting/{listed.id}"
        assert flashed(client) == ["The profile is suspended and no longer listed."]
        with app.app_context():
            profile = get_profile(listed.id)
            assert profile.status == SUSPENDED and not profile.is_listed
            assert profile.suspension_reason == "Several complaints."
            assert_recent(profile.suspended_at, before)
        assert mentee.get(f"/mentors/{listed.id}").status_code == 404
        page = client.get(f"/admin/vetting/{listed.id}").get_data(as_text=True)
        assert "Several complaints." in page and "Lift the suspension" in page

        response = client.submit(f"/admin/vetting/{listed.id}/reinstate")
        assert response.status_code == 302
        assert response.location == f"/admin/vetting/{listed.id}"
        assert flashed(client)[-1] == "The suspension is lifted."
        with app.app_context():
            profile = get_profile(listed.id)
            assert profile.status == APPROVED
            assert profile.suspended_at is None and profile.suspension_reason is None
        assert mentee.get(f"/mentors/{listed.id}").status_code == 200

    def test_reason_is_required(self, app, client, auth, admin, listed):
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{listed.id}/suspend", data={"reason": " "})
        assert response.status_code == 422
        assert 'id="reason-error"' in field_html(response.get_data(as_text=True), "reason")
        with app.app_context():
            assert get_profile(listed.id).status == APPROVED
            assert profile_events() == []

    def test_service_requires_a_reason(self, app_ctx, admin, listed):
        with pytest.raises(vetting.VettingError, match="Give the reason for the suspension."):
            vetting.suspend(get_profile(listed.id), actor=admin, reason="  ")

    @pytest.mark.parametrize("status", [DRAFT, PENDING, CHANGES_REQUESTED, REJECTED,
                                        SUSPENDED])
    def test_only_a_listed_profile_can_be_suspended(self, app, client, auth, admin, mentor,
                                                    status):
        with app.app_context():
            profile = make_profile(mentor, status=status)
            with pytest.raises(vetting.VettingError, match="Only a listed profile"):
                vetting.suspend(get_profile(profile.id), actor=admin, reason="Because.")
            db.session.rollback()
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{profile.id}/suspend",
                                 data={"reason": "Because."})
        assert response.status_code == 302
        assert flashed(client) == ["Only a listed profile can be suspended."]
        with app.app_context():
            assert get_profile(profile.id).status == status
            assert profile_events() == []

    def test_reinstating_a_profile_that_is_not_suspended(self, app, client, auth, admin,
                                                         listed):
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{listed.id}/reinstate")
        assert response.status_code == 302
        assert flashed(client) == ["This profile is not suspended."]
        with app.app_context():
            assert get_profile(listed.id).status == APPROVED
            assert profile_events() == []

    def test_reinstating_after_the_approval_expired_sends_it_back_to_review(
            self, app_ctx, admin, user, mentor):
        profile = make_profile(mentor, status=SUSPENDED)
        set_expiry(profile.id, utcnow() - timedelta(days=1))
        vetting.reinstate(get_profile(profile.id), actor=admin)
        db.session.commit()
        profile = get_profile(profile.id)
        assert profile.status == PENDING and not profile.is_listed
        assert profile.suspension_reason is None
        copy = pending_revision(profile.id)
        assert copy.number == 2 and copy.headline_en == profile.published.headline_en
        assert mentor_queries.visible_profile(db.session.get(User, user.id), profile.id) is None

    def test_approving_a_change_of_a_suspended_profile_keeps_it_suspended(
            self, app_ctx, admin, mentor):
        profile = make_profile(mentor, status=SUSPENDED)
        edit_profile(mentor, headline_en="Changed while suspended")
        assert get_profile(profile.id).status == SUSPENDED
        assert decide(profile.id, admin) == vetting.APPROVED_NOW
        profile = get_profile(profile.id)
        assert profile.status == SUSPENDED and not profile.is_listed
        assert profile.published.headline_en == "Changed while suspended"


# Expiry of approvals -------------------------------------------------------------------

class TestExpiry:
    @pytest.fixture
    def profiles(self, app_ctx, mentor):
        """Approved a year ago (due), approved recently (not due), suspended and
        pending ones (never touched by expiry)."""
        now = utcnow()
        due = make_profile(mentor, status=APPROVED, content={"headline_en": "Due now"})
        fresh = make_profile(make_user(), status=APPROVED)
        suspended = make_profile(make_user(), status=SUSPENDED)
        waiting = make_profile(make_user(), status=PENDING)
        set_expiry(due.id, now - timedelta(minutes=1))
        set_expiry(fresh.id, now + timedelta(days=30))
        set_expiry(suspended.id, now - timedelta(days=1))
        return due, fresh, suspended, waiting

    def test_expired_approvals_go_back_to_review(self, app_ctx, user, profiles):
        due, fresh, suspended, waiting = profiles
        before = utcnow()
        assert vetting.expire_approvals(now=utcnow()) == 1
        db.session.commit()

        profile = get_profile(due.id)
        assert profile.status == PENDING and not profile.is_listed
        assert mentor_queries.visible_profile(db.session.get(User, user.id), due.id) is None
        published, copy = revisions_of(due.id)
        assert copy.status == PENDING and copy.number == 2
        assert_recent(copy.submitted_at, before)
        for name in mentors.VETTED_FIELDS:
            assert getattr(copy, name) == getattr(published, name)
        assert [a.id for a in copy.areas] == [a.id for a in published.areas]
        assert copy.headline_en == "Due now"
        assert copy.id in [revision.id for revision in vetting.queue()]

        for other, status in [(fresh, APPROVED), (suspended, SUSPENDED), (waiting, PENDING)]:
            assert get_profile(other.id).status == status
            assert len(revisions_of(other.id)) == 1
        [event] = events("profile.approval_expired")
        assert event.subject_id == due.user_id and event.details == {"profile_id": due.id}

    def test_is_idempotent(self, app_ctx, profiles):
        assert vetting.expire_approvals(now=utcnow()) == 1
        db.session.commit()
        assert vetting.expire_approvals(now=utcnow()) == 0
        db.session.commit()
        due = profiles[0]
        assert len(revisions_of(due.id)) == 2

    def test_the_moment_is_a_parameter(self, app_ctx, profiles):
        due, fresh, _suspended, _waiting = profiles
        assert vetting.expire_approvals(now=utcnow() - timedelta(hours=1)) == 0
        assert vetting.expire_approvals(now=utcnow() + timedelta(days=31)) == 2
        assert get_profile(fresh.id).status == PENDING

    def test_a_change_waiting_for_review_is_kept_rather_than_copied(self, app_ctx, mentor,
                                                                    listed):
        edit_profile(mentor, headline_en="Waiting change")
        set_expiry(listed.id, utcnow() - timedelta(days=1))
        assert vetting.expire_approvals() == 1
        db.session.commit()
        assert get_profile(listed.id).status == PENDING
        assert [r.status for r in revisions_of(listed.id)] == [APPROVED, PENDING]
        assert pending_revision(listed.id).headline_en == "Waiting change"

    def test_a_change_sent_back_for_changes_does_not_go_back_to_review_instead(
            self, app_ctx, admin, other_admin, mentor, listed):
        """An admin asked for changes on Maria's edit; her approval then runs out. What
        goes back to review is the listed content, not the edit that was sent back."""
        edit_profile(mentor, headline_en="Dubious change")
        decide(listed.id, admin, REQUEST_CHANGES, NOTES)
        set_expiry(listed.id, utcnow() - timedelta(days=1))
        assert vetting.expire_approvals() == 1
        db.session.commit()
        assert pending_revision(listed.id).headline_en == "Twenty years of enterprise deals"
        decide(listed.id, other_admin)
        assert get_profile(listed.id).published.headline_en == (
            "Twenty years of enterprise deals")

    def test_re_approval_lists_the_profile_for_another_period(self, app_ctx, admin, profiles):
        due = profiles[0]
        vetting.expire_approvals()
        db.session.commit()
        before = utcnow()
        assert decide(due.id, admin) == vetting.APPROVED_NOW
        profile = get_profile(due.id)
        assert profile.status == APPROVED and profile.published.number == 2
        assert profile.approval_expires_at >= add_months(before, 12)

    def test_command(self, app, runner, user, mentor, listed):
        mentee = login_client(app, user.email)
        assert mentee.get(f"/mentors/{listed.id}").status_code == 200
        with app.app_context():
            set_expiry(listed.id, utcnow() - timedelta(seconds=1))
        result = runner.invoke(args=["expire-profiles"])
        assert result.exit_code == 0, result.output
        assert "1 profile(s) sent back to review." in result.output
        with app.app_context():
            assert get_profile(listed.id).status == PENDING
            assert pending_revision(listed.id) is not None
        assert mentee.get(f"/mentors/{listed.id}").status_code == 404
        result = runner.invoke(args=["expire-profiles"])
        assert "0 profile(s) sent back to review." in result.output


# Only admins -----------------------------------------------------------------------------

ADMIN_ONLY = [
    ("get", "/admin/vetting", None),
    ("get", "/admin/vetting?status=approved", None),
    ("get", "/admin/vetting/{pending}", None),
    ("post", "/admin/vetting/{pending}", {"decision": APPROVE}),
    ("post", "/admin/vetting/{pending}", {"decision": REJECT, "notes": "No."}),
    ("post", "/admin/vetting/{listed}/suspend", {"reason": "Complaints."}),
    ("post", "/admin/vetting/{suspended}/reinstate", {}),
    ("get", "/admin/areas", None),
    ("post", "/admin/areas", {"name_en": "Hacking", "name_it": "Pirateria"}),
    ("post", "/admin/areas/{area}", {"name_en": "Hacked", "name_it": "Violata"}),
    ("post", "/admin/areas/{area}/retire", {}),
    ("post", "/admin/areas/{retired_area}/restore", {}),
    ("get", "/admin/settings", None),
    ("post", "/admin/settings", {"required_approvals": 3, "approval_months": 1}),
    ("post", "/admin/users/{mentee}/grant-admin", {}),
    ("post", "/admin/users/{admin}/revoke-admin", {}),
]


class TestOnlyAdmins:
    @pytest.fixture
    def world(self, app, user, admin, mentor):
        with app.app_context():
            area = make_area("Prospecting", "Ricerca di nuovi clienti")
            return {
                "pending": make_profile(mentor, status=PENDING).id,
                "listed": make_profile(make_user(), status=APPROVED).id,
                "suspended": make_profile(make_user(), status=SUSPENDED).id,
                "area": area.id,
                "retired_area": make_area(retired=True).id,
                "mentee": user.id,
                "admin": admin.id,
            }

    def snapshot(self):
        return {
            "profiles": db.session.execute(select(MentorProfile.id, MentorProfile.status)
                                           .order_by(MentorProfile.id)).all(),
            "reviews": db.session.scalar(select(func.count(ProfileReview.id))),
            "areas": db.session.execute(select(FocusArea.id, FocusArea.name_en,
                                               FocusArea.retired_at)
                                        .order_by(FocusArea.id)).all(),
            "settings": db.session.execute(select(ProgramSettings.required_approvals,
                                                  ProgramSettings.approval_months)).all(),
            "admins": db.session.execute(select(User.id).where(User.is_admin)).all(),
        }

    @pytest.mark.parametrize("method, url, data", ADMIN_ONLY)
    @pytest.mark.parametrize("who", ["mentee", "mentor"])
    def test_non_admins_get_403_and_nothing_changes(self, app, client, auth, user, mentor,
                                                    world, method, url, data, who):
        with app.app_context():
            before = self.snapshot()
        auth.login({"mentee": user.email, "mentor": mentor.email}[who])
        url = url.format(**world)
        response = client.get(url) if method == "get" else client.submit(url, data=data)
        assert response.status_code == 403
        with app.app_context():
            assert self.snapshot() == before
            assert profile_events() == []

    @pytest.mark.parametrize("method, url, data", ADMIN_ONLY)
    def test_anonymous_visitors_are_sent_to_log_in(self, app, client, world, method, url,
                                                   data):
        url = url.format(**world)
        response = client.get(url) if method == "get" else client.submit(url, data=data)
        assert response.status_code == 302
        assert response.location.startswith("/auth/login")


# Admin users -----------------------------------------------------------------------------

class TestAdminUsers:
    def test_grant_and_revoke_admin(self, app, client, auth, admin, user):
        rita = login_client(app, user.email)
        assert rita.get("/admin/vetting").status_code == 403
        auth.login(admin.email)

        response = client.submit(f"/admin/users/{user.id}/grant-admin")
        assert response.status_code == 302 and response.location == "/admin/users"
        assert flashed(client) == ["Rita Rep is now an admin."]
        with app.app_context():
            assert db.session.get(User, user.id).is_admin
            [event] = events("user.admin_granted")
            assert (event.actor_id, event.subject_id, event.ip) == (admin.id, user.id,
                                                                    "127.0.0.1")
        assert rita.get("/admin/vetting").status_code == 200

        response = client.submit(f"/admin/users/{user.id}/revoke-admin?q=rita")
        assert response.status_code == 302 and response.location == "/admin/users?q=rita"
        assert flashed(client)[-1] == "Rita Rep is no longer an admin."
        with app.app_context():
            assert not db.session.get(User, user.id).is_admin
            [event] = events("user.admin_revoked")
            assert (event.actor_id, event.subject_id, event.ip) == (admin.id, user.id,
                                                                    "127.0.0.1")
        assert rita.get("/admin/vetting").status_code == 403

    @pytest.mark.parametrize("action, target, message", [
        ("grant-admin", "admin", "Ada Admin is already an admin."),
        ("grant-admin", "other_admin", "Bruno Admin is already an admin."),
        ("revoke-admin", "admin", "You cannot remove your own admin rights."),
        ("revoke-admin", "user", "Rita Rep is not an admin."),
        ("grant-admin", "inactive", "Reactivate Ivan Inactive first."),
    ])
    def test_refused_changes(self, app, client, auth, admin, other_admin, user, action,
                             target, message):
        with app.app_context():
            inactive = make_user(full_name="Ivan Inactive", active=False)
        people = {"admin": admin, "other_admin": other_admin, "user": user,
                  "inactive": inactive}
        auth.login(admin.email)
        response = client.submit(f"/admin/users/{people[target].id}/{action}")
        assert response.status_code == 302 and response.location == "/admin/users"
        assert flashed(client) == [message]
        with app.app_context():
            assert db.session.get(User, people[target].id).is_admin == people[target].is_admin
            assert events("user.admin_granted") == events("user.admin_revoked") == []

    def test_unknown_user_is_404(self, client, auth, admin):
        auth.login(admin.email)
        assert client.submit("/admin/users/9999/grant-admin").status_code == 404
        assert client.submit("/admin/users/9999/revoke-admin").status_code == 404


# Focus areas -----------------------------------------------------------------------------

class TestAreas:
    @pytest.fixture
    def negotiation(self, app):
        with app.app_context():
            return make_area("Negotiation", "Negoziazione")

    def test_add(self, app, client, auth, admin, user):
        auth.login(admin.email)
        response = client.submit("/admin/areas", data={"name_en": "  Pricing ",
                                                       "name_it": " Prezzi "})
        assert response.status_code == 302 and response.location == "/admin/areas"
        assert flashed(client) == ["The area has been added."]
        with app.app_context():
            area = db.session.scalar(select(FocusArea))
            assert (area.name_en, area.name_it, area.is_retired) == ("Pricing", "Prezzi",
                                                                     False)
            [event] = events("area.added")
            assert (event.actor_id, event.ip) == (admin.id, "127.0.0.1")
            assert event.details == {"area_id": area.id, "name_en": "Pricing",
                                     "name_it": "Prezzi"}
        assert "Pricing" in client.get("/admin/areas").get_data(as_text=True)
        assert "Pricing" in login_client(app, user.email).get(
            "/profile/mentor").get_data(as_text=True)

    @pytest.mark.parametrize("data, missing", [
        ({"name_en": "Pricing", "name_it": ""}, "name_it"),
        ({"name_en": " ", "name_it": "Prezzi"}, "name_en"),
        ({"name_it": "Prezzi"}, "name_en"),
    ])
    def test_add_needs_both_names(self, app, client, auth, admin, data, missing):
        auth.login(admin.email)
        response = client.submit("/admin/areas", data=data)
        assert response.status_code == 422
        field = field_html(response.get_data(as_text=True), missing)
        language = {"name_en": "English", "name_it": "Italian"}[missing]
        assert f'id="{missing}-error"' in field
        assert f"Enter the name of the area in {language}." in field
        with app.app_context():
            assert db.session.scalar(select(func.count(FocusArea.id))) == 0
            assert events("area.added") == []

    @pytest.mark.parametrize("name_en, name_it", [
        ("Negotiation", "Altro"),
        ("NEGOTIATION", "Altro"),
        ("  negotiation ", "Altro"),
        ("Something else", "negoziazione"),
    ])
    def test_duplicates_are_refused_whatever_the_case(self, app, client, auth, admin,
                                                      negotiation, name_en, name_it):
        auth.login(admin.email)
        response = client.submit("/admin/areas", data={"name_en": name_en,
                                                       "name_it": name_it})
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 422)
        assert "There is already an area with this name." in page
        assert name_it in page  # the input is kept
        with app.app_context():
            assert db.session.scalar(select(func.count(FocusArea.id))) == 1
            assert events("area.added") == []

    @pytest.mark.parametrize("existing, new", [
        (("Quality", "QUALITÀ"), ("Quality management", "qualità")),
        (("ÉTUDES", "Studi"), ("études", "Altri studi")),
    ])
    def test_duplicates_with_accented_capitals_are_refused(self, app_ctx, admin, existing,
                                                           new):
        """Italian names have accented letters; "case-insensitive" must cover them on
        every database (SQLite's lower() folds only ASCII letters)."""
        make_area(*existing)
        with pytest.raises(program.ProgramError, match="already an area with this name"):
            program.add_area(actor=admin, name_en=new[0], name_it=new[1])

    def test_rename(self, app, client, auth, admin, negotiation):
        auth.login(admin.email)
        response = client.submit(f"/admin/areas/{negotiation.id}",
                                 data={"name_en": "Negotiating", "name_it": "Trattativa"})
        assert response.status_code == 302 and response.location == "/admin/areas"
        assert flashed(client) == ["The area has been renamed."]
        with app.app_context():
            area = db.session.get(FocusArea, negotiation.id)
            assert (area.name_en, area.name_it) == ("Negotiating", "Trattativa")
            [event] = events("area.renamed")
            assert (event.actor_id, event.ip) == (admin.id, "127.0.0.1")
            assert event.details == {"area_id": negotiation.id,
                                     "old": ["Negotiation", "Negoziazione"],
                                     "new": ["Negotiating", "Trattativa"]}

    def test_rename_may_change_the_case_of_its_own_name(self, app, client, auth, admin,
                                                        negotiation):
        auth.login(admin.email)
        client.submit(f"/admin/areas/{negotiation.id}",
                      data={"name_en": "NEGOTIATION", "name_it": "Negoziazione"})
        assert flashed(client) == ["The area has been renamed."]
        with app.app_context():
            assert db.session.get(FocusArea, negotiation.id).name_en == "NEGOTIATION"

    @pytest.mark.parametrize("data, message", [
        ({"name_en": "closing", "name_it": "Trattativa"},
         "There is already an area with this name."),
        ({"name_en": "Negotiating", "name_it": ""},
         "Give the area a name in both languages."),
    ])
    def test_rename_refused(self, app, client, auth, admin, negotiation, data, message):
        with app.app_context():
            make_area("Closing", "Chiusura")
        auth.login(admin.email)
        response = client.submit(f"/admin/areas/{negotiation.id}", data=data)
        assert response.status_code == 302 and response.location == "/admin/areas"
        assert flashed(client) == [message]
        with app.app_context():
            area = db.session.get(FocusArea, negotiation.id)
            assert (area.name_en, area.name_it) == ("Negotiation", "Negoziazione")
            assert events("area.renamed") == []

    def test_retire_and_restore(self, app, client, auth, admin, user, mentor, negotiation):
        with app.app_context():
            profile = make_profile(mentor, status=APPROVED, areas=[negotiation])
        newcomer = login_client(app, user.email)
        maria = login_client(app, mentor.email)
        auth.login(admin.email)

        response = client.submit(f"/admin/areas/{negotiation.id}/retire")
        assert response.status_code == 302 and response.location == "/admin/areas"
        assert flashed(client) == ["The area is retired: it is no longer offered, and "
                                   "stays on the profiles that have it."]
        with app.app_context():
            assert db.session.get(FocusArea, negotiation.id).is_retired
            [event] = events("area.retired")
            assert (event.actor_id, event.ip, event.details) == (
                admin.id, "127.0.0.1", {"area_id": negotiation.id})
        assert "Negotiation" not in newcomer.get("/profile/mentor").get_data(as_text=True)
        assert "Negotiation" in newcomer.get(f"/mentors/{profile.id}").get_data(as_text=True)
        own_form = maria.get("/profile/mentor").get_data(as_text=True)
        assert re.search(rf'<input[^>]*checked[^>]*value="{negotiation.id}"|'
                         rf'<input[^>]*value="{negotiation.id}"[^>]*checked', own_form)
        assert "Negotiation (retired)" in client.get(
            f"/admin/vetting/{profile.id}").get_data(as_text=True)

        response = client.submit(f"/admin/areas/{negotiation.id}/restore")
        assert response.status_code == 302 and response.location == "/admin/areas"
        assert flashed(client)[-1] == "The area is offered again."
        with app.app_context():
            assert not db.session.get(FocusArea, negotiation.id).is_retired
            [event] = events("area.restored")
            assert (event.actor_id, event.ip) == (admin.id, "127.0.0.1")
        assert "Negotiation" in newcomer.get("/profile/mentor").get_data(as_text=True)

    @pytest.mark.parametrize("action, retired, message", [
        ("retire", True, "This area is already retired."),
        ("restore", False, "This area is not retired."),
    ])
    def test_retire_or_restore_twice(self, app, client, auth, admin, action, retired,
                                     message):
        with app.app_context():
            area = make_area(retired=retired)
        auth.login(admin.email)
        response = client.submit(f"/admin/areas/{area.id}/{action}")
        assert response.status_code == 302
        assert flashed(client) == [message]
        with app.app_context():
            assert db.session.get(FocusArea, area.id).retired_at == area.retired_at
            assert [event for event in events() if event.action.startswith("area.")] == []

    def test_unknown_area_is_404(self, client, auth, admin):
        auth.login(admin.email)
        assert client.submit("/admin/areas/9999/retire").status_code == 404
        assert client.submit("/admin/areas/9999", data={"name_en": "A", "name_it": "B"}
                             ).status_code == 404


# Program settings ----------------------------------------------------------------------

class TestSettings:
    def test_shows_the_current_values(self, app, client, auth, admin):
        auth.login(admin.email)
        page = client.get("/admin/settings").get_data(as_text=True)
        assert (input_value(page, "required_approvals"),
                input_value(page, "approval_months")) == ("1", "12")
        with app.app_context():
            set_program(required_approvals=3, approval_months=24)
        page = client.get("/admin/settings").get_data(as_text=True)
        assert (input_value(page, "required_approvals"),
                input_value(page, "approval_months")) == ("3", "24")

    def test_save(self, app, client, auth, admin, other_admin):
        auth.login(admin.email)
        response = client.submit("/admin/settings",
                                 data=settings_form(required_approvals=2, approval_months=6))
        assert response.status_code == 302 and response.location == "/admin/settings"
        assert flashed(client) == ["The settings have been saved."]
        with app.app_context():
            current = db.session.get(ProgramSettings, 1)
            assert (current.required_approvals, current.approval_months) == (2, 6)
            [event] = events("settings.updated")
            assert (event.actor_id, event.ip) == (admin.id, "127.0.0.1")
            assert event.details == {"changes": {"required_approvals": [1, 2],
                                                 "approval_months": [12, 6]}}

        client.submit("/admin/settings",
                      data=settings_form(required_approvals=2, approval_months=6))
        assert flashed(client)[-1] == "Nothing has changed."
        with app.app_context():
            assert len(events("settings.updated")) == 1

    @pytest.mark.parametrize("required, months", [(1, 1), (3, 36)])
    def test_limits_are_accepted(self, app, client, auth, admin, required, months):
        with app.app_context():
            for number in range(2):
                make_user(email=f"admin{number}@example.com", is_admin=True)
        auth.login(admin.email)
        response = client.submit("/admin/settings", data=settings_form(
            required_approvals=required, approval_months=months))
        assert response.status_code == 302
        with app.app_context():
            current = db.session.get(ProgramSettings, 1)
            assert (current.required_approvals, current.approval_months) == (required,
                                                                             months)

    @pytest.mark.parametrize("field, value", [
        ("required_approvals", "0"),
        ("required_approvals", "4"),
        ("required_approvals", "two"),
        ("required_approvals", ""),
        ("approval_months", "0"),
        ("approval_months", "37"),
        ("approval_months", "-12"),
        ("approval_months", "1.5"),
        ("max_open_requests", "0"),
        ("max_open_requests", "11"),
        ("request_expiry_days", "0"),
        ("request_expiry_days", "91"),
        ("default_duration_months", "2"),
        ("default_duration_months", "13"),
    ])
    def test_out_of_range_values_are_refused(self, app, client, auth, admin, field, value):
        auth.login(admin.email)
        data = {**settings_form(required_approvals=2, approval_months=6), field: value}
        response = client.submit("/admin/settings", data=data)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in field_html(page, field)
        for other in settings_form().keys() - {field}:
            assert "-error" not in field_html(page, other)
        with app.app_context():
            current = program.settings()
            assert (current.required_approvals, current.approval_months) == (1, 12)
            assert events("settings.updated") == []

    def test_service_reports_only_the_changes(self, app_ctx, admin):
        changes = program.update_settings(actor=admin, required_approvals=1,
                                          approval_months=18)
        assert changes == {"approval_months": [12, 18]}
        [event] = events("settings.updated")
        assert event.details == {"changes": {"approval_months": [12, 18]}}
        assert event.actor_id == admin.id


class TestApprovalsAndAdmins:
    """The number of approvals asked for must stay within reach of the admins."""

    def test_more_approvals_than_admins_are_refused(self, app, client, auth, admin):
        auth.login(admin.email)
        response = client.submit("/admin/settings", data=settings_form(required_approvals=2))
        assert response.status_code == 409  # a rule's refusal, as every form's
        assert ("There is only 1 active admin, so profiles cannot need more approvals."
                in response.get_data(as_text=True))
        with app.app_context():
            assert program.settings().required_approvals == 1

    def test_lowering_the_number_publishes_versions_already_approved_enough(
            self, app, client, auth, admin, other_admin, pending):
        with app.app_context():
            set_program(required_approvals=2)
            decide(pending.id, admin, APPROVE)
            assert get_profile(pending.id).status == PENDING
        auth.login(admin.email)
        client.submit("/admin/settings", data=settings_form(required_approvals=1))
        with app.app_context():
            profile = get_profile(pending.id)
            assert profile.status == APPROVED and profile.published is not None
            assert events("profile.approved")[0].details["reason"] == (
                "fewer approvals required")

    def test_a_resubmitted_version_is_new_for_every_admin(self, app, admin, mentor, pending):
        with app.app_context():
            decide(pending.id, admin, REQUEST_CHANGES, NOTES)
            resubmit(mentor, bio_en="Results of the last two years, year by year. " * 3)
            assert decide(pending.id, admin, APPROVE) == vetting.APPROVED_NOW
