"""The program's taxonomy and settings. Admin-only changes, each one audited."""

import re

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core import audit
from ..core.clock import utcnow
from ..errors import DomainError, require_admin
from ..extensions import db
from ..i18n import N_
from .models import ORGANISATION_NAME_MAX, FocusArea, ProgramSettings, ProgramText
from .texts import PARTS, defaults_in, stored

# The sales program's categories and skills, seeded by the first migration that
# creates the taxonomy and by the demo data.
DEFAULT_AREAS = (
    ("Customer acquisition and retention", "Acquisizione e fidelizzazione dei clienti"),
    ("Capability building", "Sviluppo delle competenze"),
    ("Risk management", "Gestione dei rischi"),
    ("Social media selling", "Vendita tramite social media"),
    ("Global operations", "Internazionalizzazione"),
    ("Prospecting", "Ricerca di nuovi clienti"),
    ("Negotiation", "Negoziazione"),
    ("Closing", "Chiusura delle trattative"),
    ("Account management", "Gestione dei clienti"),
    ("Sales leadership", "Leadership commerciale"),
)


# Also said by the admin's area form before the service is reached.
AREA_NAMES_NEEDED = N_("Give the area a name in both languages.")
# Also said by the program page's form before the service is reached.
PILOT_AFTER_ROLLOUT = N_("The pilot cannot start after the program opens to the whole sales "
                         "organisation: choose an earlier day, or change the other date.")


class ProgramError(DomainError):
    """`field` names the settings field the message belongs next to, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def settings():
    """The program settings, created with their defaults the first time."""
    current = db.session.get(ProgramSettings, 1)
    if current is None:  # the migrations create it; a database made otherwise may not
        try:
            with db.session.begin_nested():
                db.session.add(ProgramSettings(id=1))
        except IntegrityError:  # created at the same moment by another request
            pass
        current = db.session.get(ProgramSettings, 1)
    return current


def internal_domains():
    """The organisation's email domains, lower case (empty: none set yet)."""
    return settings().internal_domains.split()


# A domain as a mail address ends with: labels of letters, digits and inner hyphens,
# at most 63 characters each, 253 in all, and a top-level label that is not all digits.
DOMAIN_MAX = 253
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
DOMAIN_SEPARATORS = re.compile(r"[\s,;]+")


def domain_problem(domain):
    """Why `domain` (lower case, stripped) cannot be an internal domain, or None."""
    if "@" in domain:
        return _("Write “%(domain)s” without “@”: only what comes after it, like acme.com.",
                 domain=domain)
    try:
        ascii_form = domain.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_form = ""
    labels = ascii_form.split(".")
    if (not ascii_form or len(ascii_form) > DOMAIN_MAX or len(labels) < 2
            or not all(LABEL.match(label) for label in labels) or labels[-1].isdigit()):
        return _("“%(domain)s” is not a domain name: write it like acme.com.",
                 domain=domain)
    return None


def parse_domains(text):
    """The internal domains written in `text` (one per line, or separated by commas):
    lower case, each once, in the order given. ProgramError names the first one that is
    not a domain name."""
    domains = []
    for item in DOMAIN_SEPARATORS.split((text or "").lower()):
        domain = item.strip().rstrip(".")
        if not domain or domain in domains:
            continue
        problem = domain_problem(domain)
        if problem:
            raise ProgramError(problem, field="internal_domains")
        domains.append(domain)
    return domains


def organisation_name(language):
    """The organisation's name in `language`, else in the other language, else ""."""
    current = settings()
    names = (current.organisation_name_it, current.organisation_name_en)
    if language != "it":
        names = names[::-1]
    return next((name for name in names if name), "")


def is_internal_address(email, domains=None):
    """Whether `email` is in one of the internal domains (`domains`, or the program's):
    its domain exactly, a subdomain only when listed itself."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    return bool(domain) and domain in (internal_domains() if domains is None else domains)


def update_settings(*, actor, **values):
    """Change settings. More required approvals than there are admins to give them
    would leave every profile waiting for ever, so that is refused."""
    require_admin(actor, ProgramError)
    current = settings()
    if "internal_domains" in values:
        values["internal_domains"] = "\n".join(parse_domains(values["internal_domains"]))
    for name in ("organisation_name_en", "organisation_name_it"):
        if name in values:
            values[name] = (values[name] or "").strip()
            if len(values[name]) > ORGANISATION_NAME_MAX:
                raise ProgramError(_("Use at most %(max)d characters.",
                                     max=ORGANISATION_NAME_MAX), field=name)
    required = values.get("required_approvals", current.required_approvals)
    admins = db.session.scalar(select(func.count(User.id))
                               .where(User.is_admin.is_(True), User.active.is_(True)))
    if required > admins:
        raise ProgramError(ngettext(
            "There is only %(num)d active admin, so profiles cannot need more approvals.",
            "There are only %(num)d active admins, so profiles cannot need more approvals.",
            admins))
    changes = {name: [getattr(current, name), value] for name, value in values.items()
               if getattr(current, name) != value}
    for name, (_old, new) in changes.items():
        setattr(current, name, new)
    if changes:
        audit.record("settings.updated", actor=actor, changes=changes)
    return changes


# Focus areas -------------------------------------------------------------------------

def areas(include_retired=False):
    statement = select(FocusArea).order_by(FocusArea.position, FocusArea.id)
    if not include_retired:
        statement = statement.where(FocusArea.retired_at.is_(None))
    return db.session.scalars(statement).all()


def _check_names(name_en, name_it, area=None):
    name_en, name_it = name_en.strip(), name_it.strip()
    if not name_en or not name_it:
        raise ProgramError(_(AREA_NAMES_NEEDED))
    # Compared here rather than with SQL lower(), which on SQLite ignores accents
    # ("QUALITÀ"); the taxonomy is a few dozen rows.
    taken = {name.casefold() for other in areas(include_retired=True) if other is not area
             for name in (other.name_en, other.name_it)}
    if name_en.casefold() in taken or name_it.casefold() in taken:
        raise ProgramError(_("There is already an area with this name."))
    return name_en, name_it


def add_area(*, actor, name_en, name_it):
    require_admin(actor, ProgramError)
    name_en, name_it = _check_names(name_en, name_it)
    last = db.session.scalar(select(func.max(FocusArea.position))) or 0
    area = FocusArea(name_en=name_en, name_it=name_it, position=last + 1)
    db.session.add(area)
    db.session.flush()
    audit.record("area.added", actor=actor, area_id=area.id, name_en=name_en, name_it=name_it)
    return area


def rename_area(area, *, actor, name_en, name_it):
    require_admin(actor, ProgramError)
    name_en, name_it = _check_names(name_en, name_it, area)
    audit.record("area.renamed", actor=actor, area_id=area.id,
                 old=[area.name_en, area.name_it], new=[name_en, name_it])
    area.name_en, area.name_it = name_en, name_it


def retire_area(area, *, actor):
    require_admin(actor, ProgramError)
    if area.is_retired:
        raise ProgramError(_("This area is already retired."))
    area.retired_at = utcnow()
    audit.record("area.retired", actor=actor, area_id=area.id)


def restore_area(area, *, actor):
    require_admin(actor, ProgramError)
    if not area.is_retired:
        raise ProgramError(_("This area is not retired."))
    area.retired_at = None
    audit.record("area.restored", actor=actor, area_id=area.id)


def seed_default_areas():
    """Add the program's standard areas to an empty taxonomy."""
    if db.session.scalar(select(func.count(FocusArea.id))):
        return
    for position, (name_en, name_it) in enumerate(DEFAULT_AREAS, start=1):
        db.session.add(FocusArea(name_en=name_en, name_it=name_it, position=position))
    db.session.flush()


# The program page ---------------------------------------------------------------------

def check_timeline(pilot_starts_on, rollout_starts_on):
    """The pilot comes first: the home page's timeline would otherwise tell visitors
    the program opens to everyone before it is tried. Either date may be left open."""
    if pilot_starts_on and rollout_starts_on and pilot_starts_on > rollout_starts_on:
        raise ProgramError(_(PILOT_AFTER_ROLLOUT), field="pilot_starts_on")


def update_texts(*, actor, texts, pilot_starts_on=None, rollout_starts_on=None):
    """Save the program page's wording: `texts` is {key: (english, italian)}.

    A part counts as changed only when what visitors read changes: the form shows the
    default wording until it is reworded, and saving it as shown changes nothing. A
    language left empty or at its default is stored empty, so it keeps showing the
    default in that language."""
    require_admin(actor, ProgramError)
    check_timeline(pilot_starts_on, rollout_starts_on)
    rows = stored()
    defaults = {language: defaults_in(language) for language in ("en", "it")}
    changed = []
    for key, (english, italian) in texts.items():
        if key not in PARTS:
            continue
        row = rows.get(key)
        default = {language: wording[key] for language, wording in defaults.items()}
        now = {language: (row.text(language) if row else "") or default[language]
               for language in default}
        new = {"en": (english or "").strip() or default["en"],
               "it": (italian or "").strip() or default["it"]}
        if new == now:
            continue
        row = row or ProgramText(key=key)
        # A language at its default wording is stored empty and so follows the catalog.
        row.text_en, row.text_it = ("" if new[language] == default[language]
                                    else new[language] for language in ("en", "it"))
        db.session.add(row)
        changed.append(key)
    current = settings()
    for name, value in (("pilot_starts_on", pilot_starts_on),
                        ("rollout_starts_on", rollout_starts_on)):
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if changed:
        audit.record("program.texts_updated", actor=actor, changed=changed)
    return changed
