"""Admin user management."""

from marketplace.accounts.models import User
from marketplace.core.audit import AuditEvent
from marketplace.extensions import db

from .factories import make_user
from .helpers import flashed


def test_list_search_and_paginate(app, client, auth, admin):
    with app.app_context():
        for number in range(30):
            make_user(email=f"person{number:02d}@example.com", full_name=f"Person {number:02d}")
        make_user(email="zed@example.com", full_name="Zoë 100%_Special")
    auth.login(admin.email)

    first = client.get("/admin/users").get_data(as_text=True)
    assert "32 users" in first
    assert "Page 1 of 2" in first and 'href="/admin/users?page=2"' in first

    found = client.get("/admin/users?q=zoë").get_data(as_text=True)
    assert "zed@example.com" in found and "person01@example.com" not in found
    # LIKE wildcards in the query are taken literally.
    assert "1 user" in client.get("/admin/users?q=100%25_").get_data(as_text=True)
    assert "No user matches your search." in client.get(
        "/admin/users?q=nobody-at-all").get_data(as_text=True)


def test_deactivate_and_reactivate(app, client, auth, admin, user):
    auth.login(admin.email)
    response = client.submit(f"/admin/users/{user.id}/deactivate?q=rita")
    assert response.status_code == 302 and response.location == "/admin/users?q=rita"
    assert flashed(client) == ["Rita Rep has been deactivated and logged out."]
    with app.app_context():
        assert not db.session.get(User, user.id).active
        event = db.session.query(AuditEvent).filter_by(action="user.deactivated").one()
        assert (event.actor_id, event.subject_id, event.ip) == (admin.id, user.id, "127.0.0.1")

    client.submit(f"/admin/users/{user.id}/reactivate")
    assert flashed(client)[-1] == "Rita Rep can log in again."
    with app.app_context():
        assert db.session.get(User, user.id).active


def test_state_errors_are_flashed(app, client, auth, admin, user):
    auth.login(admin.email)
    client.submit(f"/admin/users/{user.id}/reactivate")
    assert flashed(client)[-1] == "Rita Rep is already active."
    client.submit(f"/admin/users/{admin.id}/deactivate")
    assert flashed(client)[-1] == "You cannot deactivate your own account."
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_unknown_user_is_404(client, auth, admin):
    auth.login(admin.email)
    assert client.submit("/admin/users/9999/deactivate").status_code == 404


def test_non_admins_are_refused(app, client, auth, user):
    with app.app_context():
        other = make_user()
    auth.login(user.email)
    assert client.get("/admin/users").status_code == 403
    assert client.submit(f"/admin/users/{other.id}/deactivate").status_code == 403
    with app.app_context():
        assert db.session.get(User, other.id).active
