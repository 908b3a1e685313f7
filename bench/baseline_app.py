"""The baseline of the hot-path benchmark: a bare Flask endpoint returning a constant, served
by gunicorn with the same settings as the service.  What the service reaches as a share of
this is what its own work (sessions, database, templates) costs."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def constant():
    return "ok\n"
