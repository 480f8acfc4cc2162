"""The case form of the console: its fields (the contract's names), what it is prefilled
with from a held call (the IVR's answers, the caller's number masked, the transcript), and
what it files (a NewCase of the phone-agent channel, closed at once when out of scope)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms import ValidationError
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from shared import administrations
from shared import identity
from shared.cases import MAX_TRANSCRIPT_CHARS
from shared.cases import Citizen
from shared.cases import NewCase
from shared.extensions import db
from shared.languages import load_languages
from shared.models import Call
from shared.types import CaseKind
from shared.types import Channel
from shared.types import CloseReason

from .labels import KIND_LABELS

# The out-of-scope checklist: what the agent ticks -> the closure reason of the case.
OUT_OF_SCOPE = {"before_court": CloseReason.INADMISSIBLE,
                "judicial_police": CloseReason.INADMISSIBLE,
                "wrong_administration": CloseReason.NOT_COMPETENT}
FILING_KEY = r"^[A-Za-z0-9_-]{16,64}$"


class CaseForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, label)
                                            for kind, label in KIND_LABELS.items()])
    # No Optional() where the inline check must also judge an empty field.
    administration = StringField(_l("Administration (keypad code)"),
                                 validators=[Length(max=16)])
    language = SelectField(_l("Caller's language"))
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=255)])
    cin = StringField(_l("CIN"), validators=[Optional(), Length(max=16)],
                      render_kw={"autocomplete": "off", "spellcheck": "false"})
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)],
                        render_kw={"autocomplete": "off"})
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=255)])
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[
        DataRequired(_l("Write what the caller asks.")), Length(max=MAX_TRANSCRIPT_CHARS)])
    before_court = BooleanField(_l("The matter is before a court"))
    judicial_police = BooleanField(_l("There is a judicial-police report"))
    wrong_administration = BooleanField(_l("Not for this administration"))
    redirect_to = StringField(_l("Where the caller should go instead"),
                              validators=[Length(max=255)])
    call_sid = HiddenField(validators=[Optional(), Length(max=64)])
    filing_key = HiddenField(validators=[DataRequired(), Regexp(FILING_KEY)])
    submit = SubmitField(_l("File the case"), id="case-submit")

    def __init__(self, *args, caller: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.caller = caller  # the held call's number: shown masked, filed in full
        self.language.choices = [SelectChoice(language.code, language.name)
                                 for language in load_languages()]

    @property
    def out_of_scope(self) -> list[str]:
        return [name for name in OUT_OF_SCOPE if self[name].data]

    def validate_administration(self, field):
        inadmissible = {"before_court", "judicial_police"} & set(self.out_of_scope)
        if not field.data:
            if not inadmissible:
                raise ValidationError(_l("Choose the administration concerned."))
            return
        if administrations.by_code(db.session, field.data.strip()) is None:
            raise ValidationError(_l("No administration has this code."))

    def validate_cin(self, field):
        if field.data:
            try:
                field.data = identity.normalise_cin(field.data)
            except identity.InvalidIdentity:
                raise ValidationError(_l(
                    "A CIN is one or two letters followed by up to six digits.")) from None

    def validate_phone(self, field):
        if not field.data:
            return
        if self.caller and field.data.strip() == identity.mask(self.caller):
            field.data = self.caller  # the masked number shown: the call's own
            return
        try:
            field.data = identity.normalise_phone(field.data)
        except identity.InvalidIdentity:
            raise ValidationError(_l("This is not a valid phone number.")) from None

    def validate_redirect_to(self, field):
        if self.wrong_administration.data and not (field.data or "").strip() \
                and not {"before_court", "judicial_police"} & set(self.out_of_scope):
            raise ValidationError(_l("Say where the caller should go instead."))


def new_form(call: Call | None, transcript: list[str] = ()) -> CaseForm:
    """A blank form, prefilled from the held call: its IVR answers, its number (masked:
    the page never carries it in clear) and the transcript said so far."""
    answers = (call.answers or {}) if call is not None else {}
    caller = (answers.get("phone") or call.caller) if call is not None else None
    form = CaseForm(formdata=None, caller=caller, data={
        "kind": answers.get("kind") if answers.get("kind") in {k.value for k in CaseKind}
        else CaseKind.COMPLAINT.value,
        "administration": answers.get("administration") or "",
        "language": (call.language if call is not None else None) or str(get_locale()),
        "phone": identity.mask(caller) if caller else "",
        "description": "\n".join(transcript),
        "call_sid": call.call_sid if call is not None else "",
        "filing_key": secrets.token_urlsafe(24)})
    return form


@dataclass
class Filing:
    """What the form files: the new case, and its closure when out of scope."""
    case: NewCase
    close_reason: CloseReason | None
    note: str | None
    redirect_to: str | None


def filing_of(form: CaseForm, user_id: int) -> Filing:
    """The validated form as a filing of the phone-agent channel by user `user_id` (one
    case per form: its key is the form's, within the user's). No personal data in the
    trail's note: the checklist's items only."""
    kind = CaseKind(form.kind.data)
    admin = administrations.by_code(db.session, (form.administration.data or "").strip())
    pending = [name for name, value in (("name", form.name.data), ("cin", form.cin.data),
                                        ("phone", form.phone.data)) if not value]
    if kind is not CaseKind.COMPLAINT and "cin" in pending:
        pending.remove("cin")  # a CIN is asked for complaints only
    if admin is None:
        pending.append("administration")
    out = form.out_of_scope
    reasons = {OUT_OF_SCOPE[name] for name in out}
    reason = CloseReason.INADMISSIBLE if CloseReason.INADMISSIBLE in reasons else \
        CloseReason.NOT_COMPETENT if reasons else None
    new = NewCase(
        kind=kind, administration=admin, channel=Channel.PHONE_AGENT,
        language=form.language.data, subject=(form.subject.data or "").strip() or None,
        description=form.description.data.strip(),
        citizen=Citizen(name=(form.name.data or "").strip() or None, cin=form.cin.data or None,
                        phone=form.phone.data or None,
                        commune=(form.commune.data or "").strip() or None),
        pending_fields=pending, idempotency_key=f"console:{user_id}:{form.filing_key.data}")
    redirect_to = (form.redirect_to.data or "").strip() or None
    return Filing(new, reason, "out of scope: " + ", ".join(out) if out else None,
                  redirect_to if reason is CloseReason.NOT_COMPETENT else None)
