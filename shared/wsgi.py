"""The WSGI entry point of the Procfile's web process: the app plus its job worker."""
from .app import create_app
from .app import start_background_work

app = create_app()
workers = start_background_work(app)
