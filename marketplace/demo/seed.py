"""The bilingual demo data set loaded by `flask --app wsgi seed-demo` (and `make run`).

It is meant to show every screen with believable content; it grows with the product.
Every demo account shares one password, printed by the command.
"""

from datetime import timedelta

from sqlalchemy import delete, select

from ..accounts.models import EXTERNAL, User
from ..accounts.services import count_users, hash_password
from ..core import mail
from ..core.clock import utcnow
from ..core.mail import OutboxMail
from ..extensions import db
from ..invitations import services as invitations
from ..invitations.models import Invitation
from ..mentors import services as mentors
from ..mentors.models import APPROVE, REJECT, REQUEST_CHANGES
from ..mentorships import services as mentoring
from ..mentorships import tallies
from ..program import services as program
from ..stories import services as stories
from ..vetting import services as vetting
from .cohort import load_cohort

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
    load_mentoring(users)
    load_invitations(users, now)
    load_cohort(users, password_hash)
    # Its check-ins are dated in the past after they are logged.
    tallies.recount()
    # The demo's past events leave their notifications, but email nobody.
    db.session.execute(delete(OutboxMail))
    db.session.info.pop(mail.QUEUED, None)
    return users


# email, outcome, decision notes, headline (en, it), bio (en, it), areas (positions in
# the default taxonomy), years, languages, formats, capacity, hours, working style,
# motivation, conflicts of interest (external mentors). A mentor writes in their own
# language, and the headline and bio in each of English and Italian they mentor in.
PROFILES = (
    ("giulia.romano@example.com", "approved", "",
     ("Twenty years of enterprise deals in Northern Italy",
      "Vent’anni di trattative con le grandi aziende del Nord Italia"),
     ("I lead a team of fifteen sales people between Milan and Turin. I started out "
      "selling door to door and have closed multi-year contracts with industrial groups: "
      "I can help you prepare a complex negotiation and handle the most demanding "
      "customers.",
      "Guido un team di quindici commerciali tra Milano e Torino. Ho iniziato porta a porta "
      "e ho chiuso contratti pluriennali con gruppi industriali: posso aiutarti a "
      "preparare una negoziazione complessa e a gestire i clienti più esigenti."),
     (7, 8, 10), 20, ["it", "en"], ["in_person", "video"], 3, 8,
     "Un incontro ogni due settimane, con un obiettivo per volta e un breve resoconto "
     "scritto dopo ogni sessione.",
     "Mi costringe a mettere in parole quello che faccio d’istinto, e imparo molto dalle "
     "domande dei più giovani.", None),
    ("sarah.collins@example.com", "approved", "",
     ("From cold calls to a team of twelve: prospecting that works", None),
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
     "Sessioni mensili di un’ora e mezza, con simulazioni di trattativa.",
     "Conoscere da vicino nuovi settori e restituire quello che i miei mentori mi hanno "
     "dato.", "Nessuno: non lavoro per concorrenti, clienti o fornitori dell’azienda."),
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
     "Incontri in presenza, una volta al mese.", "Ampliare la mia rete.",
     "Seguo come consulente un’azienda concorrente."),
)


def load_profiles(users):
    """Profiles in every state, vetted through the real services: by an admin who
    writes the notes in the mentor's language when one can."""
    areas = {position: area for position, area in enumerate(program.areas(), start=1)}
    reviewers = [users["alex.morgan@example.com"], users["giulia.romano@example.com"]]
    for (email, outcome, notes, headlines, bios, area_positions, years, languages, formats,
         capacity, hours, style, motivation, conflicts) in PROFILES:
        user = users[email]
        profile, _saved = mentors.save_profile(actor=user, content={
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
        reviewer = min((admin for admin in reviewers if admin.id != user.id),
                       key=lambda admin: admin.language != user.language)
        decision = {"approved": APPROVE, "changes_requested": REQUEST_CHANGES,
                    "rejected": REJECT}[outcome]
        vetting.decide(profile, actor=reviewer, decision=decision, notes=notes)


# mentee, mentor, outcome, days ago sent, days to answer, area position, goal,
# situation, measures, hours, months, cadence, format, the mentor's answer. Each person
# writes in their own language: Marco writes to Sarah in Italian, which she does not read.
REQUESTS = (
    ("marco.bianchi@example.com", "elena.ferri@example.org", "active", 40, 1, 7,
     "Chiudere entro giugno il mio primo contratto pluriennale con un cliente "
     "manifatturiero della Lombardia.",
     "Ho tre trattative aperte con aziende manifatturiere, ma mi fermo sempre sul prezzo: "
     "concedo sconti troppo presto e i clienti lo sanno. Ho seguito un corso di "
     "negoziazione, ma non riesco ad applicarlo sotto pressione.",
     "Un contratto firmato di almeno tre anni, con uno sconto sotto il 10%.",
     3, 6, "biweekly", "video",
     "Volentieri, Marco: partiamo dalla trattativa più vicina alla chiusura."),
    ("francesca.esposito@example.com", "roberto.conti@example.com", "completed", 230, 3, 9,
     "Costruire un piano per ciascuno dei miei cinque clienti principali entro la fine "
     "del trimestre.",
     "Gestisco cinque grandi clienti della distribuzione ma lavoro in modo reattivo: "
     "rispondo alle richieste e non ho un piano. Due rinnovi l’anno scorso sono arrivati "
     "all’ultimo momento.",
     "Cinque piani cliente approvati dal mio responsabile e nessun rinnovo in ritardo.",
     2, 6, "monthly", "in_person",
     "Volentieri: ci vediamo a Roma per il primo incontro. Porta i dati dei tuoi cinque "
     "clienti."),
    ("tom.fletcher@example.com", "elena.ferri@example.org", "open", 3, None, 8,
     "Learn to handle price objections so that I can close my first deals this quarter.",
     "I book plenty of first meetings, but my proposals stall when the buyer asks for a "
     "discount. My manager says I give in too fast, and my win rate is half the team's.",
     "Win rate from 10% to 20% by the end of the quarter.",
     2, 3, "weekly", "video", None),
    ("marco.bianchi@example.com", "sarah.collins@example.com", "declined", 12, 2, 6,
     "Costruire un metodo per cercare nuovi clienti che riempia la mia pipeline per i "
     "prossimi due trimestri.",
     "La mia pipeline dipende dai contatti che mi passa il marketing: quando rallentano, "
     "resto senza niente. Non ho mai cercato nuovi clienti da solo in modo strutturato.",
     "Venti primi incontri qualificati fissati da me in tre mesi.",
     2, 3, "weekly", "video",
     "Thank you, Marco. I only mentor in English, and a request like yours deserves a "
     "mentor who can follow every detail of your deals: someone who mentors in Italian "
     "will be a better fit."),
    ("tom.fletcher@example.com", "giulia.romano@example.com", "expired", 20, None, 10,
     "Prepare for my first team-lead role in the next six months.",
     "I have been offered to lead two new reps from next year. I have never managed "
     "anyone and want to avoid the usual mistakes of first-time managers.",
     "A development plan for both reps agreed with them in my first month.",
     2, 6, "monthly", "video", None),
)


# inviter, invitee's name and email, language, message, days ago, what became of it
INVITATIONS = (
    ("marco.bianchi@example.com", "Elena Ferri", "elena.ferri@example.org", "it",
     "Elena, mi hai insegnato a preparare le trattative quando lavoravamo insieme: mi "
     "piacerebbe che mi aiutassi a negoziare i rinnovi con i grandi clienti.", 60,
     "approved"),
    ("tom.fletcher@example.com", "Hannah Price", "hannah.price@example.net", "en",
     "Hannah, you ran the best outbound team I have worked in. I would love your help "
     "to build a prospecting routine that lasts.", 3, "sent"),
    ("francesca.esposito@example.com", "Luca Moretti", "luca.moretti@example.net", "it",
     "Luca, ti ho visto parlare di vendita sui social a un convegno: vorrei imparare "
     "a usare LinkedIn con i buyer della grande distribuzione.", 30, "expired"),
)


def load_invitations(users, now):
    """Invitations to outside mentors: one that brought a mentor, one waiting, one
    that expired."""
    for inviter, name, email, language, message, days_ago, outcome in INVITATIONS:
        if email in users:  # the invitee is here: their account came from the link
            invitation = Invitation(
                inviter=users[inviter], email=email, name=name, message=message,
                language=language, token_hash=f"demo-{email}", invitee=users[email])
        else:
            invitation = invitations.invite(actor=users[inviter], name=name, email=email,
                                            message=message, language=language)
        sent = now - timedelta(days=days_ago)
        invitation.created_at = invitation.sent_at = sent
        invitation.expires_at = sent + timedelta(days=14)
        if outcome == "approved":
            invitation.opened_at = sent + timedelta(hours=5)
            invitation.accepted_at = sent + timedelta(days=1)
            invitation.approved_at = sent + timedelta(days=4)
        db.session.add(invitation)
    db.session.flush()


def load_mentoring(users):
    """Requests in every state and mentorships with check-ins, made through the real
    services and then moved back in time."""
    now = utcnow()
    profiles = {email: mentors.profile_of(users[email]) for email in (
        "elena.ferri@example.org", "roberto.conti@example.com",
        "sarah.collins@example.com", "giulia.romano@example.com")}
    for (mentee_email, mentor_email, outcome, days_ago, answer_days, area_position, goal,
         situation, measures, hours, months, cadence, fmt, answer) in REQUESTS:
        mentee, profile = users[mentee_email], profiles[mentor_email]
        sent = now - timedelta(days=days_ago)
        area = next(area for area in profile.published.areas
                    if area.position == area_position)
        request = mentoring.submit_request(
            profile, actor=mentee, area=area, goal=goal, target_date=(sent + timedelta(
                days=30 * months - 5)).date(), current_situation=situation,
            success_measures=measures, hours_per_month=hours, duration_months=months,
            cadence=cadence, meeting_format=fmt, message="")
        request.created_at = sent
        mentor = users[mentor_email]
        if outcome == "declined":
            mentoring.decline_request(request, actor=mentor, reason="better_fit",
                                      note=answer)
        elif outcome == "expired":
            mentoring.expire_requests(now=now)
        elif outcome in ("active", "completed"):
            mentorship = mentoring.accept_request(request, actor=mentor, note=answer)
            started = (sent + timedelta(days=answer_days)).date()
            mentorship.started_on = started
            mentorship.planned_end_on = started + timedelta(days=30 * months)
            load_check_ins(mentorship, mentee, mentor, outcome)
        if answer_days is not None:
            request.answered_at = sent + timedelta(days=answer_days)
    db.session.flush()


def load_check_ins(mentorship, mentee, mentor, outcome):
    meetings = (
        (mentee, "Abbiamo definito l’obiettivo e le tre trattative su cui lavorare.",
         "Preparare la mappa degli interlocutori per ciascun cliente."),
        (mentor, "Simulazione della trattativa sul prezzo con il cliente principale.",
         "Scrivere le tre concessioni possibili e il loro valore."),
        (mentee, "Revisione della proposta economica prima dell’incontro.",
         "Inviare la proposta e fissare la riunione di chiusura."),
        (mentor, "Bilancio finale: obiettivo raggiunto, piano di mantenimento.", ""),
    )
    step = 14 if mentorship.cadence == "biweekly" else 30
    count = 2 if outcome == "active" else 4
    for number, (author, summary, next_steps) in enumerate(meetings[:count]):
        check_in = mentoring.log_check_in(
            mentorship, actor=author, held_on=utcnow().date(), minutes=60,
            summary=summary, next_steps=next_steps)
        check_in.held_on = mentorship.started_on + timedelta(days=3 + step * number)
        if number < count - 1 or outcome == "completed":
            # Through the service: the other side's request to confirm is marked read.
            mentoring.confirm_check_in(check_in, mentorship,
                                       actor=mentorship.other_side(author))
    if outcome == "completed":
        mentoring.complete_mentorship(mentorship, actor=mentee)
        mentorship.ended_at = utcnow() - timedelta(days=30)
        mentoring.leave_feedback(mentorship, actor=mentee, rating=5, comment=(
            "Roberto mi ha insegnato a pensare come il cliente: i miei piani ora sono "
            "concreti."))
        mentoring.leave_feedback(mentorship, actor=mentor, rating=5, comment=(
            "Francesca è sempre arrivata preparata."), gained=(
            "Ho rimesso in ordine il mio modo di pianificare i clienti."))
        story = stories.write_story(mentorship, actor=mentee, title=(
            "Dall’inseguire le richieste a un piano per ogni cliente"), body=STORY)
        stories.ask_consent(story, actor=mentee)
        stories.give_consent(story, actor=mentor, version=story.version)
        stories.publish(story, actor=next(user for user in db.session.scalars(
            select(User).where(User.is_admin.is_(True)))))


STORY = (
    "Quando ho chiesto a Roberto di farmi da mentore gestivo cinque grandi clienti della "
    "distribuzione inseguendo le loro richieste, e due rinnovi l’anno prima erano arrivati "
    "all’ultimo momento. In sei mesi, un incontro al mese a Roma, abbiamo costruito un piano "
    "per ogni cliente: chi decide, cosa gli serve davvero, quando parlarne. Roberto non mi "
    "ha mai dato la risposta: mi ha fatto le domande giuste. Oggi i cinque piani sono "
    "approvati dal mio responsabile e quest’anno nessun rinnovo è arrivato in ritardo.")


def logins_text():
    rows = [f"  {email:<34} {name}{' (admin)' if admin else ''}"
            for email, name, *_rest, admin in PEOPLE]
    return "\n".join(["Demo logins (password for all: " + PASSWORD + "):", *rows])
