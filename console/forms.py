"""The console's forms (Flask-WTF: every one carries a CSRF token); labels through Babel."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from shared.languages import load_languages

from .states import CHOSEN
from .states import LABELS
from .states import PAUSE_REASONS


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"), id="logout-submit")


class StateForm(FlaskForm):
    state = SelectField(_l("My state"),
                        choices=[SelectChoice(s.value, LABELS[s]) for s in CHOSEN])
    reason = SelectField(_l("Reason for the pause"), validators=[Optional()],
                         choices=[SelectChoice("", "—")] + [
                             SelectChoice(code, label) for code, label in PAUSE_REASONS.items()])
    submit = SubmitField(_l("Change"), id="state-submit")


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), validators=[DataRequired()])
    next = HiddenField(id="language-next")
    submit = SubmitField(_l("Change language"), id="language-submit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(language.code, language.name)
                                 for language in load_languages()]


class ClaimForm(FlaskForm):
    """Taking a waiting call or a callback: only its CSRF token (the call is in the URL)."""
    submit = SubmitField(_l("Take the call"))
