"""WSGI entry point for gunicorn: ``gunicorn elearn.wsgi:app``."""
from elearn import create_app

app = create_app()
