"""How long a mentor card takes to render with nothing remembered: the median, over
N passes, of rendering the twelve cards of a browse page, a card at a time, in both
languages; whole cards (as the page renders them) and the mentor-only parts alone (what
the listing remembers per mentor and language).

    python benchmarks/cards.py
    python benchmarks/cards.py --database sqlite --mentors 10000 -n 500

It uses the database run.py seeded (--mentors, default 10,000), seeding it first if
there is none.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from flask import get_template_attribute
from flask_login import login_user
from sqlalchemy import select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import prepared  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.mentors import search, views  # noqa: E402

MACROS = "macros/mentors.html"


def per_card(render, cards, passes):
    """The median time of one card, in ms, over `passes` renderings of all `cards`."""
    times = []
    for _ in range(passes):
        started = time.perf_counter()
        for card in cards:
            render(card)
        times.append(1000 * (time.perf_counter() - started) / len(cards))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("-n", type=int, default=300, help="passes over the page's cards")
    args = parser.parse_args()
    url = prepared(args.database, args.mentors, keep=True)[0]
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SERVER_NAME": "127.0.0.1:5000", "SECRET_KEY": "x" * 32,
                      "LISTING_CACHE_SIZE": 0})

    def mentor_parts(card):
        name, details = (get_template_attribute(MACROS, macro)
                         for macro in ("card_name", "card_details"))
        name(card.mentor)
        details(card.mentor, card.language, card.answer_time)

    for language in ("en", "it"):
        with app.test_request_context(f"/mentors?page=5&lang={language}"):
            viewer = db.session.scalar(select(User).where(
                User.email == "mentee1@bench.example.com"))
            login_user(viewer)
            _page, cards = search.browse(search.Filters(), viewer, language, 5)
            print(f"{language}: a whole card {per_card(views.mentor_card, cards, args.n):.3f}"
                  f" ms, its mentor-only parts {per_card(mentor_parts, cards, args.n):.3f} ms"
                  f" (median of {args.n} passes over {len(cards)} cards)")


if __name__ == "__main__":
    main()
