"""Languages of the line and of the console: the list comes from voice_prompts/languages.json,
so adding a language is data (its catalogue, prompts and grammar), not code."""
from flask import request
from flask import session

from .languages import load_languages


def language_codes() -> tuple[str, ...]:
    return tuple(language.code for language in load_languages())


def select_locale() -> str:
    """The console's locale: the user's choice in the session, else the browser's."""
    codes = language_codes()
    chosen = session.get("language")
    if chosen in codes:
        return chosen
    return request.accept_languages.best_match(codes) or codes[-1]
