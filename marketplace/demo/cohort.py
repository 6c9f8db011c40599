"""The demo's pilot cohort: about fifty more people around the named ones in seed.py.

Generated from a fixed seed, so every `seed-demo` tells the same story: a pilot that
started eight months ago, with internal and external mentors in both languages,
requests in every state, mentorships running and finished, check-ins and feedback.
Everything goes through the real services and is then moved back in time.
"""

import random
from datetime import timedelta

from ..accounts.models import EXTERNAL, INTERNAL, User
from ..core.clock import utcnow
from ..extensions import db
from ..mentors import services as mentors
from ..mentorships import services as mentoring
from ..mentorships.services import RequestError
from ..program import services as program
from ..vetting import services as vetting

IT_FIRST = ("Alessandro", "Chiara", "Davide", "Elisa", "Federico", "Giorgia", "Lorenzo",
            "Martina", "Matteo", "Paola", "Riccardo", "Sara", "Simone", "Valentina",
            "Andrea", "Laura", "Stefano", "Silvia", "Fabio", "Anna")
IT_LAST = ("Ricci", "Marino", "Greco", "Bruno", "Gallo", "Costa", "Fontana", "Caruso",
           "Mancini", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Ferrara", "Santoro",
           "Rinaldi", "Leone", "Longo", "Martini", "Villa")
EN_FIRST = ("James", "Emily", "Oliver", "Sophie", "Daniel", "Hannah", "Liam", "Grace",
            "Ethan", "Chloe", "Noah", "Amelia", "Jack", "Isla", "Ryan", "Megan")
EN_LAST = ("Walker", "Hughes", "Bennett", "Carter", "Mitchell", "Turner", "Parker",
           "Evans", "Reid", "Foster", "Hayes", "Murray", "Shaw", "Lawson", "Price", "Doyle")
IT_REGIONS = ("it-north", "it-north", "it-centre", "it-south")
EN_REGIONS = ("uk-ireland", "uk-ireland", "benelux", "nordics", "dach")
IT_TITLES = ("Account executive", "Commerciale junior", "Key account manager",
             "Business developer", "Inside sales")
EN_TITLES = ("Account Executive", "Sales Development Representative", "Key Account Manager",
             "Business Development Manager", "Inside Sales Representative")
MENTOR_TITLES = {"it": ("Area manager", "Responsabile vendite", "Key account senior"),
                 "en": ("Sales Director", "Regional Sales Lead", "Senior Account Director")}
EXTERNAL_COMPANIES = ("Vendere Meglio Srl", "Brightline Advisory", "Studio Marchetti",
                      "Northway Consulting")

# By area position: (English, Italian) headline of a mentor strong in it.
HEADLINES = {
    1: ("Winning and keeping customers for the long run",
        "Conquistare i clienti e fidelizzarli nel tempo"),
    2: ("Building a sales team's skills, one habit at a time",
        "Sviluppare le competenze di un team commerciale, un’abitudine alla volta"),
    3: ("Selling safely: contracts, credit and compliance",
        "Vendere in sicurezza: contratti, crediti e conformità"),
    4: ("Opening conversations on LinkedIn that lead to meetings",
        "Aprire su LinkedIn conversazioni che portano a un incontro"),
    5: ("Selling across borders and cultures",
        "Vendere oltre i confini, tra culture diverse"),
    6: ("A full pipeline without waiting for marketing",
        "Una pipeline piena senza aspettare il marketing"),
    7: ("Negotiating price without giving the margin away",
        "Negoziare il prezzo senza regalare il margine"),
    8: ("Closing: from the last objection to the signature",
        "Chiusura: dall’ultima obiezione alla firma"),
    9: ("Growing the accounts you already have",
        "Più fatturato dai clienti che hai già"),
    10: ("From top seller to leader of sellers",
         "Dai risultati personali alla guida di un team commerciale"),
}
# Every text below comes in each language, written as a sales person of that language
# would write it (data, not UI: no gettext). A person writes in their own language;
# a bilingual mentor fills both versions of the profile texts that have two.
BIOS = {
    "en": ("I have sold for {years} years, the last {lead} leading a team. I like to start "
           "from your real deals and leave you with one thing to try before we meet again.",
           "{years} years in sales, {lead} of them as a team lead. Bring me the deal that "
           "keeps you up at night: we will take it apart together, step by step."),
    "it": ("Vendo da {years} anni, gli ultimi {lead} alla guida di un team. Mi piace partire "
           "dalle tue trattative reali e lasciarti ogni volta una cosa da provare prima del "
           "prossimo incontro.",
           "Lavoro nelle vendite da {years} anni e da {lead} guido un team. Portami la "
           "trattativa che ti toglie il sonno: la smontiamo insieme, un passo alla volta."),
}
WORKING_STYLES = {
    "en": ("Monthly or every two weeks, always with an agenda we agree on beforehand.",
           "One-hour video calls every two weeks: we start from a real deal and end with "
           "one thing for you to try before the next call.",
           "Short, frequent sessions, phone calls included. Between them you can message me "
           "whenever you need to."),
    "it": ("Un incontro al mese o ogni due settimane, sempre con un ordine del giorno "
           "concordato prima.",
           "Videochiamate di un’ora ogni due settimane: partiamo da una trattativa reale e "
           "chiudiamo con una cosa da provare prima dell’incontro successivo.",
           "Incontri brevi e frequenti, anche al telefono. Tra un incontro e l’altro puoi "
           "scrivermi quando ti serve."),
}
MOTIVATIONS = {
    "en": ("Giving back what I was given early in my career, and staying close to the "
           "field.",
           "Younger colleagues ask the questions I stopped asking myself: they make me "
           "rethink my own habits.",
           "I love seeing a rep close, on their own, a deal we prepared together."),
    "it": ("Restituire quello che ho ricevuto all’inizio della carriera e restare vicino al "
           "lavoro sul campo.",
           "I colleghi più giovani fanno le domande che io non mi faccio più: mi "
           "costringono a rimettere in discussione le mie abitudini.",
           "Mi piace vedere un commerciale chiudere in autonomia la trattativa che abbiamo "
           "preparato insieme."),
}
CONFLICTS = {"en": "None: I do not work for the company's competitors, customers or "
                   "suppliers.",
             "it": "Nessuno: non lavoro per concorrenti, clienti o fornitori dell’azienda."}
# By area position: what a rep wants to get better at, as an Italian phrase with its
# article (the area's name alone does not fit into a sentence).
TOPICS_IT = {
    1: "l’acquisizione e la fidelizzazione dei clienti",
    2: "l’organizzazione del lavoro",
    3: "la gestione dei rischi su contratti e crediti",
    4: "la vendita tramite social media",
    5: "la vendita sui mercati esteri",
    6: "la ricerca di nuovi clienti",
    7: "la negoziazione",
    8: "la chiusura delle trattative",
    9: "la gestione dei clienti",
    10: "la leadership commerciale",
}
GOALS = {
    "en": ("Reach my quarterly target in {area} with a plan I can repeat every quarter.",
           "Lead my first strategic deal in {area} from the first meeting to the signature."),
    "it": ("Raggiungere ogni trimestre il mio obiettivo con un metodo ripetibile, "
           "migliorando {area}.",
           "Gestire in autonomia la mia prima trattativa strategica, dal primo incontro "
           "alla firma: il mio punto debole è {area}."),
}
SITUATIONS = {
    "en": ("I have been in sales for two years. I know the product well and my customers "
           "like me, but my results depend on luck: some quarters go well, others do not, "
           "and I do not know why. I have read books and followed a course, with little "
           "change so far.",
           "I moved into sales from customer service last year. I am good at looking after "
           "existing customers, but I freeze when a new buyer pushes back, and my manager "
           "wants me to open new accounts this year."),
    "it": ("Lavoro nelle vendite da due anni. Conosco bene il prodotto e i clienti mi "
           "apprezzano, ma i risultati dipendono dalla fortuna: alcuni trimestri vanno bene, "
           "altri no, e non so perché. Ho letto libri e seguito un corso, ma finora è "
           "cambiato poco.",
           "L’anno scorso ho lasciato l’assistenza clienti per le vendite. Con i clienti "
           "che già abbiamo me la cavo bene, ma quando un nuovo buyer mi mette in "
           "difficoltà mi blocco, e quest’anno il mio responsabile mi chiede di aprire "
           "nuovi clienti."),
}
MEASURES = {"en": "Target reached two quarters in a row, with a written plan.",
            "it": "Obiettivo raggiunto per due trimestri di fila, con un piano scritto."}
SUMMARIES = {"en": ("We reviewed my open deals and chose the two that matter most.",
                    "Role play of the next customer meeting, then a plan for the follow-up.",
                    "We looked back at what worked this month and what to change."),
             "it": ("Abbiamo rivisto le trattative aperte e scelto le due più importanti.",
                    "Simulazione del prossimo incontro con il cliente e piano per il seguito.",
                    "Abbiamo ripercorso cosa ha funzionato nel mese e cosa cambiare.")}
FEEDBACK = {"en": ("Practical, patient and always prepared: every session left me with "
                   "something to try with a customer. I would recommend this mentoring to "
                   "any colleague.",
                   "Asked the right questions instead of handing me the answers. In three "
                   "months I changed the way I prepare for every meeting.",
                   "Lots of patience and real examples. The most useful habit: writing "
                   "down before each meeting what I want to get out of it."),
            "it": ("Incontri concreti e sempre ben preparati: ogni volta avevo qualcosa da "
                   "provare subito con un cliente. Consiglio questo percorso a tutti i "
                   "colleghi.",
                   "Mi ha fatto le domande giuste invece di darmi le risposte. In tre mesi "
                   "ho cambiato il modo in cui preparo ogni incontro.",
                   "Tanta pazienza e tanti esempi pratici. L’abitudine più utile: scrivere "
                   "prima di ogni incontro che cosa voglio ottenere.")}

def load_cohort(users, password_hash, rng=None):
    """Add the cohort to the named people of seed.py (`users`, by email)."""
    rng = rng or random.Random(2026)  # noqa: S311 (demo data, not security)
    now = utcnow()
    current = program.settings()
    current.pilot_starts_on = (now - timedelta(days=240)).date()
    current.rollout_starts_on = (now + timedelta(days=60)).date()
    areas = {area.position: area for area in program.areas()}
    admin = users["alex.morgan@example.com"]
    taken = {user.full_name for user in users.values()}

    def person(language, mentor=False, external=False):
        first, last = (IT_FIRST, IT_LAST) if language == "it" else (EN_FIRST, EN_LAST)
        name = f"{rng.choice(first)} {rng.choice(last)}"
        while name in taken:
            name = f"{rng.choice(first)} {rng.choice(last)}"
        taken.add(name)
        domain = "example.org" if external else "example.com"
        email = name.lower().replace(" ", ".") + "@" + domain
        titles = MENTOR_TITLES[language] if mentor else (IT_TITLES if language == "it"
                                                         else EN_TITLES)
        user = User(email=email, full_name=name, language=language,
                    timezone="Europe/Rome" if language == "it" else "Europe/London",
                    region=rng.choice(IT_REGIONS if language == "it" else EN_REGIONS),
                    job_title=rng.choice(titles), password_hash=password_hash,
                    affiliation=EXTERNAL if external else INTERNAL,
                    company=rng.choice(EXTERNAL_COMPANIES) if external else None,
                    email_verified_at=now - timedelta(days=250))
        db.session.add(user)
        return user

    # Mentors: twelve, a quarter of them from outside; the last two still in vetting.
    # The Italians all mentor in English too, and every third English one in Italian:
    # whoever mentors in both languages writes the profile in both.
    new_mentors = []
    for number in range(12):
        language = "it" if number % 2 else "en"
        other = "en" if language == "it" else "it"
        user = person(language, mentor=True, external=number % 4 == 3)
        db.session.flush()
        positions = rng.sample(sorted(areas), 2)
        years = rng.randint(8, 25)
        spoken = [language, "en"] if language == "it" else (
            ["en", "it"] if number % 3 == 0 else ["en"])
        content = {"headline_en": None, "headline_it": None, "bio_en": None,
                   "bio_it": None}
        for written in (language, other) if other in spoken else (language,):
            content[f"headline_{written}"] = HEADLINES[positions[0]][
                ("en", "it").index(written)]
            content[f"bio_{written}"] = _pick(BIOS[written], number // 2).format(
                years=years, lead=years // 3)
        profile, _outcome = mentors.save_profile(actor=user, content={
            **content, "areas": [areas[position] for position in positions],
            "affiliation": user.affiliation, "company": user.company,
            "confidentiality": user.is_external,
            "conflicts": CONFLICTS[language] if user.is_external else None,
        }, details={
            "years_experience": years, "region": user.region,
            "working_style": _pick(WORKING_STYLES[language], number),
            "motivation": _pick(MOTIVATIONS[language], number // 2),
            "capacity": rng.randint(2, 4), "monthly_hours": rng.choice((6, 8, 10)),
            "accepting": number != 5, "languages": spoken,
            "formats": ["video", "phone"] if number % 2 else ["video"],
        })
        mentors.submit_profile(profile, actor=user)
        if number < 10:
            vetting.decide(profile, actor=admin, decision="approve")
            new_mentors.append(user)

    # Reps: thirty-six in the pilot, most with a manager among the named leaders.
    managers = [users["giulia.romano@example.com"], users["sarah.collins@example.com"]]
    reps = []
    for number in range(36):
        language = "it" if number % 3 else "en"
        rep = person(language)
        rep.manager = managers[0] if language == "it" else managers[1]
        rep.desired_hours = rng.choice((2, 3, 4))
        rep.interests = [areas[position] for position in rng.sample(sorted(areas), 2)]
        reps.append(rep)
    db.session.flush()

    outcomes = (["completed"] * 7 + ["active"] * 10 + ["open"] * 7 + ["declined"] * 4
                + ["withdrawn"] * 3 + ["expired"] * 3)
    all_mentors = [mentors.profile_of(user) for user in new_mentors] + [
        mentors.profile_of(users[email]) for email in (
            "giulia.romano@example.com", "sarah.collins@example.com",
            "elena.ferri@example.org", "roberto.conti@example.com")]
    for rep, outcome in zip(reps, outcomes, strict=False):
        rng.shuffle(all_mentors)
        # A rep writes in their own language, so only to a mentor who reads it.
        for profile in all_mentors:
            if rep.language in profile.language_codes and _request(
                    rep, profile, outcome, areas, rng, now):
                break
    db.session.flush()


def _request(rep, profile, outcome, areas, rng, now):
    """One request from `rep` to `profile` ending as `outcome`; False if not allowed."""
    language = rep.language
    area = rng.choice(profile.published.areas)
    days_ago = {"completed": rng.randint(170, 220), "active": rng.randint(20, 120),
                "open": rng.randint(1, 9), "declined": rng.randint(10, 60),
                "withdrawn": rng.randint(5, 40), "expired": rng.randint(20, 50)}[outcome]
    sent = now - timedelta(days=days_ago)
    months = 3 if outcome == "completed" else rng.choice((3, 6))
    try:
        request = mentoring.submit_request(
            profile, actor=rep, area=area,
            goal=rng.choice(GOALS[language]).format(area=_topic(area, language)),
            target_date=(now + timedelta(days=60)).date(),
            current_situation=_pick(SITUATIONS[language], rep.id),
            success_measures=MEASURES[language],
            hours_per_month=2, duration_months=months,
            cadence=rng.choice(("weekly", "biweekly", "monthly")),
            meeting_format=profile.format_codes[0], message="")
    except RequestError:
        return False
    request.created_at = sent
    mentor = profile.user
    answer = timedelta(hours=rng.randint(3, 96))
    if outcome == "declined":
        mentoring.decline_request(request, actor=mentor, reason=rng.choice(
            ("no_time", "not_my_expertise", "better_fit")))
        request.answered_at = sent + answer
    elif outcome == "withdrawn":
        mentoring.withdraw_request(request, actor=rep)
    elif outcome == "expired":
        request.created_at = now - timedelta(days=30)
        mentoring.expire_requests(now=now)
    elif outcome in ("active", "completed"):
        try:
            mentorship = mentoring.accept_request(request, actor=mentor)
        except RequestError:
            return True  # the mentor filled up: the request stays open
        request.answered_at = sent + answer
        started = request.answered_at.date()
        mentorship.started_on = started
        mentorship.planned_end_on = started + timedelta(days=30 * months)
        mentorship.target_date = mentorship.planned_end_on
        _check_ins(mentorship, rep, mentor, outcome, rng, now)
    return True


def _check_ins(mentorship, rep, mentor, outcome, rng, now):
    step = {"weekly": 7, "biweekly": 14, "monthly": 30}[mentorship.cadence]
    end = mentorship.planned_end_on if outcome == "completed" else now.date()
    day, number = mentorship.started_on + timedelta(days=2), 0
    while day < end - timedelta(days=step // 2):
        author = rep if number % 2 == 0 else mentor
        # Logged on its real day: the same words on two days are two meetings, not one
        # check-in sent twice. In the rep's language, which the mentor reads and writes.
        check_in = mentoring.log_check_in(
            mentorship, actor=author, held_on=day,
            minutes=rng.choice((45, 60, 60, 90)),
            summary=SUMMARIES[rep.language][number % 3])
        # The latest check-in of a running mentorship may still wait for confirmation.
        if outcome == "completed" or day + timedelta(days=step) < end:
            # Through the service: the other side's request to confirm is marked read.
            mentoring.confirm_check_in(check_in, mentorship,
                                       actor=mentor if author is rep else rep)
            check_in.confirmed_at = now
        day += timedelta(days=step + rng.randint(-2, 4))
        number += 1
    if outcome == "completed":
        mentoring.complete_mentorship(mentorship, actor=rep)
        mentorship.ended_at = now - timedelta(days=(now.date() - end).days)
        mentoring.leave_feedback(mentorship, actor=rep, rating=rng.choice((4, 5, 5)),
                                 comment=_pick(FEEDBACK[rep.language], mentorship.id))


def _pick(texts, number):
    """One of `texts`, the same for the same number: variety without drawing from the
    random generator, whose sequence decides the cohort's names and emails."""
    return texts[number % len(texts)]


def _topic(area, language):
    """The area as words that fit into a rep's goal."""
    if language == "it":
        return TOPICS_IT.get(area.position, area.name("it").lower())
    return area.name("en").lower()
