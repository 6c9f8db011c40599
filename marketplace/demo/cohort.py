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
        "Conquistare e fidelizzare i clienti nel tempo"),
    2: ("Building a sales team's skills, one habit at a time",
        "Sviluppare le competenze di un team commerciale, un'abitudine alla volta"),
    3: ("Selling safely: contracts, credit and compliance",
        "Vendere in sicurezza: contratti, crediti e conformità"),
    4: ("Opening conversations on LinkedIn that lead to meetings",
        "Aprire conversazioni su LinkedIn che portano a un incontro"),
    5: ("Selling across borders and cultures",
        "Vendere oltre i confini, tra culture diverse"),
    6: ("A full pipeline without waiting for marketing",
        "Una pipeline piena senza aspettare il marketing"),
    7: ("Negotiating price without giving the margin away",
        "Negoziare il prezzo senza regalare il margine"),
    8: ("Closing: from the last objection to the signature",
        "Chiusura: dall'ultima obiezione alla firma"),
    9: ("Growing the accounts you already have",
        "Far crescere i clienti che hai già"),
    10: ("From top seller to leader of sellers",
         "Da miglior venditore a guida di venditori"),
}
BIOS = {
    "en": ("I have sold for {years} years, the last {lead} leading a team. I like to start "
           "from your real deals and leave you with one thing to try before we meet again."),
    "it": ("Vendo da {years} anni, gli ultimi {lead} alla guida di un team. Mi piace partire "
           "dalle tue trattative reali e lasciarti ogni volta una cosa da provare prima del "
           "prossimo incontro."),
}
GOALS = {
    "en": ("Reach my quarterly target in {area} with a plan I can repeat every quarter.",
           "Lead my first strategic deal in {area} from the first meeting to the signature."),
    "it": ("Raggiungere l'obiettivo trimestrale in {area} con un metodo ripetibile ogni "
           "trimestre.",
           "Portare da solo la mia prima trattativa strategica in {area} dal primo "
           "incontro alla firma."),
}
SITUATIONS = {
    "en": "I have been in sales for two years. I know the product well and my customers "
          "like me, but my results depend on luck: some quarters go well, others do not, "
          "and I do not know why. I have read books and followed a course, with little "
          "change so far.",
    "it": "Lavoro nelle vendite da due anni. Conosco bene il prodotto e i clienti mi "
          "apprezzano, ma i risultati dipendono dalla fortuna: alcuni trimestri vanno bene, "
          "altri no, e non so perché. Ho letto libri e seguito un corso, con pochi "
          "cambiamenti finora.",
}
MEASURES = {"en": "Target reached two quarters in a row, with a written plan.",
            "it": "Obiettivo raggiunto per due trimestri di fila, con un piano scritto."}
SUMMARIES = {"en": ("We reviewed my open deals and chose the two that matter most.",
                    "Role play of the next customer meeting, then a plan for the follow-up.",
                    "We looked back at what worked this month and what to change."),
             "it": ("Abbiamo rivisto le trattative aperte e scelto le due più importanti.",
                    "Simulazione del prossimo incontro con il cliente e piano per il seguito.",
                    "Abbiamo guardato a cosa ha funzionato nel mese e cosa cambiare.")}
FEEDBACK = {"en": "Practical, patient and always prepared. I would recommend it to anyone.",
            "it": "Concreto, paziente e sempre preparato. Lo consiglierei a chiunque."}


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
    new_mentors = []
    for number in range(12):
        language = "it" if number % 2 else "en"
        user = person(language, mentor=True, external=number % 4 == 3)
        db.session.flush()
        positions = rng.sample(sorted(areas), 2)
        years = rng.randint(8, 25)
        headline = HEADLINES[positions[0]]
        own = 0 if language == "en" else 1
        content = {f"headline_{language}": headline[own],
                   f"bio_{language}": BIOS[language].format(years=years, lead=years // 3)}
        if number % 3 == 0:  # some write in both languages
            other = "it" if language == "en" else "en"
            content[f"headline_{other}"] = headline[1 - own]
            content[f"bio_{other}"] = BIOS[other].format(years=years, lead=years // 3)
        profile, _outcome = mentors.save_profile(actor=user, content={
            "headline_en": None, "headline_it": None, "bio_en": None, "bio_it": None,
            **content, "areas": [areas[position] for position in positions],
            "affiliation": user.affiliation, "company": user.company,
            "confidentiality": user.is_external,
            "conflicts": "None." if user.is_external else None,
        }, details={
            "years_experience": years, "region": user.region,
            "working_style": "Monthly or every two weeks, always with an agenda.",
            "motivation": "Giving back, and staying close to the field.",
            "capacity": rng.randint(2, 4), "monthly_hours": rng.choice((6, 8, 10)),
            "accepting": number != 5, "languages": [language, "en"] if language == "it"
            else ["en"], "formats": ["video", "phone"] if number % 2 else ["video"],
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
        for profile in all_mentors:
            if _request(rep, profile, outcome, areas, rng, now):
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
            goal=rng.choice(GOALS[language]).format(area=area.name(language).lower()),
            target_date=(now + timedelta(days=60)).date(),
            current_situation=SITUATIONS[language], success_measures=MEASURES[language],
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
        # check-in sent twice.
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
                                 comment=FEEDBACK[rep.language])
