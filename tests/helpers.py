"""Helpers the test modules share: browsers, flashed messages, fresh rows, threads,
logs, local ports and delivered mail."""

import logging
import socket
import threading

from sqlalchemy import func, select

from marketplace.extensions import db

from .factories import PASSWORD


def flashed(client):
    """The messages flashed to `client` and not shown yet."""
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def login_client(app, email):
    """A browser of its own, logged in as `email`."""
    browser = app.test_client()
    response = browser.submit("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"{email} could not log in"
    return browser


def get(model, id_):
    """The row as the database has it now."""
    db.session.expire_all()
    return db.session.get(model, id_)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def run_together(work, count):
    """Run work(i, barrier) in `count` threads released at once; their results, in
    order. An exception escaping `work` is a result too (its repr), so that the test
    shows it."""
    barrier = threading.Barrier(count, timeout=60)
    results = [None] * count

    def run(index):
        try:
            results[index] = work(index, barrier)
        except BaseException as error:
            results[index] = f"escaped: {error!r}"

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


class Records(logging.Handler):
    """Collects what a logger emits, after our own handler has processed it."""

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def tabs(first, apps, count):
    """`count` browsers sharing `first`'s session (tabs of one person), spread over
    `apps` (instances) in turn."""
    browsers = []
    for index in range(count):
        browser = apps[index % len(apps)].test_client()
        browser.set_cookie("session", first.get_cookie("session").value)
        browsers.append(browser)
    return browsers


def free_port():
    """A local port free at the moment of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def delivered(an_app):
    """What an app with the memory backend has delivered (kept across its contexts)."""
    return an_app.extensions.setdefault("mail_outbox", [])
