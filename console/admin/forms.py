"""The admins' forms (Flask-WTF: each carries its CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import PasswordField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from shared.hours import DAYS
from shared.languages import load_languages
from shared.types import Role
from shared.users import MAX_PASSWORD_LENGTH

DAY_LABELS = dict(zip(DAYS, (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"),
                             _l("Friday"), _l("Saturday"), _l("Sunday"))))
RANGE_SLOTS = 2  # empty ranges offered at least (a split day); one more after each save
MAX_RANGES = 8
ROLE_LABELS = {Role.AGENT: _l("Agent"), Role.SUPERVISOR: _l("Supervisor"),
               Role.OFFICER: _l("Administration officer"), Role.ADMIN: _l("Admin")}
MAX_SYNONYMS_CHARS = 2000


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class RoleFields(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    administration = StringField(_l("Administration (keypad code, officers only)"),
                                 validators=[Optional(), Length(max=6)])


class UserCreateForm(RoleFields):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "off"})
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=128)])
    console_language = SelectField(_l("Console language"), validators=[Optional()])
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create the user"), id="user-create-submit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.console_language.choices = [SelectChoice("", "—")] + [
            SelectChoice(language.code, language.name) for language in load_languages()]


class UserRoleForm(RoleFields):
    submit = SubmitField(_l("Save the role"), id="user-role-submit")


class UserPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Reset the password"), id="user-password-submit")


class UserActiveForm(FlaskForm):
    """Deactivating or reactivating: only its CSRF token (the user is in the URL)."""
    submit = SubmitField(_l("Confirm"))


class AdministrationSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Name, acronym or keypad code"), validators=[Length(max=100)])


class AdministrationForm(FlaskForm):
    """Names and spoken synonyms in each language (one synonym a line), acronym, keypad
    code, active flag."""
    code = StringField(_l("Keypad code"), validators=[DataRequired(), Length(max=6)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=32)])
    active = BooleanField(_l("Active (callers can choose it)"))
    submit = SubmitField(_l("Save the administration"), id="administration-submit")

    def language_fields(self):
        """[(language, its name field, its synonyms field)] in the languages' order."""
        return [(language, self[f"name_{language.code}"], self[f"synonyms_{language.code}"])
                for language in load_languages()]


for _language in load_languages():
    setattr(AdministrationForm, f"name_{_language.code}",
            StringField(_l("Name"), validators=[Optional(), Length(max=255)]))
    setattr(AdministrationForm, f"synonyms_{_language.code}",
            TextAreaField(_l("Spoken synonyms (one a line)"),
                          validators=[Optional(), Length(max=MAX_SYNONYMS_CHARS)]))


class OpeningHoursForm(FlaskForm):
    opening_hours = StringField(_l("Opening hours"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save the opening hours"), id="hours-submit")


class TimeRangeForm(Form):
    """One range of a day (a sub-form: the CSRF token is the week's)."""
    start = StringField(_l("Opens at"), validators=[Optional(), Length(max=8)],
                        render_kw={"type": "time", "dir": "ltr"})
    end = StringField(_l("Closes at"), validators=[Optional(), Length(max=8)],
                      render_kw={"type": "time", "dir": "ltr"})


class DayHoursForm(Form):
    open = BooleanField(_l("Open"))
    ranges = FieldList(FormField(TimeRangeForm), min_entries=RANGE_SLOTS,
                       max_entries=MAX_RANGES)


class WeeklyHoursForm(FlaskForm):
    """Each day of the week: closed, or open with its time ranges."""
    submit = SubmitField(_l("Save the weekly hours"), id="week-submit")

    def days(self):
        """[(day's label, its sub-form)], Monday first."""
        return [(DAY_LABELS[day], self[day]) for day in DAYS]


for _day in DAYS:
    setattr(WeeklyHoursForm, _day, FormField(DayHoursForm))
