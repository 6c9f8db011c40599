"""The bilingual demo data set loaded by `flask --app wsgi seed-demo` (and `make run`).

It is meant to show every screen with believable content; it grows with the product.
Every demo account shares one password, printed by the command.
"""

from sqlalchemy import select

from .accounts.models import EXTERNAL, User
from .accounts.services import count_users, hash_password
from .clock import utcnow
from .extensions import db
from .mentors import services as mentors
from .mentors.models import APPROVE, REJECT, REQUEST_CHANGES
from .program import services as program
from .vetting import services as vetting

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
    ("roberto.conti@example.com", "Roberto Conti", "it", "Europe/Rome", "it-centre",
     "Responsabile grandi clienti", None, "giulia.romano@example.com", False),
    ("paolo.greco@example.org", "Paolo Greco", "it", "Europe/Rome", "it-north",
     "Consulente commerciale", "Greco Vendite Srl", None, False),
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
    program.seed_default_areas()
    load_profiles(users)
    return users


# email, outcome, decision notes, headline (en, it), bio (en, it), areas (positions in
# the default taxonomy), years, languages, formats, capacity, hours, working style,
# motivation, conflicts of interest (external mentors)
PROFILES = (
    ("giulia.romano@example.com", "approved", "",
     ("Twenty years of enterprise deals in Northern Italy",
      "Vent'anni di trattative con le grandi aziende del Nord Italia"),
     (None,
      "Guido un team di quindici commerciali tra Milano e Torino. Ho iniziato porta a porta "
      "e ho chiuso contratti pluriennali con gruppi industriali: posso aiutarti a "
      "preparare una negoziazione complessa e a gestire i clienti più esigenti."),
     (7, 8, 10), 20, ["it", "en"], ["in_person", "video"], 3, 8,
     "Un incontro ogni due settimane, con un obiettivo per volta e un breve resoconto "
     "scritto dopo ogni sessione.",
     "Mi costringe a mettere in parole quello che faccio d'istinto, e imparo molto dalle "
     "domande dei più giovani.", None),
    ("sarah.collins@example.com", "approved", "",
     ("From cold calls to a team of twelve: prospecting that works",
      "Dalle chiamate a freddo a un team di dodici persone"),
     ("I built our UK inside-sales team from scratch. I can help you design a prospecting "
      "routine, write outreach that gets answers, and turn first meetings into pipeline.",
      None),
     (6, 1, 4), 12, ["en"], ["video", "phone"], 2, 6,
     "Weekly 30-minute calls, with homework between them. I will ask for your call notes.",
     "Coaching keeps me honest about my own habits, and I love seeing people grow.", None),
    ("elena.ferri@example.org", "approved", "",
     ("Negotiation coach for complex B2B deals",
      "Coach di negoziazione per trattative B2B complesse"),
     ("I have advised sales teams in manufacturing and services for fifteen years, after "
      "ten years as a key account manager. I focus on preparation and on the conversation "
      "about price.",
      "Da quindici anni affianco i team commerciali di aziende manifatturiere e di servizi, "
      "dopo dieci anni come key account manager. Mi concentro sulla preparazione e sulla "
      "conversazione sul prezzo."),
     (7, 8, 3), 25, ["it", "en", "fr"], ["video", "in_person"], 2, 5,
     "Sessioni mensili di un'ora e mezza, con simulazioni di trattativa.",
     "Conoscere da vicino nuovi settori e restituire quello che i miei mentori mi hanno "
     "dato.", "Nessuno: non lavoro per concorrenti, clienti o fornitori dell'azienda."),
    ("roberto.conti@example.com", "approved", "",
     (None, "Gestione dei grandi clienti nel Centro Italia"),
     (None,
      "Seguo da dodici anni i clienti più importanti del Centro Italia. Posso aiutarti a "
      "costruire un piano per ogni cliente, a trovare nuove opportunità e a non perdere "
      "i rinnovi."),
     (9, 1), 14, ["it"], ["in_person", "phone"], 2, 4,
     "Incontri in presenza a Roma o al telefono, una volta al mese.",
     "Mi piace vedere i colleghi crescere e mi aiuta a restare aggiornato.", None),
    ("david.okafor@example.net", "pending", "",
     ("Social selling and personal brand for B2B reps", None),
     ("Independent coach since 2018, before that a top performer in SaaS sales in New "
      "York. I help reps use LinkedIn to open conversations that turn into meetings.",
      None),
     (4, 6), 15, ["en"], ["video"], 3, 6,
     "Video calls every two weeks; we review your posts and messages together.",
     "It keeps me close to what reps face every day.",
     "None. I coach sales teams at other companies, none of them competitors."),
    ("francesca.esposito@example.com", "changes_requested",
     "Il profilo è promettente: aggiungi qualche esempio concreto di risultati ottenuti "
     "con i clienti e indica come preferisci organizzare gli incontri.",
     (None, "Key account manager nel Sud Italia"),
     (None,
      "Lavoro con i clienti della grande distribuzione del Sud Italia da otto anni e "
      "voglio aiutare i colleghi più giovani."),
     (9,), 8, ["it"], ["video"], 1, 3,
     "Da definire.", "Restituire quello che ho ricevuto.", None),
    ("paolo.greco@example.org", "rejected",
     "Il profilo indica un rapporto di consulenza in corso con un diretto concorrente: "
     "non possiamo accettarlo.",
     (None, "Vendite nel settore industriale"),
     (None,
      "Consulente commerciale con esperienza nel settore industriale. Aiuto le aziende a "
      "strutturare la forza vendita e ad aprire nuovi mercati."),
     (5,), 18, ["it"], ["in_person"], 2, 4,
     "Incontri in presenza.", "Ampliare la mia rete.",
     "Seguo come consulente un'azienda concorrente."),
)


def load_profiles(users):
    """Profiles in every state, vetted through the real services."""
    areas = {position: area for position, area in enumerate(program.areas(), start=1)}
    reviewers = [users["alex.morgan@example.com"], users["giulia.romano@example.com"]]
    for (email, outcome, notes, headlines, bios, area_positions, years, languages, formats,
         capacity, hours, style, motivation, conflicts) in PROFILES:
        user = users[email]
        profile, _saved = mentors.save_profile(user, content={
            "headline_en": headlines[0], "headline_it": headlines[1],
            "bio_en": bios[0], "bio_it": bios[1],
            "areas": [areas[position] for position in area_positions],
            "affiliation": user.affiliation, "company": user.company,
            "confidentiality": user.is_external, "conflicts": conflicts,
        }, details={
            "years_experience": years, "region": user.region, "working_style": style,
            "motivation": motivation, "capacity": capacity, "monthly_hours": hours,
            "accepting": True, "languages": languages, "formats": formats,
        })
        mentors.submit_profile(profile, actor=user)
        if outcome == "pending":
            continue
        reviewer = next(admin for admin in reviewers if admin.id != user.id)
        decision = {"approved": APPROVE, "changes_requested": REQUEST_CHANGES,
                    "rejected": REJECT}[outcome]
        vetting.decide(profile, reviewer=reviewer, decision=decision, notes=notes)


def logins_text():
    rows = [f"  {email:<34} {name}{' (admin)' if admin else ''}"
            for email, name, *_rest, admin in PEOPLE]
    return "\n".join(["Demo logins (password for all: " + PASSWORD + "):", *rows])
