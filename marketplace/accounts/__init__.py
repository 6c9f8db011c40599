"""Accounts: registration, sign-in, passwords, the account page, the language."""
