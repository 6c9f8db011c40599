"""Initials in a coloured circle beside every person's name (issue 21, "The directory").

The initials (`web.labels.initials`, the `initials` filter), the macro
(templates/macros/people.html): hidden from screen readers, its colour picked from the
user's id out of a palette whose every colour carries white text at 4.5:1 or more
(read from app.css); and the pages that show it: the directory's cards, the mentor
page, both sides' requests and the mentorship page.
"""

import re
from pathlib import Path

import pytest
from flask import render_template_string

from marketplace.extensions import db
from marketplace.web.labels import initials

from .factories import make_area, make_mentorship, make_profile, make_user
from .test_browse import add_viewer, browse, login, page_cards

CSS = Path(__file__).resolve().parents[1] / "marketplace" / "static" / "css" / "app.css"
AVATAR = re.compile(r'<span class="avatar avatar-c(\d)( avatar-large)?" aria-hidden="true">'
                    r"([^<]*)</span>")


@pytest.mark.parametrize(("name", "expected"), [
    ("Giulia Romano", "GR"),
    ("giulia romano", "GR"),
    ("Anna Maria de la Cruz", "AC"),          # first and last words
    ("Madonna", "M"),                          # one word: one letter
    ("  Vera   Viewer  ", "VV"),
    ("Élodie Ørsted", "ÉØ"),                   # accents kept
    ("E\u0301lodie Zola", "ÉZ"),               # an accent typed as a separate mark
    ("élise d'Ăngelo", "ÉD"),
    ("(Jo) O'Brien", "JO"),                    # brackets and apostrophes skipped
    ("Jean-Luc Picard", "JP"),
    ("Łukasz Żak", "ŁŻ"),
    ("李小龙", "李"),
    ("", "?"),
    ("   ", "?"),
    (None, "?"),
    ("42 !!", "?"),
])
def test_initials(name, expected):
    assert initials(name) == expected


def test_the_macro_is_hidden_from_screen_readers_and_coloured_by_the_id(app):
    with app.test_request_context():
        render = lambda user_id, name: render_template_string(  # noqa: E731
            '{% from "macros/people.html" import avatar %}{{ avatar(user) }}',
            user={"id": user_id, "full_name": name})
        first = AVATAR.fullmatch(render(17, "Anna Rossi").strip())
        assert first and first.group(1) == str(17 % 8) and first.group(3) == "AR"
        assert render(17, "Anna Rossi") == render(17, "Anna Rossi")
        assert {AVATAR.search(render(user_id, "A B")).group(1) for user_id in range(1, 9)} == {
            str(number) for number in range(8)}
        # Only letters of the name reach the page.
        assert AVATAR.fullmatch(render(3, "<script>alert(1)</script>").strip()).group(3) == "S"


def relative_luminance(hex_colour):
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_colour_carries_white_text_at_aa_contrast():
    css = CSS.read_text()
    palette = dict(re.findall(r"\.avatar-c(\d) \{ background: (#[0-9a-f]{6}); \}", css))
    assert sorted(palette) == [str(number) for number in range(8)]
    assert len(set(palette.values())) == 8
    assert "color: #fff" in css.split(".avatar {", 1)[1].split("}", 1)[0]
    for colour in palette.values():
        assert 1.05 / (relative_luminance(colour) + 0.05) >= 4.5, colour


def test_the_directory_card_and_the_mentor_page_show_the_circle(app, client, auth):
    with app.app_context():
        area = make_area()
        add_viewer()
        user = make_user(full_name="Élodie Zola")
        profile_id = make_profile(user, areas=[area]).id
        colour = str(user.id % 8)
    login(auth)
    card = page_cards(browse(client))["Élodie Zola"]
    found = AVATAR.search(card)
    assert found.groups() == (colour, None, "ÉZ")
    page = client.get(f"/mentors/{profile_id}").get_data(as_text=True)
    found = AVATAR.search(page)
    assert found.groups() == (colour, " avatar-large", "ÉZ")


@pytest.fixture
def pair(app):
    """A mentor and their mentee, with a mentorship and a second, open request."""
    with app.app_context():
        area = make_area()
        mentee = make_user(full_name="Marta Mentee")
        mentor = make_user(full_name="Pietro Mentore")
        profile = make_profile(mentor, areas=[area], capacity=3, monthly_hours=10)
        mentorship = make_mentorship(mentee, profile, area)
        db.session.commit()
        return {"mentee": mentee, "mentor": mentor, "mentorship_id": mentorship.id}


def avatars(page):
    return [(colour, text) for colour, _large, text in AVATAR.findall(page)]


@pytest.mark.parametrize(("side", "other", "letters"), [
    ("mentee", "mentor", "PM"), ("mentor", "mentee", "MM")])
def test_requests_and_the_mentorship_show_the_other_persons_circle(
        client, auth, pair, side, other, letters):
    login(auth, pair[side].email)
    expected = (str(pair[other].id % 8), letters)
    requests = client.get("/requests")
    assert requests.status_code == 200
    assert expected in avatars(requests.get_data(as_text=True))
    mentorship = client.get(f"/mentorships/{pair['mentorship_id']}")
    assert mentorship.status_code == 200
    assert expected in avatars(mentorship.get_data(as_text=True))
