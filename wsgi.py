"""WSGI entry point: `flask --app wsgi …` and `gunicorn wsgi:app`."""

from marketplace import create_app
from marketplace.core.ops import tune_collector

app = create_app()
tune_collector()
