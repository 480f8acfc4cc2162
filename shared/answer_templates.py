"""Answer templates: replies an administration's officers start from, in Arabic or
French, with placeholders filled for the case at hand."""
from __future__ import annotations

import datetime as dt
import string

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import legal
from .errors import DomainError
from .models import AnswerTemplate
from .models import Case

LANGUAGES = ("ar", "fr")
MAX_TITLE_CHARS = 128
MAX_BODY_CHARS = 5_000
PLACEHOLDERS = ("reference", "date", "administration", "filed_on")


class InvalidTemplate(DomainError):
    """A template that cannot be filled: unknown placeholder, stray brace, wrong language.
    `reason` is a stable code the console words in the user's language (`unknown`: the
    unknown placeholders' names)."""

    def __init__(self, reason: str, message: str, unknown: tuple[str, ...] = ()):
        super().__init__(message)
        self.reason, self.unknown = reason, unknown


def placeholders(body: str) -> set[str]:
    """The placeholders `body` uses; InvalidTemplate for a stray brace or a format spec."""
    try:
        fields = [(name, spec, conversion)
                  for _text, name, spec, conversion in string.Formatter().parse(body)
                  if name is not None]
    except ValueError:
        raise InvalidTemplate("brace", "a brace is not closed: write placeholders as "
                              "{reference}") from None
    if any(spec or conversion for _name, spec, conversion in fields):
        raise InvalidTemplate("placeholder_format", "a placeholder is a bare name, as "
                              "{reference}")
    return {name for name, _spec, _conversion in fields}


def validate(language: str, title: str, body: str) -> None:
    if language not in LANGUAGES:
        raise InvalidTemplate("language", "a template is in Arabic or French")
    if not title.strip() or not body.strip():
        raise InvalidTemplate("empty", "a template needs a title and a text")
    if len(title) > MAX_TITLE_CHARS or len(body) > MAX_BODY_CHARS:
        raise InvalidTemplate("too_long", "the title or the text is too long")
    unknown = tuple(sorted(placeholders(body) - set(PLACEHOLDERS)))
    if unknown:
        raise InvalidTemplate("unknown_placeholder", "unknown placeholders: "
                              + ", ".join(unknown) + " (one of " + ", ".join(PLACEHOLDERS)
                              + ")", unknown)


def fill(template: AnswerTemplate, case: Case, today: dt.date) -> str:
    """The template's text for `case`: dates as dd/mm/yyyy, the administration's name in
    the template's language."""
    admin = case.administration
    return template.body.format(
        reference=case.reference, date=today.strftime("%d/%m/%Y"),
        administration=admin.name(template.language) if admin else "",
        filed_on=legal.local_date(case.filed_at).strftime("%d/%m/%Y"))


def of_administration(session: Session, administration_id: int) -> list[AnswerTemplate]:
    return list(session.scalars(
        select(AnswerTemplate).where(AnswerTemplate.administration_id == administration_id)
        .order_by(AnswerTemplate.language, AnswerTemplate.title, AnswerTemplate.id)))


def for_case(session: Session, case: Case, ids: frozenset[int]) -> list[AnswerTemplate]:
    """The templates an officer may use on `case`: those of the case's administration and
    of the administrations above it that the officer belongs to (`ids`)."""
    owners, admin = [], case.administration
    while admin is not None:
        if admin.id in ids:
            owners.append(admin.id)
        admin = admin.parent
    return list(session.scalars(
        select(AnswerTemplate).where(AnswerTemplate.administration_id.in_(owners))
        .order_by(AnswerTemplate.language, AnswerTemplate.title, AnswerTemplate.id)))


def add(session: Session, administration_id: int, language: str, title: str,
        body: str) -> AnswerTemplate:
    validate(language, title, body)
    template = AnswerTemplate(administration_id=administration_id, language=language,
                              title=title.strip(), body=body.strip())
    session.add(template)
    return template


def edit(template: AnswerTemplate, language: str, title: str, body: str) -> None:
    """Change a template (the same rules as a new one); replies already sent keep their
    text (a reply copies the template, it does not point to it)."""
    validate(language, title, body)
    template.language, template.title, template.body = language, title.strip(), body.strip()


def snapshot(template: AnswerTemplate) -> dict:
    """What an admin's change log keeps of a template."""
    return {"administration_id": template.administration_id, "language": template.language,
            "title": template.title, "body": template.body}
