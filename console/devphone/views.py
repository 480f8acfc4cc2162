"""The dev phone's page and the small JSON API its script drives (every post carries the
page's CSRF token). Agents, supervisors and admins may use it (training, demos); each
sees only the calls they placed."""
import re

from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from console.auth import role_required
from shared.extensions import db
from shared.identity import InvalidIdentity
from shared.identity import normalise_phone
from shared.request_limits import DEVPHONE_MAX_BYTES
from shared.types import Role

from . import bp
from . import phone
from .audio import BadAudio
from .audio import telephone_wav
from .phone import DevCall
from .phone import NotNow
from .voice import NoStream

DEV_PHONE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
DEFAULT_NUMBER = "+212612345678"
KEYS = re.compile(r"^[0-9*#]{0,32}$")


def refused(status: int, reason: str):
    return jsonify(error=reason), status


@bp.get("/")
@role_required(*DEV_PHONE_ROLES)
def page():
    return render_template("console/devphone.html", number=DEFAULT_NUMBER,
                           max_upload=DEVPHONE_MAX_BYTES)


@bp.post("/calls")
@role_required(*DEV_PHONE_ROLES)
def place_call():
    """Dial 3737 from the number given (E.164, or a Moroccan national number)."""
    try:
        number = normalise_phone((request.form.get("number") or "").strip()[:32])
    except InvalidIdentity:
        return refused(400, _("Enter a valid phone number to call from."))
    if not current_app.config["TWILIO_AUTH_TOKEN"]:
        return refused(409, _("TWILIO_AUTH_TOKEN is not set: the line refuses unsigned "
                              "calls (make run sets one)."))
    owner = _release_session()
    call = phone().start(current_app._get_current_object(), owner, number, request.host_url)
    return jsonify(call.screen()), 201


def _release_session() -> int:
    """The user's id; the page's own database session is released before the line is
    called (its webhooks run in requests of their own)."""
    owner = current_user.id
    db.session.close()
    return owner


def _act(sid: str, action):
    call: DevCall | None = phone().find(sid[:64], _release_session())
    if call is None:
        return refused(404, _("No such call on your dev phone."))
    try:
        action(call)
    except NotNow:
        return refused(409, _("The line is not waiting for that now."))
    except NoStream:
        return refused(503, _("The call's audio stream could not be opened."))
    return jsonify(call.screen())


@bp.post("/calls/<sid>/keys")
@role_required(*DEV_PHONE_ROLES)
def keys(sid: str):
    """Keys into the current menu ('#' and the finishing key left out, as Twilio does)."""
    digits = request.form.get("digits", "")
    if not KEYS.match(digits):
        return refused(400, _("Keys are the digits 0 to 9, * and #."))
    return _act(sid, lambda call: call.press(digits))


@bp.post("/calls/<sid>/silence")
@role_required(*DEV_PHONE_ROLES)
def silence(sid: str):
    return _act(sid, lambda call: call.silence())


@bp.post("/calls/<sid>/recording")
@role_required(*DEV_PHONE_ROLES)
def recording(sid: str):
    """The caller speaks: an audio file (recorded in the page or chosen), made Twilio's
    8 kHz mono WAV: after the beep, a recording; queued or with an agent, the call's
    media stream (the agent's live transcript)."""
    upload = request.files.get("audio")
    if upload is None:
        return refused(400, _("Send an audio file."))
    call = phone().find(sid[:64], current_user.id)
    max_seconds = (call.waiting.get("record") or {}).get("max_length", 120) if call else 120
    try:
        wav, seconds = telephone_wav(upload.read(), max_seconds)
    except BadAudio:
        return refused(400, _("This is not an audio file the phone can read (WAV, FLAC or "
                              "Ogg)."))
    return _act(sid, lambda call: call.record(wav, seconds))


@bp.post("/calls/<sid>/poll")
@role_required(*DEV_PHONE_ROLES)
def poll(sid: str):
    """What happened meanwhile: the queue, an agent taking the call, a read-back, SMS."""
    return _act(sid, lambda call: call.poll())


@bp.post("/calls/<sid>/hangup")
@role_required(*DEV_PHONE_ROLES)
def hang_up(sid: str):
    return _act(sid, lambda call: call.hang_up())
