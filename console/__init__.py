"""The web console of agents, supervisors and administration officers."""
from flask import Blueprint
from flask import Flask
from flask import render_template

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")

from . import views  # noqa: E402  (registers the routes)
from . import calls  # noqa: E402,F401  (the page of a held call)
from . import queue  # noqa: E402,F401  (what waits for an agent)
from . import claims  # noqa: E402,F401  (taking a waiting call)
from . import callbacks  # noqa: E402,F401  (calling a citizen back)
from . import screen_pop  # noqa: E402,F401  (the held call's screen pop)
from . import events  # noqa: E402,F401  (registers the Socket.IO handlers)
from . import cases  # noqa: E402,F401  (follow-up calls: look-up, case pages)
from . import wrapup  # noqa: E402,F401  (the wrap-up of a call)
from . import transcript  # noqa: E402,F401  (the live transcript of a held call)
from . import filing  # noqa: E402,F401  (the case form and filing)
from . import filed_case  # noqa: E402,F401  (the reference read-back, SMS, play to caller)
from . import notifications  # noqa: E402,F401  (deadline alerts of officers and supervisors)
from . import officer  # noqa: E402,F401  (administration officers' pages)
from . import board  # noqa: E402,F401  (the supervisors' live board)
from . import figures  # noqa: E402,F401  (the supervisors' figures)
from . import admin  # noqa: E402,F401  (the admins' screens)
from . import security  # noqa: E402


@bp.errorhandler(403)
def forbidden(error):
    return render_template("console/forbidden.html"), 403


@bp.app_context_processor
def page_context() -> dict:
    """What every page's layout needs: its language and direction, the two small forms."""
    from flask_babel import get_locale

    from shared.languages import load_languages

    from .forms import LanguageForm
    from .forms import LogoutForm
    code = str(get_locale() or "fr")
    language = next((lang for lang in load_languages() if lang.code == code), None)
    return {"page_lang": code, "page_dir": language.dir if language else "ltr",
            "language_form": LanguageForm(language=code, formdata=None),
            "logout_form": LogoutForm(formdata=None)}


def init_app(app: Flask) -> None:
    """The landing page at /, the dev phone and the security headers (the app registers
    `bp` itself)."""
    from shared.extensions import csrf

    from . import devphone
    app.register_blueprint(views.site)
    devphone.init_app(app, csrf)
    security.init_app(app)
