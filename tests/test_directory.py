"""The company directory: reading the file, the preview's rules, applying, the pages in
both languages, the command line, and the account page of people the directory owns."""

import io
import re

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from marketplace.accounts import services as accounts
from marketplace.accounts.models import EXTERNAL, User
from marketplace.core.audit import AuditEvent
from marketplace.directory import services
from marketplace.directory.models import DirectoryImport
from marketplace.directory.services import DirectoryError
from marketplace.extensions import db
from marketplace.mentorships.services import requester, why_cannot_request
from marketplace.program.services import settings

from .builders import italian
from .factories import PASSWORD, make_profile, make_user
from .helpers import count, flashed, get, login_client, run_together

HEADER = "email,full_name,manager_email,region,job_title"
CHART = f"""{HEADER},language
boss@acme.com,Bea Boss,,it-north,Sales director,it
mid@acme.com,Mario Mid,boss@acme.com,Italy – North,Area manager,en
rep@acme.com,Rita Rep,mid@acme.com,Italia – Centro,Sales rep,en
"""
NEW_PASSWORD = "a brand new passphrase"


def csv_bytes(text):
    return text.encode()


def make_admin(**fields):
    return make_user(email=fields.pop("email", "admin@acme.com"), full_name="Ada Admin",
                     is_admin=True, **fields)


def set_domains(*domains):
    settings().internal_domains = "\n".join(domains)
    db.session.commit()


def admin_user():
    return db.session.scalar(select(User).where(User.is_admin.is_(True)))


def upload(text, deactivate_missing=False):
    """Upload and preview as the admin, through the services; (import, plan)."""
    directory_import = services.upload(csv_bytes(text), actor=admin_user(), filename="c.csv",
                                       deactivate_missing=deactivate_missing)
    db.session.commit()
    return directory_import, services.preview(directory_import)


def apply(directory_import, plan, actor=None):
    result = services.apply_import(directory_import, actor=actor or admin_user(),
                                   sha256=directory_import.sha256,
                                   deactivate_missing=directory_import.deactivate_missing,
                                   digest=plan.digest)
    db.session.commit()
    return result


def errors_of(text, **options):
    _import, plan = upload(text, **options)
    return plan.errors


def by_email(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def ctx(app_ctx):
    make_admin()
    set_domains("acme.com")


# Reading the file --------------------------------------------------------------------

class TestReading:
    def test_comma_bom_and_any_column_order(self, ctx):
        text = ("\ufeffjob_title,region,full_name,email,manager_email\n"
                "Rep,france,Rita,rep@acme.com,\n")
        _import, plan = upload(text)
        assert plan.errors == []
        row = plan.new[0]
        assert (row.email, row.full_name, row.region, row.job_title) == (
            "rep@acme.com", "Rita", "france", "Rep")

    def test_semicolons_as_excel_writes_them_in_italy(self, ctx):
        text = "email;full_name;manager_email;region;job_title;active\n" \
               "rep@acme.com;Rita Rep;;Italia – Sud e isole;Commerciale;sì\n"
        _import, plan = upload(text)
        assert plan.errors == []
        assert (plan.new[0].region, plan.new[0].active) == ("it-south", True)

    def test_region_by_code_or_label_in_either_language(self, ctx):
        _import, plan = upload(CHART)
        assert [row.region for row in plan.new] == ["it-north", "it-north", "it-centre"]

    @pytest.mark.parametrize("content, message", [
        (b"", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "This is not a CSV file."),
        (b"\xff\xfe\xfa not utf-8", "This is not a CSV file."),
        (b"name,manager_email,region,job_title,full_name\nx,,,,y\n", "no “email” column"),
        (b"email,full_name\nrep@acme.com,Rita\n", "no “manager_email”, “region”, “job_title”"),
        (HEADER.encode() + b"\n", "has no one in it"),
    ])
    def test_files_that_cannot_be_read_are_refused_and_nothing_is_kept(self, ctx, content,
                                                                        message):
        with pytest.raises(DirectoryError, match=message):
            services.upload(content, actor=admin_user())
        db.session.rollback()
        assert count(DirectoryImport) == 0

    def test_five_megabytes_of_garbage(self, ctx):
        garbage = (b"lorem ipsum;" * 500_000)[:5 * 1024 * 1024]
        with pytest.raises(DirectoryError, match="larger than 4 MB"):
            services.upload(garbage, actor=admin_user())

    def test_only_an_admin_uploads_or_applies(self, ctx):
        rep = db.session.merge(make_user(email="x@acme.com"))
        with pytest.raises(DirectoryError, match="Only an admin"):
            services.upload(csv_bytes(CHART), actor=rep)
        directory_import, plan = upload(CHART)
        with pytest.raises(DirectoryError, match="Only an admin"):
            services.apply_import(directory_import, actor=rep, sha256=directory_import.sha256,
                                  deactivate_missing=False, digest=plan.digest)


# The rules of the preview ----------------------------------------------------------------

class TestRowErrors:
    def test_each_error_names_its_line(self, ctx):
        text = f"""{HEADER}
boss@acme.com,Bea Boss,,it-north,Director
not-an-address,Nobody,,,
rep@acme.com,Rita Rep,ghost@acme.com,,
self@acme.com,Sam Self,self@acme.com,,
a@acme.com,Al A,b@acme.com,,
b@acme.com,Bo B,a@acme.com,,
r@acme.com,Ro R,,Atlantis,
boss@acme.com,Bea Again,,,
out@gmail.com,Olga Out,,,
"""
        errors = dict(errors_of(text))
        assert errors[3] == "“not-an-address” is not a valid email address."
        assert "ghost@acme.com is neither in the file nor an active account" in errors[4]
        assert errors[5] == "A person cannot be their own manager."
        assert errors[6] == errors[7] == \
            "Manager cycle: a@acme.com → b@acme.com → a@acme.com."
        assert errors[8] == "Unknown region “Atlantis”."
        assert errors[9] == "boss@acme.com is also on line 2."
        assert errors[10] == ("out@gmail.com is not in the company's email domains "
                              "(acme.com).")
        assert 2 not in errors

    def test_a_longer_cycle_through_an_existing_account(self, ctx):
        # c (an account, not in the file) reports to a; the file makes a report to b and
        # b to c: a loop that only the accounts close.
        a = make_user(email="a@acme.com")
        make_user(email="c@acme.com", manager_id=a.id)
        text = f"{HEADER}\na@acme.com,Al,b@acme.com,,\nb@acme.com,Bo,c@acme.com,,\n"
        errors = errors_of(text)
        assert [line for line, _message in errors] == [2, 3]
        assert "Manager cycle: a@acme.com → b@acme.com → c@acme.com → a@acme.com." in \
            errors[0][1]

    def test_the_manager_may_be_an_existing_active_account(self, ctx):
        make_user(email="boss@acme.com")
        make_user(email="gone@acme.com", active=False)
        text = f"{HEADER}\nrep@acme.com,Rita,boss@acme.com,,\nx@acme.com,X,gone@acme.com,,\n"
        assert [line for line, _message in errors_of(text)] == [3]

    def test_no_domain_set_refuses_no_address_on_that_ground(self, app_ctx):
        make_admin()
        assert errors_of(f"{HEADER}\nout@gmail.com,Olga Out,,,\n") == []

    def test_bad_language_and_active_values(self, ctx):
        text = f"{HEADER},language,active\nrep@acme.com,Rita,,,,de,maybe\n"
        assert [message for _line, message in errors_of(text)] == [
            "Unknown language “de”: write en or it.",
            "“maybe” in the active column: write yes or no."]

    def test_a_file_of_only_errors_is_previewed_and_cannot_be_applied(self, ctx):
        directory_import, plan = upload(f"{HEADER}\nnope,,,,\nstill-no,X,,,\n")
        assert plan.has_errors and len(plan.errors) == 3 and plan.new == []
        with pytest.raises(DirectoryError, match="A file with errors cannot be applied"):
            apply(directory_import, plan)
        db.session.rollback()
        assert get(DirectoryImport, directory_import.id).applied_at is None
        assert count(User) == 1

    def test_an_admin_cannot_be_deactivated_by_a_row(self, ctx):
        text = f"{HEADER},active\nadmin@acme.com,Ada Admin,,,,no\n"
        assert "is an admin" in errors_of(text)[0][1]


class TestPreview:
    def test_counts_and_changes_before_after_and_nothing_written(self, ctx):
        make_user(email="boss@acme.com", full_name="Bea Boss", region="it-north",
                  job_title="Sales director", language="it", in_directory=True)
        make_user(email="mid@acme.com", full_name="Mario Mid", region="dach")
        _import, plan = upload(CHART)
        assert plan.counts == {"rows": 3, "new": 1, "changed": 1, "unchanged": 1,
                               "deactivated": 0, "errors": 0}
        (change,) = plan.changed
        assert change.email == "mid@acme.com"
        assert ("region", "dach", "it-north") in change.fields
        assert ("manager", "", "boss@acme.com") in change.fields
        assert ("job_title", None, "Area manager") in change.fields
        assert ("in_directory", False, True) in change.fields
        assert by_email("mid@acme.com").region == "dach"
        assert count(User) == 3

    def test_deactivation_lists_internal_non_admins_missing_from_the_file(self, ctx):
        make_user(email="left@acme.com", full_name="Lea Left")
        make_user(email="mentor@outside.org", affiliation=EXTERNAL)
        make_user(email="admin2@acme.com", is_admin=True)
        make_user(email="already@acme.com", active=False)
        _import, plan = upload(CHART, deactivate_missing=True)
        assert [email for _id, email, _name in plan.deactivate] == ["left@acme.com"]
        assert plan.kept_admins == 2  # the admin applying it, and the other admin
        _import, plan = upload(CHART)
        assert plan.deactivate == []


# Applying ----------------------------------------------------------------------------

class TestApply:
    def test_new_people_get_a_confirmed_internal_account_and_a_welcome(self, app, ctx,
                                                                      outbox):
        directory_import, plan = upload(CHART)
        apply(directory_import, plan)
        boss, mid, rep = (by_email(e) for e in ("boss@acme.com", "mid@acme.com",
                                                "rep@acme.com"))
        assert (mid.manager_id, rep.manager_id, boss.manager_id) == (boss.id, mid.id, None)
        assert all(p.in_directory and p.is_verified and p.active and not p.is_external
                   for p in (boss, mid, rep))
        assert (boss.language, boss.timezone, rep.region) == ("it", "Europe/Rome", "it-centre")
        assert not check_password_hash(rep.password_hash, "")  # no password opens it
        welcome = {message.to: message for message in outbox}
        assert set(welcome) == {"boss@acme.com", "mid@acme.com", "rep@acme.com"}
        assert welcome["boss@acme.com"].subject == italian(app, str(services.WELCOME_SUBJECT))
        assert "within 7 days" in welcome["rep@acme.com"].text
        event = db.session.scalar(select(AuditEvent)
                                  .where(AuditEvent.action == "directory.applied"))
        assert event.details["new"] == 3 and event.details["changed"] == 0
        assert event.actor_id == admin_user().id
        assert get(DirectoryImport, directory_import.id).summary["new"] == 3

    def test_the_welcome_link_sets_a_password(self, app, ctx, outbox):
        directory_import, plan = upload(CHART)
        apply(directory_import, plan)
        link = next(line for line in outbox[-1].text.splitlines() if "/auth/reset/" in line)
        client = app.test_client()
        response = client.submit(link.strip().removeprefix("http://localhost"),
                                 data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 302
        assert check_password_hash(by_email(outbox[-1].to).password_hash, NEW_PASSWORD)

    def test_changes_and_deactivation(self, ctx):
        mid = make_user(email="mid@acme.com", full_name="Old Name", region="dach")
        left = make_user(email="left@acme.com")
        token = by_email("left@acme.com").session_token
        directory_import, plan = upload(CHART, deactivate_missing=True)
        apply(directory_import, plan)
        mid, left_now = by_email("mid@acme.com"), by_email("left@acme.com")
        assert (mid.full_name, mid.region, mid.job_title, mid.in_directory) == (
            "Mario Mid", "it-north", "Area manager", True)
        assert mid.manager.email == "boss@acme.com"
        assert not left_now.active and left_now.session_token != token
        assert left.id == left_now.id and by_email("admin@acme.com").active

    def test_reapplying_the_same_content_changes_nothing_and_says_so(self, ctx):
        first, plan = upload(CHART)
        apply(first, plan)
        second, plan = upload(CHART)
        assert plan.changes_nothing and plan.unchanged == 3
        assert apply(second, plan).changes_nothing
        events = db.session.scalars(select(AuditEvent)
                                    .where(AuditEvent.action == "directory.applied")).all()
        assert [e.details["unchanged"] for e in events] == [0, 3]

    def test_the_same_upload_is_applied_once(self, ctx):
        directory_import, plan = upload(CHART)
        apply(directory_import, plan)
        with pytest.raises(DirectoryError, match="already been applied"):
            apply(directory_import, plan)

    def test_a_file_other_than_the_previewed_one_is_refused(self, ctx):
        directory_import, plan = upload(CHART)
        with pytest.raises(DirectoryError, match="not the file you previewed"):
            services.apply_import(directory_import, actor=admin_user(), sha256="0" * 64,
                                  deactivate_missing=False, digest=plan.digest)
        with pytest.raises(DirectoryError, match="not the file you previewed"):
            services.apply_import(directory_import, actor=admin_user(),
                                  sha256=directory_import.sha256, deactivate_missing=True,
                                  digest=plan.digest)

    def test_accounts_changed_since_the_preview(self, ctx):
        directory_import, plan = upload(CHART)
        make_user(email="rep@acme.com", full_name="Someone Else")
        with pytest.raises(DirectoryError, match="changed since the preview"):
            apply(directory_import, plan)
        db.session.rollback()
        assert get(DirectoryImport, directory_import.id).applied_at is None
        assert count(User) == 2

    def test_the_directory_line_is_the_reporting_line(self, ctx):
        directory_import, plan = upload(CHART)
        apply(directory_import, plan)
        rep = by_email("rep@acme.com")
        boss_profile = make_profile(by_email("boss@acme.com"))
        assert accounts.reporting_line_ids(rep) == {by_email("mid@acme.com").id,
                                                   by_email("boss@acme.com").id}
        who = requester(rep)
        assert "manager, or someone above them" in why_cannot_request(
            who, db.session.merge(boss_profile))


class TestTwoAdminsAtOnce:
    def test_one_applies_the_other_is_told(self, app, make_app):
        with app.app_context():
            make_admin()
            make_admin(email="admin2@acme.com")
            set_domains("acme.com")
            directory_import, plan = upload(CHART)
            import_id, digest, sha = directory_import.id, plan.digest, directory_import.sha256
        apps = [make_app(), make_app()]

        def work(index, barrier):
            with apps[index].app_context():
                actor = db.session.scalar(select(User).where(
                    User.email == ("admin@acme.com", "admin2@acme.com")[index]))
                target = db.session.get(DirectoryImport, import_id)
                db.session.commit()  # holds no lock while waiting (SQLite's writers take turns)
                barrier.wait()
                try:
                    services.apply_import(target, actor=actor, sha256=sha,
                                          deactivate_missing=False, digest=digest)
                    db.session.commit()
                    return "applied"
                except DirectoryError as error:
                    db.session.rollback()
                    return error.message

        results = run_together(work, 2)
        assert sorted(results) == ["This file has already been applied.", "applied"]
        with app.app_context():
            assert count(User, User.in_directory.is_(True)) == 3


# The pages ---------------------------------------------------------------------------

def post_file(client, text, name="chart.csv", **extra):
    content = text if isinstance(text, bytes) else text.encode()
    return client.submit("/admin/directory", data={"file": (io.BytesIO(content), name), **extra},
                         content_type="multipart/form-data")


def apply_form(page):
    return {name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)
            for name in ("sha256", "digest", "deactivate_missing")}


@pytest.fixture
def admin_client(app):
    with app.app_context():
        make_admin()
        set_domains("acme.com")
    return login_client(app, "admin@acme.com")


class TestPages:
    def test_upload_preview_apply(self, app, admin_client):
        response = post_file(admin_client, CHART)
        with app.app_context():
            directory_import = db.session.scalar(select(DirectoryImport))
        assert response.status_code == 302
        assert response.location == f"/admin/directory/{directory_import.id}"
        page = admin_client.get(response.location).get_data(as_text=True)
        assert "Mario Mid" in page and "Apply this file" in page
        with app.app_context():
            assert count(User) == 1  # nothing written to people yet
        response = admin_client.submit(f"/admin/directory/{directory_import.id}/apply",
                                       data=apply_form(page))
        assert response.status_code == 302 and response.location == "/admin/directory"
        assert flashed(admin_client) == [
            "The directory is applied: 3 new, 0 changed, 0 deactivated."]
        with app.app_context():
            assert count(User, User.in_directory.is_(True)) == 3
        # Applying it again: refused, the preview says when it was applied.
        response = admin_client.submit(f"/admin/directory/{directory_import.id}/apply",
                                       data=apply_form(page))
        assert response.status_code == 409
        assert "This file has already been applied." in response.get_data(as_text=True)

    def test_errors_by_line_and_no_apply_button(self, admin_client):
        response = post_file(admin_client, f"{HEADER}\nnope,No One,,,\n")
        page = admin_client.get(response.location).get_data(as_text=True)
        assert "“nope” is not a valid email address." in page
        assert "Apply this file" not in page and "cannot be applied" in page

    @pytest.mark.parametrize("content, message", [
        (b"", "The file is empty."),
        (b"\x00\x01\x02binary", "This is not a CSV file."),
        (b"name,region\nx,y\n", "no “email” column"),
    ])
    def test_bad_files_are_refused_on_the_page(self, app, admin_client, content, message):
        response = post_file(admin_client, content)
        assert response.status_code == 409
        assert message in response.get_data(as_text=True)
        with app.app_context():
            assert count(DirectoryImport) == 0

    def test_no_file_chosen(self, admin_client):
        response = admin_client.submit("/admin/directory", data={})
        assert response.status_code == 422
        assert "Choose the file to upload." in response.get_data(as_text=True)

    def test_five_megabytes_get_a_clear_answer(self, app, admin_client):
        response = post_file(admin_client, b"x" * (5 * 1024 * 1024))
        assert response.status_code == 413
        assert "The file is larger than 4 MB." in response.get_data(as_text=True)
        with app.app_context():
            assert count(DirectoryImport) == 0

    def test_a_changed_plan_is_refused_and_the_new_preview_shown(self, app, admin_client):
        response = post_file(admin_client, CHART)
        page = admin_client.get(response.location).get_data(as_text=True)
        with app.app_context():
            make_user(email="rep@acme.com", full_name="Someone Else")
        response = admin_client.submit(response.location + "/apply", data=apply_form(page))
        assert response.status_code == 409
        assert "The accounts have changed since the preview." in response.get_data(as_text=True)

    def test_invalid_apply_form(self, admin_client):
        response = post_file(admin_client, CHART)
        response = admin_client.submit(response.location + "/apply", data={"sha256": "x"})
        assert response.status_code == 422

    def test_unknown_import_is_404_and_members_are_kept_out(self, app, client, admin_client):
        assert admin_client.get("/admin/directory/999").status_code == 404
        with app.app_context():
            make_user(email="rep@acme.com")
        member = login_client(app, "rep@acme.com")
        assert member.get("/admin/directory").status_code == 403
        assert post_file(member, CHART).status_code == 403

    def test_in_italian(self, app):
        with app.app_context():
            make_admin(language="it")
            set_domains("acme.com")
        browser = login_client(app, "admin@acme.com")
        page = browser.get("/admin/directory").get_data(as_text=True)
        assert italian(app, "Company directory") in page
        response = post_file(browser, f"{CHART}nope,No One,,,\n")
        page = browser.get(response.location).get_data(as_text=True)
        assert italian(app, "Errors by line") in page
        assert "“nope” non è un indirizzo email valido." in page
        response = post_file(browser, CHART)
        page = browser.get(response.location).get_data(as_text=True)
        browser.submit(response.location + "/apply", data=apply_form(page))
        assert flashed(browser) == [
            "La rubrica aziendale è applicata. Nuove persone: 3; modificate: 0; disattivate: 0."]

    def test_dashboard_links_to_the_directory(self, admin_client):
        assert 'href="/admin/directory"' in admin_client.get("/admin").get_data(as_text=True)

    def test_the_admin_navigation_leads_to_it_and_marks_it(self, admin_client):
        assert ('<a href="/admin/directory">Company directory</a>'
                in admin_client.get("/admin/users").get_data(as_text=True))
        assert ('<a href="/admin/directory" aria-current="page">Company directory</a>'
                in admin_client.get("/admin/directory").get_data(as_text=True))


# The command line ----------------------------------------------------------------------

class TestCommandLine:
    @pytest.fixture
    def chart(self, tmp_path):
        path = tmp_path / "chart.csv"
        path.write_text(CHART.replace(",", ";"), encoding="utf-8-sig")
        return path

    def test_dry_run_prints_the_preview_and_changes_nothing(self, app, runner, chart):
        result = runner.invoke(args=["import-directory", str(chart), "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "3 new, 0 changed, 0 unchanged, 0 error(s)." in result.output
        assert "Dry run: nothing was applied." in result.output
        with app.app_context():
            assert count(User) == 0

    def test_applies_then_nothing_to_change(self, app, runner, chart):
        result = runner.invoke(args=["import-directory", str(chart)])
        assert result.exit_code == 0, result.output
        assert "Applied." in result.output
        with app.app_context():
            assert count(User, User.in_directory.is_(True)) == 3
            event = db.session.scalar(select(AuditEvent)
                                      .where(AuditEvent.action == "directory.applied"))
            assert event.actor_id is None and event.details["source"] == "command line"
        result = runner.invoke(args=["import-directory", str(chart)])
        assert "Nothing to change" in result.output

    def test_row_errors_exit_1_and_apply_nothing(self, app, runner, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text(f"{CHART}nope,No One,,,,\n", encoding="utf-8")
        result = runner.invoke(args=["import-directory", str(path)])
        assert result.exit_code == 1
        assert "line 5: “nope” is not a valid email address." in result.output
        with app.app_context():
            assert count(User) == 0

    def test_deactivate_missing(self, app, runner, chart):
        with app.app_context():
            make_user(email="left@acme.com", full_name="Lea Left")
            make_admin(email="root@acme.com")
        result = runner.invoke(args=["import-directory", str(chart), "--deactivate-missing"])
        assert "- left@acme.com (Lea Left) deactivated" in result.output
        assert "1 admin(s) missing from the file kept" in result.output
        with app.app_context():
            assert not by_email("left@acme.com").active and by_email("root@acme.com").active

    def test_unreadable_file(self, runner, tmp_path):
        path = tmp_path / "empty.csv"
        path.write_bytes(b"")
        result = runner.invoke(args=["import-directory", str(path)])
        assert result.exit_code == 1 and "The file is empty." in result.output


# The account page --------------------------------------------------------------------------

class TestAccountPage:
    ACCOUNT = {"full_name": "New Name", "job_title": "Boss", "manager_email": "",
               "region": "france", "language": "en", "timezone": "UTC"}

    @pytest.fixture
    def in_directory(self, app):
        with app.app_context():
            boss = make_user(email="boss@acme.com", full_name="Bea Boss")
            make_user(email="rep@acme.com", full_name="Rita Rep", region="it-north",
                      job_title="Sales rep", manager_id=boss.id, in_directory=True)
        return login_client(app, "rep@acme.com")

    def test_the_directory_fields_are_read_only(self, in_directory):
        page = in_directory.get("/account").get_data(as_text=True)
        assert "From the company directory" in page
        assert "Bea Boss (boss@acme.com)" in page
        for name in ("full_name", "manager_email", "region", "job_title"):
            assert f'name="{name}"' not in page
        assert 'name="language"' in page and 'name="timezone"' in page

    def test_what_is_sent_for_them_is_ignored(self, app, in_directory):
        response = in_directory.submit("/account", data={**self.ACCOUNT, "language": "it"})
        assert response.status_code == 302
        with app.app_context():
            rep = by_email("rep@acme.com")
            assert (rep.full_name, rep.region, rep.job_title, rep.manager.email,
                    rep.language) == ("Rita Rep", "it-north", "Sales rep", "boss@acme.com", "it")

    def test_others_keep_editing_them(self, app, client, auth, user):
        auth.login(user.email)
        response = client.submit("/account", data=self.ACCOUNT)
        assert response.status_code == 302
        with app.app_context():
            assert by_email(user.email).full_name == "New Name"

    def test_the_service_refuses_changes_to_them(self, app, in_directory):
        with app.app_context():
            rep = by_email("rep@acme.com")
            same = {"full_name": "Rita Rep", "region": "it-north", "job_title": "Sales rep",
                    "manager_email": "boss@acme.com"}
            for name, value in (("full_name", "Other"), ("region", "france"),
                                ("job_title", "CEO"), ("manager_email", "")):
                with pytest.raises(accounts.AccountError, match="come from the company"):
                    accounts.update_account(actor=rep, language="en", timezone="UTC",
                                            **{**same, name: value})
                db.session.rollback()
            accounts.update_account(actor=rep, language="it", timezone="Europe/Rome", **same)
            db.session.commit()
            assert by_email("rep@acme.com").timezone == "Europe/Rome"


def test_the_password_of_a_directory_account_opens_nothing(app_ctx):
    make_admin()
    directory_import, plan = upload(CHART)
    apply(directory_import, plan)
    with pytest.raises(accounts.AccountError, match="Wrong email or password"):
        accounts.authenticate("rep@acme.com", PASSWORD)
