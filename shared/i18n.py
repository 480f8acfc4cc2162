"""Languages of the line and of the console: the list comes from voice_prompts/languages.json,
so adding a language is data (its catalogue, prompts and grammar), not code."""
from flask import request
from flask import session
from flask_login import current_user

from .languages import load_languages


def language_codes() -> tuple[str, ...]:
    return tuple(language.code for language in load_languages())


CONSOLE_DEFAULT = "fr"


def select_locale() -> str:
    """The console's locale: a logged-in user's choice, else French; before login, the
    choice kept in the session, else the browser's, else French."""
    codes = language_codes()
    if current_user and current_user.is_authenticated:
        chosen = current_user.console_language
        return chosen if chosen in codes else CONSOLE_DEFAULT
    chosen = session.get("language")
    if chosen in codes:
        return chosen
    return request.accept_languages.best_match(codes) or CONSOLE_DEFAULT
