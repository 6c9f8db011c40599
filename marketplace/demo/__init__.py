"""The demo data set (`flask --app wsgi seed-demo`): kept out of the packages that
serve requests, and built only through their services."""
