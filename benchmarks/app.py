"""The app as gunicorn serves it in production, plus the bare `/hello` endpoint the
benchmark compares every page with (same server, same workers, no database)."""

from marketplace import create_app

app = create_app()


@app.get("/hello")
def hello():
    return "hello"
