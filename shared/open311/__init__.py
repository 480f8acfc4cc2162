"""Open311 GeoReport v2 API, with Moroccan extensions: how the web portal, the mobile app
and partners reach the same case store."""
from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from . import views  # noqa: E402,F401  (registers the routes)
