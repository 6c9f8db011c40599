"""Importing the company directory: read a CSV file, plan what it changes, apply it.

The plan is computed in memory from the file and from every account, loaded in one
statement; applying writes it with bulk statements, in one transaction. So the work
grows with the file, never one query per row, and nothing is half-done: a file with
any row error is not applied at all.

Who the directory covers: the rows of the file. "Deactivate people missing from the
file" deactivates only internal, active, non-admin accounts that are not in it:
external people (invited mentors) are never in an HR export, and admins are kept so
that an import cannot lock the program's administrators out (an admin is deactivated
on the users page, after their rights are removed).
"""

import csv
import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import insert, select, update

from ..accounts import services as accounts
from ..accounts import sso
from ..accounts.models import (
    EMAIL_MAX,
    EXTERNAL,
    INTERNAL,
    JOB_TITLE_MAX,
    NAME_MAX,
    AccountToken,
    User,
    first_name_of,
    new_session_token,
    no_password,
)
from ..core import audit, mail
from ..core.clock import utcnow
from ..errors import DomainError, require_admin
from ..extensions import db
from ..geography import REGIONS, default_timezone
from ..program.models import ProgramSettings
from ..program.services import internal_domains, is_internal_address
from .models import FILENAME_MAX, DirectoryImport

REQUIRED_COLUMNS = ("email", "full_name", "manager_email", "region", "job_title")
OPTIONAL_COLUMNS = ("language", "active")
TRUE_WORDS = frozenset({"yes", "true", "1", "sì", "si", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n"})
LANGUAGE_CODES = ("en", "it")
# The fields the directory owns, in the order a change shows them.
NAME, MANAGER, REGION, JOB_TITLE, LANGUAGE, ACTIVE, AFFILIATION, MANAGED = (
    "full_name", "manager", "region", "job_title", "language", "active", "affiliation",
    "in_directory")
# The welcome mail's template; its link is a password-reset link that lives longer.
WELCOME = "directory_welcome"
WELCOME_SUBJECT = _l("Your account on Mentor Marketplace: choose a password")
WELCOME_SSO_SUBJECT = _l("Your account on Mentor Marketplace is ready")


# A dot-atom local part and a domain of at least two LDH labels, ending in letters.
PLAIN_ADDRESS = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# Stand-ins for what differs between two welcome mails in the same language.
NAME_SLOT, LINK_SLOT = "directoryNAMEslot", "directoryLINKslot"


class DirectoryError(DomainError):
    """`field` names the form field the message belongs next to, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass
class Row:
    """One person of the file, as read (line: the line of the file it ends on)."""

    line: int
    email: str
    full_name: str
    manager_email: str
    region: str | None
    job_title: str | None
    language: str | None  # None: not given, keep the account's
    active: bool | None  # None: not given, keep the account's (new people: active)
    errors: list = field(default_factory=list)


@dataclass
class Change:
    """What the file changes for one existing person: (field, before, after) triples,
    manager as email addresses, region as its code."""

    user_id: int
    email: str
    full_name: str
    fields: list


@dataclass
class Plan:
    rows: list
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0
    deactivate: list = field(default_factory=list)  # (id, email, name) of accounts
    deactivate_missing: bool = False
    kept_admins: int = 0  # admins missing from the file, kept (see the module's doc)
    ids: dict = field(default_factory=dict)  # account ids by email, as read

    @property
    def errors(self):
        """(line, message) of every row error, in the order of the file."""
        return [(row.line, message) for row in self.rows for message in row.errors]

    @property
    def has_errors(self):
        return any(row.errors for row in self.rows)

    @property
    def changes_nothing(self):
        return not (self.new or self.changed or self.deactivate)

    @property
    def counts(self):
        return {"rows": len(self.rows), "new": len(self.new), "changed": len(self.changed),
                "unchanged": self.unchanged, "deactivated": len(self.deactivate),
                "errors": len(self.errors)}

    @property
    def digest(self):
        """A fingerprint of what applying would do: the apply step refuses a plan that
        is no longer the one the admin saw (someone changed the accounts meanwhile)."""
        what = {
            "new": [(r.email, r.full_name, r.manager_email, r.region, r.job_title,
                     r.language, r.active) for r in self.new],
            "changed": [(c.user_id, c.fields) for c in self.changed],
            "deactivate": [user_id for user_id, _email, _name in self.deactivate],
        }
        return hashlib.sha256(json.dumps(what, default=str).encode()).hexdigest()


# Reading the file ---------------------------------------------------------------------

def max_bytes():
    return current_app.config["DIRECTORY_MAX_BYTES"]


def too_large_message():
    return _("The file is larger than %(size)d MB. Split it, or leave out the columns "
             "the directory does not use.", size=max_bytes() // (1024 * 1024))


def read_rows(content):
    """The rows of a CSV file (bytes), or DirectoryError saying why the file as a whole
    cannot be read: too large, empty, not CSV text, no `email` column."""
    if len(content) > max_bytes():
        raise DirectoryError(too_large_message(), field="file")
    if b"\x00" in content:
        raise DirectoryError(_not_csv(), field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DirectoryError(_not_csv(), field="file") from None
    if not text.strip():
        raise DirectoryError(_("The file is empty."), field="file")
    header_line = text.lstrip("\r\n").partition("\n")[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
        columns = [cell.strip().lower() for cell in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if "email" in missing:
            raise DirectoryError(_("The file has no “email” column. The first line must "
                                   "name the columns: %(columns)s.",
                                   columns=", ".join(REQUIRED_COLUMNS)), field="file")
        if missing:
            raise DirectoryError(ngettext(
                "The file has no “%(columns)s” column. The first line must name them all.",
                "The file has no “%(columns)s” columns. The first line must name them all.",
                len(missing), columns="”, “".join(missing)), field="file")
        position = {name: columns.index(name)
                    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in columns}
        regions = region_codes()
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            rows.append(_row(reader.line_num, cells, position, regions))
    except csv.Error:
        raise DirectoryError(_not_csv(), field="file") from None
    except StopIteration:
        raise DirectoryError(_("The file is empty."), field="file") from None
    if not rows:
        raise DirectoryError(_("The file names the columns but has no one in it."),
                             field="file")
    return rows


def _not_csv():
    return _("This is not a CSV file. Save the sheet as “CSV UTF-8” (comma- or "
             "semicolon-separated) and upload that.")


def _row(line, cells, position, regions):
    def cell(name):
        index = position.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    row = Row(line=line, email=accounts.normalise_email(cell("email")),
              full_name=" ".join(cell("full_name").split()),
              manager_email=accounts.normalise_email(cell("manager_email")),
              region=None, job_title=cell("job_title") or None, language=None,
              active=None)
    if not row.email:
        row.errors.append(_("The email address is missing."))
    elif len(row.email) > EMAIL_MAX or not _valid_address(row.email):
        row.errors.append(_("“%(email)s” is not a valid email address.", email=row.email))
    if not row.full_name:
        row.errors.append(_("The name is missing."))
    elif len(row.full_name) > NAME_MAX:
        row.errors.append(_("The name is longer than %(max)d characters.", max=NAME_MAX))
    if row.job_title and len(row.job_title) > JOB_TITLE_MAX:
        row.errors.append(_("The job title is longer than %(max)d characters.",
                            max=JOB_TITLE_MAX))
    region = cell("region")
    if region:
        row.region = regions.get(region.casefold())
        if row.region is None:
            row.errors.append(_("Unknown region “%(region)s”.", region=region))
    language = cell("language").lower()
    if language:
        if language in LANGUAGE_CODES:
            row.language = language
        else:
            row.errors.append(_("Unknown language “%(language)s”: write en or it.",
                                language=cell("language")))
    active = cell("active").casefold()
    if active:
        if active in TRUE_WORDS | FALSE_WORDS:
            row.active = active in TRUE_WORDS
        else:
            row.errors.append(_("“%(value)s” in the active column: write yes or no.",
                                value=cell("active")))
    return row


def _valid_address(email):
    """email_validator's answer, with a shortcut for the plain ASCII addresses an HR
    export is made of (a strict pattern that accepts nothing the library refuses): the
    library alone takes most of a 20,000-row preview's time."""
    if PLAIN_ADDRESS.fullmatch(email) and ".." not in email:
        return True
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def region_codes():
    """Region codes by their code and by their label in either language (case-folded)."""
    codes = {code.casefold(): code for code, _label in REGIONS}
    for language in LANGUAGE_CODES:
        with force_locale(language):
            codes.update({str(label).casefold(): code for code, label in REGIONS})
    return codes


# The plan ---------------------------------------------------------------------------

@dataclass
class Existing:
    id: int
    email: str
    full_name: str
    manager_id: int | None
    region: str | None
    job_title: str | None
    language: str
    active: bool
    in_directory: bool
    is_admin: bool
    affiliation: str
    deleted: bool


def _existing_accounts():
    """Every account, in one statement, as plain values (no ORM objects to track)."""
    result = db.session.execute(select(
        User.id, User.email, User.stored_name, User.manager_id, User.region, User.job_title,
        User.language, User.active, User.in_directory, User.is_admin, User.affiliation,
        User.deleted_at.is_not(None)))
    return [Existing(*values) for values in result]


def plan_rows(rows, *, deactivate_missing=False):
    """What applying `rows` would do, and every row's errors. Reads the accounts once."""
    existing = _existing_accounts()
    by_email = {person.email: person for person in existing}
    email_of = {person.id: person.email for person in existing}
    domains = internal_domains()
    plan = Plan(rows=rows, deactivate_missing=deactivate_missing,
                ids={person.email: person.id for person in existing})

    first_line = {}
    for row in rows:
        if not row.email:
            continue
        if row.email in first_line:
            row.errors.append(_("%(email)s is also on line %(line)d.", email=row.email,
                                line=first_line[row.email]))
            continue
        first_line[row.email] = row.line
        if domains and not row.errors and not is_internal_address(row.email, domains):
            row.errors.append(_("%(email)s is not in the company's email domains (%(domains)s).",
                                email=row.email, domains=", ".join(domains)))
        person = by_email.get(row.email)
        if person is not None and row.active is False and person.is_admin:
            row.errors.append(_("%(email)s is an admin: remove their admin rights on the "
                                "users page before deactivating them.", email=row.email))
        if person is not None and person.deleted:
            row.errors.append(_("%(email)s belongs to a deleted account.", email=row.email))
    in_file = {row.email: row for row in rows if row.email and first_line[row.email] == row.line}

    for row in in_file.values():
        if not row.manager_email:
            continue
        if row.manager_email == row.email:
            row.errors.append(_("A person cannot be their own manager."))
        elif row.manager_email not in in_file:
            manager = by_email.get(row.manager_email)
            if manager is None or not manager.active or manager.deleted:
                row.errors.append(_("The manager %(email)s is neither in the file nor an "
                                    "active account.", email=row.manager_email))
    _find_cycles(in_file, by_email, email_of)

    for row in in_file.values():
        if row.errors:  # counted as errors only; the file cannot be applied anyway
            continue
        person = by_email.get(row.email)
        if person is None:
            plan.new.append(row)
            continue
        fields = _differences(person, row, email_of)
        if fields:
            plan.changed.append(Change(person.id, person.email, person.full_name, fields))
        else:
            plan.unchanged += 1

    if deactivate_missing:
        for person in existing:
            if (person.email in in_file or not person.active or person.deleted
                    or person.affiliation == EXTERNAL):
                continue
            if person.is_admin:
                plan.kept_admins += 1
            else:
                plan.deactivate.append((person.id, person.email, person.full_name))
    return plan


def _find_cycles(in_file, by_email, email_of):
    """Mark every row on a loop of managers, following the file's lines and, for people
    not in the file, the accounts' (each person visited once)."""
    def manager_of(email):
        row = in_file.get(email)
        if row is not None:
            return row.manager_email or None
        person = by_email.get(email)
        return email_of.get(person.manager_id) if person and person.manager_id else None

    state = {}  # email → "open" while on the current path, "done" once settled
    for start in in_file:
        path = []
        email = start
        while email is not None and email not in state:
            state[email] = "open"
            path.append(email)
            following = manager_of(email)
            email = None if following == email else following  # own manager: said already
        if email is not None and state.get(email) == "open":
            loop = path[path.index(email):]
            text = " → ".join([*loop, email])
            for member in loop:
                if member in in_file:
                    in_file[member].errors.append(_("Manager cycle: %(line)s.", line=text))
        for member in path:
            state[member] = "done"


def _differences(person, row, email_of):
    changes = []

    def compare(name, before, after):
        if before != after:
            changes.append((name, before, after))

    compare(NAME, person.full_name, row.full_name)
    compare(MANAGER, email_of.get(person.manager_id) or "", row.manager_email)
    compare(REGION, person.region, row.region)
    compare(JOB_TITLE, person.job_title, row.job_title)
    if row.language is not None:
        compare(LANGUAGE, person.language, row.language)
    if row.active is not None:
        compare(ACTIVE, person.active, row.active)
    compare(AFFILIATION, person.affiliation, INTERNAL)
    compare(MANAGED, person.in_directory, True)
    return changes


# Upload, preview, apply ---------------------------------------------------------------

def upload(content, *, actor, filename="", deactivate_missing=False):
    """Keep an uploaded file for its preview and apply (after checking it can be read at
    all: a file that cannot is refused here, with nothing stored)."""
    require_admin(actor, DirectoryError)
    read_rows(content)
    directory_import = DirectoryImport(
        sha256=hashlib.sha256(content).hexdigest(), filename=(filename or "")[:FILENAME_MAX],
        content=content, deactivate_missing=deactivate_missing, uploaded_by_id=actor.id)
    db.session.add(directory_import)
    db.session.flush()
    audit.record("directory.uploaded", actor=actor, import_id=directory_import.id,
                 sha256=directory_import.sha256)
    return directory_import


def preview(directory_import):
    """The plan of a stored file, against the accounts as they are now."""
    return plan_rows(read_rows(directory_import.content),
                     deactivate_missing=directory_import.deactivate_missing)


def apply_import(directory_import, *, actor, sha256, deactivate_missing, digest):
    """Apply a previewed file, exactly as previewed: the same bytes (`sha256`), the
    same option and the same plan (`digest`), or nothing. Returns the plan applied."""
    require_admin(actor, DirectoryError)
    if (sha256 != directory_import.sha256
            or deactivate_missing != directory_import.deactivate_missing):
        raise DirectoryError(_("This is not the file you previewed. Upload it again and "
                               "check the new preview."))
    return _apply(directory_import, actor=actor, digest=digest)


def import_from_command_line(content, *, filename, deactivate_missing, dry_run):
    """The command line's import (an HR system's nightly export): the operator with a
    shell on the server is trusted as `create-admin` trusts them, and is audited as the
    command (no actor). Returns (plan, applied)."""
    rows = read_rows(content)
    plan = plan_rows(rows, deactivate_missing=deactivate_missing)
    if dry_run or plan.has_errors:
        return plan, False
    directory_import = DirectoryImport(
        sha256=hashlib.sha256(content).hexdigest(), filename=filename[:FILENAME_MAX],
        content=content, deactivate_missing=deactivate_missing)
    db.session.add(directory_import)
    db.session.flush()
    return _apply(directory_import, actor=None, digest=plan.digest), True


def _apply(directory_import, *, actor, digest):
    now = utcnow()
    # Claim the file first: of two admins applying it at once, one gets the row and the
    # other is told (the second UPDATE waits for the first to commit, then finds it
    # applied). Then the settings row is locked, so two different files are never
    # applied side by side on PostgreSQL (SQLite has one writer anyway).
    claimed = db.session.execute(
        update(DirectoryImport)
        .where(DirectoryImport.id == directory_import.id, DirectoryImport.applied_at.is_(None))
        .values(applied_at=now, applied_by_id=actor.id if actor is not None else None)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        raise DirectoryError(_("This file has already been applied."))
    db.session.execute(select(ProgramSettings.id).where(ProgramSettings.id == 1)
                       .with_for_update())
    plan = plan_rows(read_rows(directory_import.content),
                     deactivate_missing=directory_import.deactivate_missing)
    if plan.has_errors:
        raise DirectoryError(_("A file with errors cannot be applied: correct the lines "
                               "the preview shows and upload it again."))
    if plan.digest != digest:
        raise DirectoryError(_("The accounts have changed since the preview. Look at the "
                               "new preview before applying."))
    _write(plan, now)
    counts = plan.counts
    db.session.execute(update(DirectoryImport).where(DirectoryImport.id == directory_import.id)
                       .values(summary=counts).execution_options(synchronize_session=False))
    audit.record("directory.applied", actor=actor, import_id=directory_import.id,
                 sha256=directory_import.sha256, source="web" if actor else "command line",
                 **{key: value for key, value in counts.items() if key != "errors"})
    db.session.expire_all()  # the bulk statements bypassed the session's objects
    return plan


def _write(plan, now):
    """The plan, in bulk statements: new accounts, then every line of management (new
    people's managers may be new too), changes, deactivations, and the welcome mail."""
    ids = dict(plan.ids)
    if plan.new:
        inserted = db.session.execute(
            insert(User).returning(User.id, User.email, sort_by_parameter_order=True)
            .execution_options(listing_users=()),  # no one new is a mentor yet
            [{"email": row.email, "stored_name": row.full_name,
              # No password opens it: the mail's link sets one.
              "password_hash": no_password(),
              "language": row.language or "en",
              "timezone": default_timezone(row.language or "en", row.region),
              "region": row.region, "job_title": row.job_title, "affiliation": INTERNAL,
              "active": row.active is not False, "in_directory": True,
              "email_verified_at": now, "session_token": new_session_token(),
              "created_at": now} for row in plan.new])
        ids.update({email: user_id for user_id, email in inserted})

    updates = [{"id": ids[row.email], "manager_id": ids[row.manager_email]}
               for row in plan.new if row.manager_email]
    rows_by_email = {row.email: row for row in plan.rows}
    for change in plan.changed:
        row = rows_by_email[change.email]
        values = {"id": change.user_id, "stored_name": row.full_name,
                  "manager_id": ids[row.manager_email] if row.manager_email else None,
                  "region": row.region, "job_title": row.job_title,
                  "affiliation": INTERNAL, "in_directory": True}
        if row.language is not None:
            values["language"] = row.language
        if row.active is not None:
            values["active"] = row.active
            if not row.active:
                values["session_token"] = new_session_token()  # ends their sessions
        updates.append(values)
    updates += [{"id": user_id, "active": False, "session_token": new_session_token()}
                for user_id, _email, _name in plan.deactivate]
    if updates:
        db.session.execute(update(User).execution_options(
            listing_users=[values["id"] for values in updates]), updates)
    _welcome([row for row in plan.new if row.active is not False], ids, now)


def _welcome(rows, ids, now):
    """Each new person's email, in their language, with a link to choose a password: a
    password-reset link (the same page, single use, voided by any password change)
    that lives DIRECTORY_WELCOME_MAX_AGE, since people read such mail days later.
    Those who must sign in with single sign-on (PASSWORD_LOGIN=external-only) get no
    password link: their mail points to the login page and its company-account button."""
    if not rows:
        return
    max_age = current_app.config["DIRECTORY_WELCOME_MAX_AGE"]
    expires_at = now + max_age
    domains = internal_domains()
    sso_only = {row.email for row in rows if accounts.must_use_single_sign_on(row.email, domains)}
    tokens = {row.email: secrets.token_urlsafe(32) for row in rows
              if row.email not in sso_only}
    if tokens:
        db.session.execute(insert(AccountToken), [
            {"user_id": ids[email], "purpose": accounts.RESET,
             "token_hash": accounts.hash_token(token), "created_at": now,
             "expires_at": expires_at} for email, token in tokens.items()])
    templates = {}
    for language, single_sign_on in {(row.language or "en", row.email in sso_only)
                                     for row in rows}:
        # Rendered once per language with stand-ins, then filled in for each person
        # (the name escaped for HTML): rendering 20,000 mails one by one takes minutes.
        stand_in = User(email="", full_name=NAME_SLOT, language=language)
        if single_sign_on:
            with force_locale(language):
                button = sso.label()
            url = url_for("accounts.login", _external=True)
        else:
            button = None
            url = url_for("accounts.reset_password", token=LINK_SLOT, _external=True)
        templates[language, single_sign_on] = mail.render(
            stand_in, WELCOME, WELCOME_SSO_SUBJECT if single_sign_on else WELCOME_SUBJECT,
            days=max_age.days, single_sign_on=single_sign_on, button=button, url=url)
    messages = []
    for row in rows:
        single_sign_on = row.email in sso_only
        template = templates[row.language or "en", single_sign_on]

        def fill(body, escape_name, row=row):
            return (body.replace(LINK_SLOT, tokens.get(row.email, ""))
                    .replace(NAME_SLOT, escape_name(first_name_of(row.full_name))))

        messages.append((mail.Message(
            to=row.email, subject=template.subject, kind=WELCOME,
            text=fill(template.text, str), html=fill(template.html, escape)),
            ids[row.email], None if single_sign_on else expires_at))
    mail.queue_many(messages)
