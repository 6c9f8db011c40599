"""Accounts: registration, sign-in, passwords, the account page, the language."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import views  # noqa: E402,F401  (routes attach themselves to bp)
