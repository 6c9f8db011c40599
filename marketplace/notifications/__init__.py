"""Notifications in the app and by email."""
