"""Commands: `flask --app wsgi <command>`."""

import contextlib
import tempfile
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import current_app
from flask.cli import with_appcontext

from .accounts import services as accounts
from .config import PROJECT_ROOT
from .core.mail import send_due
from .demo import seed as demo
from .directory import services as directory
from .extensions import db
from .i18n import EXTRACT_KEYWORDS
from .mentorships.services import expire_requests as expire
from .mentorships.services import settle_lapsed_completions
from .notifications.reminders import send_reminders as send
from .vetting.services import expire_approvals

TRANSLATIONS = PROJECT_ROOT / "translations"


def register_commands(app):
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(expire_profiles)
    app.cli.add_command(expire_requests)
    app.cli.add_command(send_emails)
    app.cli.add_command(send_reminders)
    app.cli.add_command(translate)
    app.cli.add_command(import_directory)


@click.command("create-admin")
@click.option("--email", required=True, help="The admin's email address.")
@click.option("--name", required=True, help="The admin's full name.")
@click.option("--password", help="Asked for (hidden) when not given.")
@with_appcontext
def create_admin(email, name, password):
    """Create the first admin, or make an existing account an admin."""
    existing = accounts.find_user_by_email(email)
    if existing is None and not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = accounts.create_admin(email=email, full_name=name, password=password)
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    if created:
        click.echo(f"Created admin {user.email}.")
    else:
        click.echo(f"{user.email} already had an account; it is now an admin "
                   "(its password is unchanged).")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the bilingual demo data into an empty database and print the logins."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo creates accounts with a known password; "
                                   "it does not run in production.")
    if demo.has_data():
        click.echo("The database already has data; demo data not loaded.")
    else:
        demo.load()
        db.session.commit()
        click.echo("Demo data loaded.")
    if demo.is_present():
        click.echo(demo.logins_text())


@click.command("expire-profiles")
@with_appcontext
def expire_profiles():
    """Send mentor profiles whose approval has run out back to review (run daily)."""
    count = expire_approvals()
    db.session.commit()
    click.echo(f"{count} profile(s) sent back to review.")


@click.command("expire-requests")
@with_appcontext
def expire_requests():
    """Expire requests left unanswered too long, and send expired mentor approvals
    back to review (run daily; safe to run again)."""
    requests = expire()
    profiles = expire_approvals()
    db.session.commit()
    click.echo(f"{requests} request(s) expired; {profiles} profile(s) sent back to review.")


@click.command("send-emails")
@click.option("--budget", type=click.FloatRange(min=0), default=50.0, show_default=True,
              help="Seconds to keep sending, batch after batch, before leaving the rest "
                   "for the next run.")
@with_appcontext
def send_emails(budget):
    """Deliver the emails waiting in the outbox until it is empty or the time budget is
    spent (run every minute: the default budget ends before the next run starts; safe
    to run several at once: each message is claimed by one sender)."""
    sent, failed = send_due(budget=budget)
    click.echo(f"{sent} email(s) sent, {failed} failed (to be retried).")


@click.command("send-reminders")
@with_appcontext
def send_reminders():
    """Remind mentors of waiting requests, both sides of overdue check-ins, and mentors
    of approvals about to run out (run hourly; each reminder is sent once). First, the
    completions nobody objected to in time are settled: they have no check-ins due."""
    settled = settle_lapsed_completions()
    counts = {"completion_settled": settled, **send()}
    db.session.commit()
    click.echo(", ".join(f"{kind}: {count}" for kind, count in counts.items()))


@click.command("import-directory")
@click.argument("file", type=click.File("rb"))
@click.option("--deactivate-missing", is_flag=True,
              help="Deactivate internal accounts missing from the file (admins and external "
                   "mentors are kept).")
@click.option("--dry-run", is_flag=True, help="Print the preview and change nothing.")
@with_appcontext
def import_directory(file, deactivate_missing, dry_run):
    """Import the company directory from a CSV file (an HR system's export): print the
    preview, then apply it unless --dry-run. Exit status 1, with nothing applied, when
    any row has an error. Audited as the command line (no acting user)."""
    content = file.read(current_app.config["DIRECTORY_MAX_BYTES"] + 1)
    try:
        plan, applied = directory.import_from_command_line(
            content, filename=Path(file.name).name, deactivate_missing=deactivate_missing,
            dry_run=dry_run)
    except directory.DirectoryError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    _print_plan(plan)
    if plan.has_errors:
        db.session.rollback()
        raise click.ClickException("The file has errors: nothing was applied.")
    if not applied:
        db.session.rollback()
        click.echo("Dry run: nothing was applied.")
        return
    db.session.commit()
    if plan.changes_nothing:
        click.echo("Nothing to change: the accounts already match this file.")
    else:
        click.echo("Applied.")


def _print_plan(plan):
    counts = plan.counts
    line = (f"{counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged")
    if plan.deactivate_missing:
        line += f", {counts['deactivated']} to be deactivated"
        if plan.kept_admins:
            line += f" ({plan.kept_admins} admin(s) missing from the file kept)"
    click.echo(f"{line}, {counts['errors']} error(s).")
    for row in plan.new:
        click.echo(f"+ {row.email} ({row.full_name}), line {row.line}")
    for change in plan.changed:
        fields = "; ".join(f"{name}: {before!s} -> {after!s}"
                           for name, before, after in change.fields)
        click.echo(f"~ {change.email}: {fields}")
    for _user_id, email, name in plan.deactivate:
        click.echo(f"- {email} ({name}) deactivated")
    for line_number, message in plan.errors:
        click.echo(f"line {line_number}: {message}", err=True)


@click.group()
def translate():
    """Translation workflow: extract, update and compile the catalogs."""


def _pybabel(*args):
    status = CommandLineInterface().run(["pybabel", *args])
    if status:
        raise click.exceptions.Exit(status)


def _extract(pot):
    keywords = []
    for keyword, spec in EXTRACT_KEYWORDS.items():
        keywords += ["-k", keyword + (":" + ",".join(map(str, spec)) if spec else "")]
    # From the project folder, so the catalog names files by relative paths.
    with contextlib.chdir(PROJECT_ROOT):
        _pybabel("extract", "-F", "babel.cfg", *keywords, "--add-comments=TRANSLATORS:",
                 "--project=Mentor Marketplace", "--version=0.1",
                 "--msgid-bugs-address=mentor-marketplace@example.com", "-o", str(pot), ".")


@translate.command()
def update():
    """Extract the strings from code and templates and merge them into messages.po."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        _extract(pot)
        _pybabel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "--ignore-obsolete")


@translate.command()
def compile():
    """Compile messages.po into the .mo files the app reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@translate.command()
@click.argument("language")
def init(language):
    """Start the catalog of a new language."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        _extract(pot)
        _pybabel("init", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", language)
