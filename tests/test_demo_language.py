"""The demo data in both languages: every demo person writes in their own language,
bilingual mentors fill both versions of their profile, and the Italian reads as Italian
(typographic quotes and apostrophes, a real ellipsis)."""

import re

import pytest
from sqlalchemy import select

from marketplace.demo import cohort, seed
from marketplace.extensions import db
from marketplace.invitations.models import Invitation
from marketplace.mentors.models import MentorProfile, ProfileReview, ProfileRevision
from marketplace.mentorships.models import CheckIn, Feedback, Mentorship, MentorshipRequest
from marketplace.stories.models import SuccessStory

# Very common function words of one language that the other does not use. Words both
# share or confuse ("a", "in", "no", "per", "come", "me", "so", and "i", an Italian
# article and the English pronoun) count for neither.
ITALIAN = {
    "il", "lo", "la", "l", "gli", "le", "un", "una", "uno", "di", "del", "dello",
    "della", "dei", "degli", "delle", "dell", "da", "dal", "dallo", "dalla", "dai",
    "dagli", "dalle", "dall", "al", "allo", "alla", "ai", "agli", "alle", "all", "nel",
    "nello", "nella", "nei", "negli", "nelle", "nell", "sul", "sullo", "sulla", "sui",
    "sugli", "sulle", "sull", "su", "con", "tra", "fra", "e", "è", "ed", "o", "che",
    "non", "ma", "anche", "se", "mi", "ti", "ci", "si", "ho", "hai", "ha", "abbiamo",
    "hanno", "sono", "mio", "mia", "miei", "mie", "tuo", "tua", "tuoi", "tue", "suo",
    "sua", "più", "ogni", "questo", "questa", "quello", "quella", "cosa", "sempre",
    "senza", "prima", "dopo", "quando", "perché", "già", "molto", "poco",
}
ENGLISH = {
    "the", "and", "of", "to", "is", "are", "was", "were", "be", "been", "my", "your",
    "our", "their", "his", "her", "its", "it", "we", "you", "they", "them", "he", "she",
    "have", "has", "had", "with", "for", "from", "that", "this", "these", "those", "on",
    "at", "by", "not", "what", "when", "who", "how", "will", "would", "can", "could",
    "do", "does", "did", "an", "or", "before", "after", "every", "without", "between",
    "into", "than", "then", "there", "about", "if", "but", "also",
}


def language_of(text):
    """'it' or 'en', whichever has more of its marker words in `text`; None if tied."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    italian = sum(word in ITALIAN for word in words)
    english = sum(word in ENGLISH for word in words)
    if italian == english:
        return None
    return "it" if italian > english else "en"


def demo_texts():
    """(what, text, language it must be in) for every free text a demo person wrote.

    Profile texts with a version per language are in that language; any other text is
    in its author's language, except that within a request or a mentorship a mentor who
    reads the mentee's language writes in it.
    """
    texts = []

    def add(what, text, language):
        if text:
            texts.append((what, text, language))

    def speaks(user):
        profile = db.session.scalar(select(MentorProfile).where(
            MentorProfile.user_id == user.id))
        return {user.language, *(profile.language_codes if profile else ())}

    def to_mentee(author, mentee):
        return mentee.language if mentee.language in speaks(author) else author.language

    for profile in db.session.scalars(select(MentorProfile)):
        who = profile.user
        add(f"{who.email}: working style", profile.working_style, who.language)
        add(f"{who.email}: motivation", profile.motivation, who.language)
    for revision in db.session.scalars(select(ProfileRevision)):
        who = revision.profile.user
        for field in ("headline_en", "headline_it", "bio_en", "bio_it"):
            add(f"{who.email}: {field}", getattr(revision, field), field[-2:])
        add(f"{who.email}: conflicts", revision.conflicts, who.language)
    for review in db.session.scalars(select(ProfileReview)):
        reviewer = review.reviewer
        add(f"{reviewer.email}: review notes", review.notes, reviewer.language)
    for request in db.session.scalars(select(MentorshipRequest)):
        mentee, mentor = request.mentee, request.profile.user
        for field in ("goal", "current_situation", "success_measures", "message"):
            add(f"{mentee.email}: request {field}", getattr(request, field),
                mentee.language)
        add(f"{mentor.email}: answer to {mentee.email}", request.note,
            to_mentee(mentor, mentee))
    for mentorship in db.session.scalars(select(Mentorship)):
        mentee = mentorship.mentee
        add(f"{mentee.email}: mentorship goal", mentorship.goal, mentee.language)
        add(f"{mentee.email}: mentorship measures", mentorship.success_measures,
            mentee.language)
    for check_in in db.session.scalars(select(CheckIn)):
        mentee = db.session.get(Mentorship, check_in.mentorship_id).mentee
        author = check_in.author
        add(f"{author.email}: check-in", check_in.summary, to_mentee(author, mentee))
        add(f"{author.email}: next steps", check_in.next_steps, to_mentee(author, mentee))
    for feedback in db.session.scalars(select(Feedback)):
        mentee = db.session.get(Mentorship, feedback.mentorship_id).mentee
        author = feedback.author
        add(f"{author.email}: feedback", feedback.comment, to_mentee(author, mentee))
        add(f"{author.email}: gained", feedback.gained, to_mentee(author, mentee))
    for story in db.session.scalars(select(SuccessStory)):
        mentee, author = story.mentorship.mentee, story.author
        add(f"{author.email}: story title", story.title, to_mentee(author, mentee))
        add(f"{author.email}: story", story.body, to_mentee(author, mentee))
    for invitation in db.session.scalars(select(Invitation)):
        add(f"{invitation.inviter.email}: invitation", invitation.message,
            invitation.inviter.language)
    return texts


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        yield demo_texts()


# Texts in the generator's two languages: the detector must tell each pair apart.
PAIRS = [
    *cohort.HEADLINES.values(),
    *zip(cohort.BIOS["en"], cohort.BIOS["it"], strict=True),
    *zip(cohort.WORKING_STYLES["en"], cohort.WORKING_STYLES["it"], strict=True),
    *zip(cohort.MOTIVATIONS["en"], cohort.MOTIVATIONS["it"], strict=True),
    *zip(cohort.GOALS["en"], cohort.GOALS["it"], strict=True),
    *zip(cohort.SITUATIONS["en"], cohort.SITUATIONS["it"], strict=True),
    *zip(cohort.SUMMARIES["en"], cohort.SUMMARIES["it"], strict=True),
    *zip(cohort.FEEDBACK["en"], cohort.FEEDBACK["it"], strict=True),
    (cohort.MEASURES["en"], cohort.MEASURES["it"]),
    (cohort.CONFLICTS["en"], cohort.CONFLICTS["it"]),
    (seed.PROFILES[0][3][0], seed.PROFILES[0][3][1]),  # Giulia's headline
    (seed.PROFILES[0][4][0], seed.PROFILES[0][4][1]),  # and bio
]


@pytest.mark.parametrize(("english", "italian"), PAIRS)
def test_the_detector_tells_the_languages_apart(english, italian):
    assert language_of(english) == "en"
    assert language_of(italian) == "it"


def test_the_detector_catches_what_the_demo_got_wrong():
    """The English texts the cohort used to show on Italian mentors' pages."""
    assert language_of("Monthly or every two weeks, always with an agenda.") == "en"
    assert language_of("Giving back, and staying close to the field.") == "en"
    assert language_of("Incontri in presenza.") is None  # too short to tell: not passed


def test_every_demo_person_writes_in_their_own_language(demo):
    assert len(demo) > 300  # profiles, requests, check-ins, feedback, a story…
    wrong = [(what, text) for what, text, language in demo
             if language_of(text) != language]
    assert wrong == []
    assert {language for _what, _text, language in demo} == {"en", "it"}


def test_bilingual_mentors_fill_both_languages(app, runner):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        profiles = db.session.scalars(select(MentorProfile)).all()
        bilingual = [profile for profile in profiles
                     if {"en", "it"} <= {profile.user.language, *profile.language_codes}]
        assert len(bilingual) >= 8  # named and cohort, from both languages
        assert {profile.user.language for profile in bilingual} == {"en", "it"}
        for profile in profiles:
            spoken = {profile.user.language, *profile.language_codes}
            revision = db.session.scalars(select(ProfileRevision).where(
                ProfileRevision.profile_id == profile.id)
                .order_by(ProfileRevision.number.desc())).first()
            for language in ("en", "it"):
                written = (getattr(revision, f"headline_{language}"),
                           getattr(revision, f"bio_{language}"))
                # Both texts in each language the mentor mentors in, none in another.
                assert all(written) if language in spoken else not any(written), (
                    profile.user.email, language, written)


def test_italian_demo_texts_use_typographic_punctuation(demo):
    italian = [text for _what, text, language in demo if language == "it"]
    assert italian
    assert [text for text in italian if '"' in text or "'" in text or "..." in text] == []
