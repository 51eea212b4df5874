"""WSGI entry point for gunicorn / waitress: ``gunicorn wsgi:app``."""

from textlabel import create_app

app = create_app()
