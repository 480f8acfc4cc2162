"""The reasons a change is refused, in the admin's language (the shared rules name them
with a stable code), and the 400 page that says them."""
from flask import render_template
from flask_babel import lazy_gettext as _l

from shared.users import MIN_PASSWORD_LENGTH

REASONS = {
    "bad_username": _l("A username is 2 to 64 lower-case letters, digits, '.', '_' or '-'."),
    "username_taken": _l("This username is taken."),
    "weak_password": _l("A password has at least %(length)s characters.",
                        length=MIN_PASSWORD_LENGTH),
    "officer_needs_administration": _l("An officer needs the keypad code of their "
                                       "administration."),
    "no_such_administration": _l("No administration has this keypad code."),
    "not_yourself": _l("You cannot deactivate your own account or take away your own "
                       "admin role."),
    "last_admin": _l("This is the last active admin: make another admin first."),
    "code_format": _l("A keypad code is 1 to 6 digits."),
    "code_reserved": _l("A keypad code cannot start with 0 or 9 (the menus' agent and "
                        "repeat keys)."),
    "code_taken": _l("Another administration has this keypad code."),
    "code_prefix": _l("This keypad code starts another administration's code, or starts "
                      "with one: a caller could not key both."),
    "no_name": _l("An administration needs a name in at least one language."),
    "bad_hours": _l("These opening hours cannot be read: write days then hours, e.g. "
                    "'mon-fri 08:30-16:30; sat 09:00-12:00', each end after its start."),
    "hours_bad_time": _l("%(day)s: '%(time)s' is not a time; write hh:mm, e.g. 08:30."),
    "hours_missing_time": _l("%(day)s: a time range needs its start and its end "
                             "(%(start)s-%(end)s)."),
    "hours_end_before_start": _l("%(day)s: the range %(start)s-%(end)s ends before it "
                                 "starts."),
    "hours_overlap": _l("%(day)s: the ranges %(first)s and %(second)s overlap."),
    "hours_open_without_hours": _l("%(day)s is open: give it at least one time range, or "
                                   "mark it closed."),
    "hours_all_closed": _l("Open at least one day: with every day closed, no caller could "
                           "ever reach an agent."),
    "form": _l("Check the form: a field is missing or wrong."),
}


def refused(template: str, reason: str, values: dict | None = None, **context):
    """The page again with the reason on top (`values` fill its blanks), status 400."""
    refusal = REASONS[reason] % values if values else REASONS[reason]
    return render_template(template, refusal=refusal, **context), 400
