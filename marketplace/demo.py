"""The bilingual demo data set loaded by `flask --app wsgi seed-demo` (and `make run`).

It is meant to show every screen with believable content; it grows with the product.
Every demo account shares one password, printed by the command.
"""

from sqlalchemy import select

from .accounts.models import EXTERNAL, User
from .accounts.services import count_users, hash_password
from .clock import utcnow
from .extensions import db

PASSWORD = "mentoring-demo-2026"  # noqa: S105 (the published demo password)

# email, name, language, time zone, region, job title, company (external only),
# manager's email, admin
PEOPLE = (
    ("alex.morgan@example.com", "Alex Morgan", "en", "Europe/London", "uk-ireland",
     "Sales Enablement Lead", None, None, True),
    ("giulia.romano@example.com", "Giulia Romano", "it", "Europe/Rome", "it-north",
     "Direttrice vendite Nord Italia", None, None, True),
    ("marco.bianchi@example.com", "Marco Bianchi", "it", "Europe/Rome", "it-north",
     "Account executive", None, "giulia.romano@example.com", False),
    ("francesca.esposito@example.com", "Francesca Esposito", "it", "Europe/Rome", "it-south",
     "Key account manager", None, "giulia.romano@example.com", False),
    ("sarah.collins@example.com", "Sarah Collins", "en", "Europe/London", "uk-ireland",
     "Regional Sales Manager", None, None, False),
    ("tom.fletcher@example.com", "Tom Fletcher", "en", "Europe/London", "uk-ireland",
     "Business Development Representative", None, "sarah.collins@example.com", False),
    ("elena.ferri@example.org", "Elena Ferri", "it", "Europe/Rome", "it-centre",
     "Consulente di strategia commerciale", "Studio Ferri Consulenza", None, False),
    ("david.okafor@example.net", "David Okafor", "en", "America/New_York", "north-america",
     "Independent sales coach", "Northbridge Partners", None, False),
)
ADMIN_EMAIL = PEOPLE[0][0]


def has_data():
    return count_users() > 0


def is_present():
    return db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is not None


def load():
    password_hash = hash_password(PASSWORD)
    now = utcnow()
    users = {}
    for email, name, language, timezone, region, title, company, manager, admin in PEOPLE:
        users[email] = User(
            email=email, full_name=name, language=language, timezone=timezone,
            region=region, job_title=title, password_hash=password_hash,
            affiliation=EXTERNAL if company else "internal", company=company,
            manager=users.get(manager), is_admin=admin, email_verified_at=now)
        db.session.add(users[email])
    db.session.flush()
    return users


def logins_text():
    rows = [f"  {email:<34} {name}{' (admin)' if admin else ''}"
            for email, name, *_rest, admin in PEOPLE]
    return "\n".join(["Demo logins (password for all: " + PASSWORD + "):", *rows])
