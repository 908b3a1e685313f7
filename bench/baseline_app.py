"""The baseline of the hot-path benchmark: a bare Flask endpoint returning a constant, served
by gunicorn with the same settings as the service.  What the service reaches as a share of
this is what its own work (sessions, database, templates) costs.

``/one-query`` is a reference beside it, not a target: the same bare app reading one row by
primary key through SQLAlchemy from the benchmark's database (``BENCH_DATABASE_URL``, opened
with the service's own engine settings).  It shows what a single database round trip costs
on its own, before any session, template or ORM object.
"""
import os
import random

from flask import Flask
from sqlalchemy import text

app = Flask(__name__)
_engine = None


@app.get("/")
def constant():
    return "ok\n"


@app.get("/one-query")
def one_query():
    global _engine
    if _engine is None:  # per worker, after gunicorn's fork
        from elearn.db import make_engine

        _engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    with _engine.connect() as connection:
        name = connection.execute(text("SELECT username FROM users WHERE id = :id"),
                                  {"id": random.randint(1, 100)}).scalar()
    return f"{name}\n"
