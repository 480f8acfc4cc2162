"""The answer templates' form and its rules, shared by an officer's page (their own
administration's templates) and an admin's (any administration's): the same fields, the
same checks (shared/answer_templates.py), the reasons of a refusal in the user's language."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from shared import answer_templates
from shared.extensions import db
from shared.models import AnswerTemplate

LANGUAGE_LABELS = {"ar": _l("Arabic"), "fr": _l("French")}
PLACEHOLDERS_RULE = _l("Placeholders are written {reference}, {date}, {administration} or "
                       "{filed_on}: nothing else between braces.")
# InvalidTemplate.reason -> what the user reads.
REASONS = {
    "language": _l("A template is in Arabic or French."),
    "empty": _l("A template needs a title and a text."),
    "too_long": _l("The title or the text is too long."),
    "brace": PLACEHOLDERS_RULE,
    "placeholder_format": PLACEHOLDERS_RULE,
    "unknown_placeholder": _l("Unknown placeholder: %(names)s. Placeholders are written "
                              "{reference}, {date}, {administration} or {filed_on}."),
}


class TemplateForm(FlaskForm):
    language = SelectField(_l("Language"), validators=[DataRequired()],
                           choices=[SelectChoice(code, label)
                                    for code, label in LANGUAGE_LABELS.items()])
    title = StringField(_l("Title"), validators=[
        DataRequired(), Length(max=answer_templates.MAX_TITLE_CHARS)])
    body = TextAreaField(_l("Text"), validators=[
        DataRequired(), Length(max=answer_templates.MAX_BODY_CHARS)])


class DeleteForm(FlaskForm):
    """A button with its CSRF token."""


class TemplateRefused(Exception):
    """The form's template is not saved; `message` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def form_for(template: AnswerTemplate) -> TemplateForm:
    return TemplateForm(formdata=None, language=template.language, title=template.title,
                        body=template.body)


def save(form: TemplateForm, administration_id: int,
         template: AnswerTemplate | None = None) -> AnswerTemplate:
    """The submitted form as a new template of `administration_id`, or into `template`
    (in the session, not committed); TemplateRefused when the form or the text is wrong."""
    if not form.validate_on_submit():
        raise TemplateRefused(_("Check the form: a field is missing or wrong."))
    values = (form.language.data, form.title.data, form.body.data)
    try:  # both check everything before they change anything
        if template is None:
            template = answer_templates.add(db.session, administration_id, *values)
        else:
            answer_templates.edit(template, *values)
    except answer_templates.InvalidTemplate as error:
        raise TemplateRefused(str(REASONS[error.reason] % {"names": ", ".join(
            "{" + name + "}" for name in error.unknown)})) from None
    return template
