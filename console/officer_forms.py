"""The forms of an administration's officer: the work list's filters (a GET, no CSRF: it
changes nothing), each move on a case; labels through Babel. The answer templates' form
is shared with the admins (answer_template_forms.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from shared.cases import MAX_NOTE_CHARS
from shared.types import CaseKind
from shared.types import Channel

from .answer_template_forms import LANGUAGE_LABELS
from .case_labels import CHANNEL_LABELS
from .labels import KIND_LABELS
from .labels import STATUS_LABELS

MAX_SEARCH_CHARS = 200
MAX_REPLY_CHARS = 10_000
ALL = SelectChoice("", _l("All"))


class WorkListForm(FlaskForm):
    """The work list's filters, read from the query string."""
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()], choices=[ALL] + [
        SelectChoice("open", _l("Waiting for the administration"))] + [
        SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()])
    kind = SelectField(_l("Kind"), validators=[Optional()], choices=[ALL] + [
        SelectChoice(k.value, KIND_LABELS[k]) for k in CaseKind])
    channel = SelectField(_l("Channel"), validators=[Optional()], choices=[ALL] + [
        SelectChoice(c.value, CHANNEL_LABELS[c]) for c in Channel])
    filed_from = DateField(_l("Filed from"), validators=[Optional()])
    filed_to = DateField(_l("Filed until"), validators=[Optional()])
    q = StringField(_l("Words of the case or its transcript"),
                    validators=[Optional(), Length(max=MAX_SEARCH_CHARS)],
                    render_kw={"data-testid": "work-search", "type": "search"})
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])


class NoteForm(FlaskForm):
    """A move with no more than an optional note (transmit, start)."""
    note = TextAreaField(_l("Note (optional)"),
                         validators=[Optional(), Length(max=MAX_NOTE_CHARS)])


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Reasoned reply"),
                          validators=[DataRequired(), Length(max=MAX_REPLY_CHARS)],
                          render_kw={"data-testid": "reply-text"})
    language = SelectField(_l("Language of the reply"), validators=[DataRequired()],
                           choices=[SelectChoice(code, label)
                                    for code, label in LANGUAGE_LABELS.items()])


class RedirectForm(FlaskForm):
    administration = StringField(_l("Competent administration (keypad code)"),
                                 validators=[DataRequired(), Length(max=16)])
    reason = TextAreaField(_l("Why this administration is not competent"),
                           validators=[DataRequired(), Length(max=MAX_NOTE_CHARS)])


class CloseForm(FlaskForm):
    reason = SelectField(_l("Close as"), validators=[DataRequired()], choices=[
        SelectChoice("inadmissible", _l("Inadmissible")),
        SelectChoice("duplicate", _l("Duplicate"))])
    original = StringField(_l("Reference of the original case (duplicate)"),
                           validators=[Optional(), Length(max=16)])
    note = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_NOTE_CHARS)])


class QuestionForm(FlaskForm):
    question = TextAreaField(_l("What the citizen should add"),
                             validators=[DataRequired(), Length(max=MAX_NOTE_CHARS)])


class InternalNoteForm(FlaskForm):
    text = TextAreaField(_l("Internal note (never shown to the citizen)"),
                         validators=[DataRequired(), Length(max=MAX_NOTE_CHARS)])
