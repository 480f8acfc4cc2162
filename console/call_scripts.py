"""What the agent reads to the caller, in the caller's language (not the console's): the
reference read-back with the IVR's own words (voice_prompts catalogues) and the scripted
redirections of the out-of-scope checklist (msgctxt entries of the messages catalogues)."""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from ivr.prompts import catalogue
from shared import messages
from shared import references
from shared.languages import load_languages
from shared.models import Case
from shared.types import CloseReason

CHECKLIST = ("before_court", "judicial_police", "wrong_administration")
# Babel has no calendar data for some of our codes: the nearest locale that has.
DATE_LOCALES = {"ary": "ar_MA"}
NOT_YET_KNOWN = "…"
# The reference inside a right-to-left script: isolated left to right (LRI ... PDI), so its
# groups show in the order they are read, as in the big reference above the script.
LTR_ISOLATE = "\u2066{}\u2069"


def reply_date(date: dt.date, language: str) -> str:
    """`date` written out in `language` (e.g. 29 janvier 2027)."""
    return format_date(date, "long", locale=DATE_LOCALES.get(language, language))


def language_name(code: str) -> str:
    return next((language.name for language in load_languages() if language.code == code),
                code)


def checklist_scripts(language: str, redirect_to: str | None = None) -> dict[str, str]:
    """{checklist item: the redirection to read} in the caller's `language`."""
    return {item: messages.text(f"script_{item}", language,
                                redirect_to=redirect_to or NOT_YET_KNOWN)
            for item in CHECKLIST}


def read_back_script(case: Case) -> str:
    """The words the IVR says after filing, as text: the reference in its spoken groups,
    then the legal reply date."""
    prompts, language = catalogue(), case.language
    return " ".join([prompts.text("case_filed", language),
                     LTR_ISOLATE.format(references.format_for_display(case.reference)) + ".",
                     prompts.text("reply_due", language),
                     reply_date(case.reply_due_on, language) + "."])


def filed_script(case: Case) -> str:
    """What to read once the case is filed: the redirection first when it is out of scope
    (the ticked items are named in the closing event's note), then the reference."""
    parts = []
    if case.close_reason in (CloseReason.INADMISSIBLE, CloseReason.NOT_COMPETENT):
        closing = next((event for event in reversed(case.events) if event.action == "close"),
                       None)
        ticked = [item for item in CHECKLIST if closing is not None
                  and item in (closing.note or "")]
        scripts = checklist_scripts(case.language, case.redirect_to)
        parts += [scripts[item] for item in ticked]
    return " ".join(parts + [read_back_script(case)])


def language_dir(code: str) -> str:
    return next((language.dir for language in load_languages() if language.code == code),
                "ltr")
