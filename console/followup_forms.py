"""The forms of a follow-up call and of the call's wrap-up (Flask-WTF: each carries a CSRF
token); labels through Babel."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from shared import dispositions
from shared.cases import MAX_INFORMATION_CHARS

MAX_REASON_CHARS = 2_000
MAX_WRAPUP_NOTES_CHARS = 4_000


class LookupForm(FlaskForm):
    """One box: a reference, a phone number or a CIN (sent in the body, never the URL)."""
    query = StringField(_l("Reference, phone or CIN"),
                        validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "off", "data-testid": "lookup",
                                   "spellcheck": "false"})
    submit = SubmitField(_l("Find"), id="lookup-submit")


class RatingForm(FlaskForm):
    rating = IntegerField(_l("Caller's rating (1 to 5)"),
                          validators=[DataRequired(), NumberRange(min=1, max=5)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why the caller is not convinced"),
                           validators=[DataRequired(), Length(max=MAX_REASON_CHARS)])


class InformationForm(FlaskForm):
    information = TextAreaField(_l("What the caller adds"),
                                validators=[DataRequired(), Length(max=MAX_INFORMATION_CHARS)])


class StartWrapupForm(FlaskForm):
    """The agent starts the wrap-up by hand (a call's end starts it by itself)."""
    submit = SubmitField(_l("Start the wrap-up"), id="start-wrapup-submit")


class WrapupForm(FlaskForm):
    """How the call ended (required) and the agent's notes."""
    disposition = SelectField(_l("How the call ended"), validators=[DataRequired()])
    notes = TextAreaField(_l("Notes on the call"),
                          validators=[Optional(), Length(max=MAX_WRAPUP_NOTES_CHARS)],
                          render_kw={"maxlength": MAX_WRAPUP_NOTES_CHARS})
    submit = SubmitField(_l("End the wrap-up"), id="wrapup-submit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = str(get_locale() or "fr")
        self.disposition.choices = [("", "—")] + dispositions.choices(language)
