"""The WSGI entry point: ``gunicorn dashboard.server:server`` (configured from the environment)."""
from dashboard.app import create_app

app = create_app()
server = app.server
