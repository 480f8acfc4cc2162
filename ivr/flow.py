"""The 3737 call flow as data: a table of steps, each with what it says, what it listens
for and a transition function returning the next step's name. No Flask in here: the
step engine (ivr/engine.py) renders steps as TwiML and apply transitions.

Per-call state lives on the Call row (step, retries, answers), so any process can serve
any webhook of a call.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Callable

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import administrations
from shared import caller_limits
from shared import callbacks
from shared import identity
from shared import references
from shared.caller_limits import CallerLimits
from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.errors import AlreadyRated
from shared.models import Administration
from shared.models import Call
from shared.models import CallbackRequest
from shared.models import CallerPreference
from shared.models import Case
from shared.models import utcnow
from shared.sms import schedule_filed_sms
from shared.states import FINAL
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel
from shared.upsert import upsert

from .long_text import say_chunks
from .prompts import Language
from .recognition import match_administration
from .recordings import schedule_fetch
from .twiml import DigitString
from .twiml import Keys
from .twiml import Pause
from .twiml import Prompt
from .twiml import Recording
from .twiml import Spoken
from .twiml import SpokenDate
from .twiml import Utterance

SURVEY = "survey"        # the post-call survey, before goodbye after a filing or a follow-up
SURVEY_KEYS = {"1", "2", "3", "4", "5"}
SURVEY_TRIES = 2         # a wrong key is asked again once, then goodbye
MAX_TRIES = 3            # no input or a wrong key, per step, before a graceful exit
# A reply longer than this is not read on the phone (about two minutes of speech; each
# <Say> holds 3,000 bytes, a TwiML document 64 KB): an agent reads it instead.
MAX_SPOKEN_REPLY_CHARS = 1500
MAX_SPOKEN_REPLY_CHUNKS = 4
NAME_MAX_SECONDS = 15
DESCRIPTION_MAX_SECONDS = 120
KINDS = {"1": CaseKind.COMPLAINT, "2": CaseKind.OBSERVATION, "3": CaseKind.SUGGESTION}
IVR_ACTOR = "ivr"


@dataclass(frozen=True)
class Heard:
    """What Twilio posted back after a step: keys, speech or a recording."""
    digits: str | None = None
    speech: str | None = None
    recording_url: str | None = None
    recording_sid: str | None = None
    recording_duration: int = 0

    @property
    def recorded(self) -> bool:
        return bool(self.recording_url) and self.recording_duration > 0

    @property
    def nothing(self) -> bool:
        return not self.digits and not self.speech and not self.recorded


@dataclass
class FlowEnv:
    """What transitions may use besides the call: the database and the facts of the moment."""
    session: Session
    languages: tuple[Language, ...]
    caller: str | None           # the caller's number, E.164, when Twilio gave a usable one
    can_queue: Callable[[], bool]  # agents open and the queue not full (asked only when needed)
    speech_languages: frozenset[str]  # languages with a speech recogniser for names
    limits: CallerLimits = CallerLimits()  # per caller number and day
    # Languages whose choices are heard offline on the call's media stream (vosk), rather
    # than by Twilio's <Gather input="speech">.
    stream_languages: frozenset[str] = frozenset()
    # The administrations this webhook read, by keypad code (a step and the next one it
    # renders ask for the same one).
    admins: dict[str, Administration | None] = field(default_factory=dict)
    cases: dict[str, Case | None] = field(default_factory=dict)  # by reference, likewise

    def language(self, code: str) -> Language | None:
        return next((lang for lang in self.languages if lang.code == code), None)

    def administration(self, code: str) -> Administration | None:
        """The active administration with keypad code `code`, read once per webhook and
        without flushing the call's pending changes first (an administration never depends
        on them): the call's row is written once, at the commit."""
        if code not in self.admins:
            with self.session.no_autoflush:
                self.admins[code] = administrations.by_code(self.session, code)
        return self.admins[code]


Say = Callable[[Call, FlowEnv], list[Utterance]]
Next = Callable[[Call, Heard, FlowEnv], str]


@dataclass(frozen=True)
class Step:
    """One step of the flow. `listen` None: say, then go on to `then` (or `end`)."""
    name: str
    say: Say
    listen: Keys | Recording | None = None
    next: Next | None = None
    then: str | Callable[[Call, FlowEnv], str] | None = None
    end: str | None = None  # "hangup" or "enqueue"


# -- spoken choices -------------------------------------------------------------------------
# A choice heard on the media stream is applied as the key it stands for: the same transition.
MAIN_MENU_INTENTS = {"complaint": "1", "observation": "2", "suggestion": "3",
                     "follow_up": "4", "agent": "0", "repeat": "9"}
YES_NO_INTENTS = {"yes": "1", "no": "2"}


def spoken_key(grammar: str | None, intent: str, env: FlowEnv) -> str | None:
    """The key a spoken `intent` of `grammar` stands for; None when it stands for none.
    An intent that is already one of the grammar's keys stands for itself."""
    if grammar == "language":
        language = env.language(intent)
        keys = {lang.keypad for lang in env.languages}
        return language.keypad if language else intent if intent in keys else None
    if grammar == "administrations":  # the administration's keypad code
        return intent if intent.isascii() and intent.isdigit() else None
    intents = {"main_menu": MAIN_MENU_INTENTS, "yes_no": YES_NO_INTENTS}.get(grammar or "", {})
    return intents.get(intent) or (intent if intent in intents.values() else None)


# -- helpers --------------------------------------------------------------------------------
def remember(call: Call, **values) -> None:
    """Store answers (a new dict, so SQLAlchemy sees the JSON change)."""
    call.answers = {**(call.answers or {}), **values}


def forget(call: Call, *names: str) -> None:
    if any(name in (call.answers or {}) for name in names):
        call.answers = {k: v for k, v in call.answers.items() if k not in names}


def notice(call: Call, key: str) -> None:
    """A prompt said once before the next step's own (e.g. "this choice is not valid")."""
    remember(call, notice=key)


def retry(call: Call, env: FlowEnv, key: str | None = None, give_up: str | None = None) -> str:
    """Ask the same step again with a notice, or give up after MAX_TRIES."""
    call.retries += 1
    if call.retries >= MAX_TRIES:
        return give_up or agent_or_fallback(call, env)
    notice(call, key or "invalid_choice")
    return call.step


def heard_nothing(call: Call, env: FlowEnv, give_up: str | None = None) -> str:
    return retry(call, env, "no_input", give_up)


def again(call: Call) -> str:
    """The same step once more at the caller's wish (9, 1 to repeat): not a failure."""
    call.retries = 0
    return call.step


def agent_or_fallback(call: Call, env: FlowEnv) -> str:
    """Queue for an agent when one can answer; otherwise voicemail or callback."""
    return "agent" if env.can_queue() else "agent_unavailable"


def kind_of(call: Call) -> CaseKind:
    return CaseKind(call.answers.get("kind", CaseKind.COMPLAINT.value))


def current_case(call: Call, env: FlowEnv) -> Case | None:
    reference = call.answers.get("case_ref")
    if not reference:
        return None
    if reference not in env.cases:  # filed by this webhook: already there
        env.cases[reference] = CaseService(env.session).find(reference)
    return env.cases[reference]


def read_reference(reference: str) -> list[Utterance]:
    """The reference digit by digit, in the groups a person can hold in mind (3-3-4)."""
    items: list[Utterance] = []
    for group in references.grouped(reference):
        items += [Pause(), DigitString(group)] if items else [DigitString(group)]
    return items


def says(*keys: str) -> Say:
    return lambda call, env: [Prompt(key) for key in keys]


def used_up(env: FlowEnv, counter: str) -> bool:
    """True when the caller's number has used today's allowance of `counter`."""
    return bool(env.caller) and caller_limits.count(env.session, env.caller, counter) \
        >= env.limits.allowed(counter)


def count_one(env: FlowEnv, counter: str) -> bool:
    """Count one `counter` for the caller's number; False when it is over today's limit."""
    if not env.caller:
        return True
    return caller_limits.add(env.session, env.caller, counter) <= env.limits.allowed(counter)


def agent_if_zero(call: Call, heard: Heard, env: FlowEnv) -> str:
    """After an offer of an agent: 0 takes it, anything else (or nothing) ends the call."""
    return agent_or_fallback(call, env) if heard.digits == "0" else "goodbye"


def administration_said(admin: Administration, call: Call, env: FlowEnv) -> Spoken:
    """An administration's name in the caller's language; without a voice of its own
    (Darija), as written in the fallback language (Arabic), by that language's voice."""
    language = env.language(call.language)
    spoken = language.code if language.say or not language.fallback else language.fallback
    return Spoken(admin.name(spoken), spoken)


# -- language -------------------------------------------------------------------------------
# A Core statement built once: no ORM entity to compile around it at each call coming in.
_PREFERENCES = CallerPreference.__table__
PREFERRED_LANGUAGE = select(_PREFERENCES.c.language).where(
    _PREFERENCES.c.phone == bindparam("phone"))


def preferred_language(session: Session, caller: str | None) -> str | None:
    if not caller:
        return None
    return session.scalar(PREFERRED_LANGUAGE, {"phone": caller})


def save_preference(session: Session, caller: str | None, language: str) -> None:
    """One row per number, even when two first calls from it choose at the same moment."""
    if not caller:
        return
    now = utcnow()
    with session.no_autoflush:  # another table: the call's row is written once, at the commit
        session.execute(upsert(session, CallerPreference,
                               {"phone": caller, "language": language, "updated_at": now},
                               conflict_on=["phone"],
                               update={"language": language, "updated_at": now}))


def language_known(call: Call) -> str | None:
    """The caller's language once chosen, or remembered from the number's last call; not
    the first language a new caller's retried language menu goes on in."""
    if call.step == "language" and not call.answers.get("preferred_language"):
        return None
    return call.language


def say_language_menu(call: Call, env: FlowEnv) -> list[Utterance]:
    preferred = call.answers.get("preferred_language")
    items: list[Utterance] = []
    if not call.answers.get("welcomed"):
        items.append(Prompt("welcome", preferred or env.languages[0].code))
    if preferred:
        items.append(Prompt("language_keep", preferred))
    items += [Prompt("language_option", lang.code) for lang in env.languages]
    return items


def pick_language(call: Call, heard: Heard, env: FlowEnv) -> str:
    remember(call, welcomed=True)
    chosen = next((lang.code for lang in env.languages if lang.keypad == heard.digits), None)
    preferred = call.answers.get("preferred_language")
    if chosen is None and heard.digits == "#" and preferred:
        chosen = preferred
    if chosen is None:
        # Until one is chosen, the call goes on in the caller's last language or the first
        # (an agent, or voicemail, after three failures).
        call.language = call.language or preferred or env.languages[0].code
        return heard_nothing(call, env) if heard.nothing else retry(call, env)
    call.language = chosen
    save_preference(env.session, env.caller, chosen)
    return "main_menu"


# -- main menu ------------------------------------------------------------------------------
def pick_service(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.digits in KINDS:
        if used_up(env, caller_limits.CASES):
            return "case_limit"
        remember(call, kind=KINDS[heard.digits].value)
        return "administration"
    if heard.digits == "4":
        return "check_limit" if used_up(env, caller_limits.CHECKS) else "reference"
    if heard.digits == "0":
        return agent_or_fallback(call, env)
    if heard.digits == "9":
        return again(call)
    return heard_nothing(call, env) if heard.nothing else retry(call, env)


# -- administration -------------------------------------------------------------------------
def say_ask_administration(call: Call, env: FlowEnv) -> list[Utterance]:
    spoken = call.language in env.speech_languages
    return [Prompt("ask_administration" if spoken else "ask_administration_keypad")]


def find_administration(call: Call, heard: Heard, env: FlowEnv) -> str:
    admin = None
    if heard.digits:
        admin = env.administration(heard.digits)
    elif heard.speech and call.language in env.speech_languages:
        with env.session.no_autoflush:
            admin = match_administration(env.session, heard.speech, call.language)
        if admin is not None:
            env.admins[admin.code] = admin
    elif heard.nothing:
        return heard_nothing(call, env)
    if admin is None:
        return retry(call, env, "administration_unknown")
    remember(call, administration=admin.code)
    return "confirm_administration"


def say_confirm_administration(call: Call, env: FlowEnv) -> list[Utterance]:
    admin = env.administration(call.answers.get("administration", ""))
    if admin is None:  # deactivated since it was keyed: 2 chooses again
        return [Prompt("administration_unknown"), Prompt("confirm_choice")]
    return [Prompt("you_chose"), administration_said(admin, call, env), Prompt("confirm_choice")]


def confirm_administration(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.digits == "1" and env.administration(call.answers.get("administration", "")):
        return "confirm_phone" if env.caller else "phone"
    if heard.digits == "2":
        forget(call, "administration")
        return "administration"
    return heard_nothing(call, env) if heard.nothing else retry(call, env)


# -- identity -------------------------------------------------------------------------------
def say_confirm_phone(call: Call, env: FlowEnv) -> list[Utterance]:
    return [Prompt("phone_ends_with"), DigitString(identity.last_digits(env.caller, 4)),
            Prompt("confirm_phone")]


def confirm_phone(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.digits == "1":
        remember(call, phone=env.caller)
        return "name"
    if heard.digits == "2":
        return "phone"
    return heard_nothing(call, env) if heard.nothing else retry(call, env)


def take_phone(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.nothing:
        return heard_nothing(call, env, give_up="name")
    try:
        remember(call, phone=identity.normalise_phone(heard.digits or ""))
    except identity.InvalidIdentity:
        return retry(call, env, "phone_invalid", give_up="name")  # an agent completes it
    return "name"


def take_name(call: Call, heard: Heard, env: FlowEnv) -> str:
    after = "cin" if kind_of(call) is CaseKind.COMPLAINT else "description"
    if not heard.recorded:
        return heard_nothing(call, env, give_up=after)  # an agent asks the name later
    remember(call, name_recording={"sid": heard.recording_sid, "url": heard.recording_url})
    return after


def take_cin(call: Call, heard: Heard, env: FlowEnv) -> str:
    if not heard.digits:  # "#" alone (or nothing): an agent completes it later
        return "description"
    try:
        remember(call, cin_digits=identity.normalise_cin_digits(heard.digits))
    except identity.InvalidIdentity:
        return retry(call, env, "cin_invalid", give_up="description")
    return "description"


# -- description and filing -----------------------------------------------------------------
def take_description(call: Call, heard: Heard, env: FlowEnv) -> str:
    if not heard.recorded:
        return retry(call, env, "description_missing")
    file_case(call, env, {"description_recording": {"sid": heard.recording_sid,
                                                    "url": heard.recording_url}})
    return "filed"


def file_case(call: Call, env: FlowEnv, answered: dict, voicemail: bool = False) -> Case:
    """File the call's case (once per call, whatever Twilio replays) with its answers and
    what the caller has just `answered`. The case, its counter and its jobs are written
    first, the call's own changes last: its row is then written once, at the commit, not
    again at each flush the filing makes (savepoints, jobs)."""
    answers = {**call.answers, **answered}
    admin = env.administration(answers.get("administration", ""))
    kind = kind_of(call)
    pending = ["name"]  # the name is a recording until an agent writes it down
    if kind is CaseKind.COMPLAINT:
        pending.append("cin")  # the letters of a CIN cannot be keyed on a phone
    if not answers.get("phone"):
        pending.append("phone")
    if voicemail:
        pending.append("description")
    if admin is None:  # a voicemail, or deactivated during the call: an agent chooses it
        pending.append("administration")
    with env.session.no_autoflush:
        case = CaseService(env.session, actor=IVR_ACTOR).file(NewCase(
            kind=kind, administration=admin, channel=Channel.PHONE_IVR,
            language=call.language,
            citizen=Citizen(phone=answers.get("phone"), cin=answers.get("cin_digits")),
            pending_fields=pending, idempotency_key=f"call:{call.call_sid}",
            note="voicemail" if voicemail else None))
        count_one(env, caller_limits.CASES)
        schedule_filed_sms(env.session, case)
        for purpose in ("name", "description"):
            recording = answers.get(f"{purpose}_recording") or {}
            schedule_fetch(env.session, call.call_sid, recording.get("sid"),
                           recording.get("url"))
    env.cases[case.reference] = case
    call.case_id = case.id
    call.outcome = "voicemail" if voicemail else "filed"
    remember(call, **answered, case_ref=case.reference)
    forget(call, "cin_digits")  # kept on the case only: personal data is not copied around
    return case


def read_back(case: Case) -> list[Utterance]:
    """What a caller hears of a filed case: its reference digit by digit, then the legal
    reply date (said after the IVR files it, and when an agent plays it to the caller)."""
    return [Prompt("case_filed"), *read_reference(case.reference),
            Prompt("reply_due"), SpokenDate(case.reply_due_on)]


def say_filed(call: Call, env: FlowEnv) -> list[Utterance]:
    case = current_case(call, env)
    items: list[Utterance] = read_back(case)
    if case.citizen_phone and identity.is_mobile(case.citizen_phone):
        items.append(Prompt("sms_will_follow"))
    return items + [Prompt("repeat_reference")]


def after_filed(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.digits == "1":
        return again(call)
    return SURVEY


# -- follow-up ------------------------------------------------------------------------------
def find_case(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.nothing:
        return heard_nothing(call, env)
    if not references.is_valid(heard.digits or ""):
        return retry(call, env, "reference_invalid")  # caught before any lookup
    if not count_one(env, caller_limits.CHECKS):
        return "check_limit"
    service = CaseService(env.session, actor=IVR_ACTOR)
    case = service.find(heard.digits)
    if case is None:
        return retry(call, env, "reference_unknown")
    remember(call, case_ref=case.reference)
    call.outcome = "followed_up"
    if env.caller and case.citizen_phone == env.caller:
        return "case_status"
    return "phone_check_locked" if service.phone_check_locked(case) else "verify_phone"


def verify_phone(call: Call, heard: Heard, env: FlowEnv) -> str:
    """The last 4 digits of the case's phone; wrong answers count per case across calls
    (and per caller number and day), so guessing them is a matter of years."""
    if heard.nothing:
        return heard_nothing(call, env, give_up="goodbye")
    if not count_one(env, caller_limits.CHECKS):
        return "check_limit"
    case = current_case(call, env)
    service = CaseService(env.session, actor=IVR_ACTOR)
    if service.phone_check_locked(case):  # locked meanwhile, from another call
        return "phone_check_locked"
    expected = identity.last_digits(case.citizen_phone, 4)
    if expected and heard.digits == expected:
        service.pass_phone_check(case)
        return "case_status"
    if service.fail_phone_check(case):
        return "phone_check_locked"
    notice(call, "phone_last4_wrong")
    return again(call)


def has_reply(case: Case) -> bool:
    return bool(case.reply) and case.status in (CaseStatus.ANSWERED, CaseStatus.CLOSED)


def unreadable_reply(case: Case, env: FlowEnv) -> str | None:
    """Why the case's reply cannot be read on the phone, as the step that says so:
    "reply_not_spoken" (its language has no voice, e.g. Darija) or "reply_too_long";
    None when a voice can read it."""
    language = env.language(case.reply_language or "")
    if language is None or not language.say:
        return "reply_not_spoken"
    if len(case.reply) > MAX_SPOKEN_REPLY_CHARS \
            or len(say_chunks(case.reply)) > MAX_SPOKEN_REPLY_CHUNKS:
        return "reply_too_long"
    return None


def say_redirection(case: Case, call: Call, env: FlowEnv) -> list[Utterance]:
    """Where a request the administration is not competent for should go."""
    if case.redirect_administration is not None:
        return [Prompt("redirect_to"), administration_said(case.redirect_administration, call,
                                                           env)]
    if case.redirect_to:
        # Free text, written in French or Arabic: said by the voice of its script.
        written = "ar" if any("\u0600" <= c <= "\u06ff" for c in case.redirect_to) else "fr"
        return [Prompt("redirect_to"), Spoken(case.redirect_to, written)]
    return []


def say_case_status(call: Call, env: FlowEnv) -> list[Utterance]:
    case = current_case(call, env)
    items: list[Utterance] = [Prompt(f"status_{case.status.value}")]
    if case.status not in FINAL and case.status is not CaseStatus.ANSWERED:
        items += [Prompt("reply_due"), SpokenDate(case.reply_due_on)]
    if case.status is CaseStatus.NOT_COMPETENT:
        items += say_redirection(case, call, env)
    if has_reply(case) and unreadable_reply(case, env) is None:
        items += [Prompt("reply_intro"), Spoken(case.reply, case.reply_language)]
    return items


def next_after_status(call: Call, env: FlowEnv) -> str:
    """A reply read out can be rated (once); one that could not be read is offered from an
    agent; a request sent elsewhere offers an agent too."""
    case = current_case(call, env)
    if case.status is CaseStatus.NOT_COMPETENT:
        return "agent_offer"
    if not has_reply(case):
        return SURVEY
    return unreadable_reply(case, env) \
        or ("rating" if case.rating is None else "already_rated")


def rate_answer(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.digits in {"1", "2", "3", "4", "5"}:
        try:
            CaseService(env.session, actor=IVR_ACTOR).rate(current_case(call, env),
                                                            int(heard.digits))
        except AlreadyRated:  # rated from another call meanwhile
            notice(call, "rating_already_given")
            return "reopen_offer"
        notice(call, "rating_thanks")
        return "reopen_offer"
    if heard.digits == "0":
        return agent_or_fallback(call, env)
    return heard_nothing(call, env, "reopen_offer") if heard.nothing \
        else retry(call, env, give_up="reopen_offer")


def offer_reopen(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.digits == "9":
        CaseService(env.session, actor=IVR_ACTOR).reopen(current_case(call, env),
                                                          note="reopened by phone")
        return "reopened"
    return SURVEY


def say_reopened(call: Call, env: FlowEnv) -> list[Utterance]:
    case = current_case(call, env)
    return [Prompt("reopened"), Prompt("reply_due"), SpokenDate(case.reply_due_on)]


# -- the post-call survey --------------------------------------------------------------------
def take_survey(call: Call, heard: Heard, env: FlowEnv) -> str:
    """"Rate this call, 1 to 5": kept once per call (satisfaction with the call centre);
    a wrong key or silence asks once more, then goodbye with nothing kept."""
    if heard.digits in SURVEY_KEYS:
        if call.survey_rating is None:
            call.survey_rating, call.surveyed_at = int(heard.digits), utcnow()
        notice(call, "survey_thanks")
        return "goodbye"
    if call.retries + 1 >= SURVEY_TRIES:
        return "goodbye"
    return retry(call, env, "no_input" if heard.nothing else "invalid_choice", give_up="goodbye")


# -- agents, voicemail, callback ------------------------------------------------------------
def choose_fallback(call: Call, heard: Heard, env: FlowEnv) -> str:
    if heard.digits == "1":
        return "case_limit" if used_up(env, caller_limits.CASES) else "voicemail"
    if heard.digits == "2":
        if not env.caller:
            return "voicemail"  # no number to call back: a message still reaches an agent
        if env.session.scalar(select(CallbackRequest)
                              .where(CallbackRequest.call_sid == call.call_sid)) is None:
            request = CallbackRequest(phone=env.caller, language=call.language,
                                      call_sid=call.call_sid)
            env.session.add(request)
            env.session.flush()  # its id, for the consoles' list
            callbacks.announce(env.session, request.id, callbacks.WAITING, request)
        call.outcome = "callback"
        return "callback_saved"
    return heard_nothing(call, env, "goodbye") if heard.nothing \
        else retry(call, env, give_up="goodbye")


def take_voicemail(call: Call, heard: Heard, env: FlowEnv) -> str:
    """A message is filed like any case, from the caller's number: it is read back and
    texted, and the caller can follow it up (their number opens it without a check)."""
    if not heard.recorded:
        return retry(call, env, "description_missing", give_up="goodbye")
    answered: dict = {"description_recording": {"sid": heard.recording_sid,
                                                "url": heard.recording_url}}
    if env.caller and not call.answers.get("phone"):
        answered["phone"] = env.caller
    file_case(call, env, answered, voicemail=True)
    return "voicemail_saved"


def say_voicemail_saved(call: Call, env: FlowEnv) -> list[Utterance]:
    return [Prompt("voicemail_saved"), *say_filed(call, env)]


STEPS: dict[str, Step] = {step.name: step for step in [
    Step("language", say_language_menu, Keys(1, grammar="language"), pick_language),
    Step("main_menu", says("main_menu"), Keys(1, grammar="main_menu"), pick_service),
    Step("administration", say_ask_administration,
         Keys(num_digits=None, finish_on_key="#", timeout=8, speech=True,
              grammar="administrations"), find_administration),
    Step("confirm_administration", say_confirm_administration, Keys(1, grammar="yes_no"),
         confirm_administration),
    Step("confirm_phone", say_confirm_phone, Keys(1, grammar="yes_no"), confirm_phone),
    Step("phone", says("ask_phone"), Keys(num_digits=None, finish_on_key="#", timeout=10),
         take_phone),
    Step("name", says("ask_name"), Recording(NAME_MAX_SECONDS, timeout=3), take_name),
    Step("cin", says("ask_cin"),
         Keys(num_digits=None, finish_on_key="#", timeout=10, action_on_empty=True), take_cin),
    Step("description", says("ask_description"), Recording(DESCRIPTION_MAX_SECONDS, timeout=5),
         take_description),
    Step("filed", say_filed, Keys(1, timeout=5), after_filed),
    Step("reference", says("ask_reference"),
         Keys(num_digits=None, finish_on_key="#", timeout=10), find_case),
    Step("verify_phone", says("ask_phone_last4"),
         Keys(num_digits=4, finish_on_key="#", timeout=10), verify_phone),
    Step("case_status", say_case_status, then=next_after_status),
    Step("rating", says("ask_rating"), Keys(1), rate_answer),
    Step("reply_not_spoken", says("reply_not_spoken"), Keys(1), agent_if_zero),
    Step("reply_too_long", says("reply_too_long"), Keys(1), agent_if_zero),
    Step("agent_offer", says("offer_agent"), Keys(1), agent_if_zero),
    Step("phone_check_locked", says("too_many_attempts", "phone_check_locked", "offer_agent"),
         Keys(1), agent_if_zero),
    Step("check_limit", says("check_limit_reached", "offer_agent"), Keys(1), agent_if_zero),
    Step("case_limit", says("case_limit_reached", "offer_agent"), Keys(1), agent_if_zero),
    Step("reopen_offer", says("offer_reopen"), Keys(1, timeout=5), offer_reopen),
    Step("already_rated", says("rating_already_given", "offer_reopen"), Keys(1, timeout=5),
         offer_reopen),
    Step("reopened", say_reopened, then=SURVEY),
    Step("agent", says("agent_connecting"), end="enqueue"),
    Step("agent_unavailable", says("agent_unavailable", "offer_voicemail_or_callback"), Keys(1),
         choose_fallback),
    Step("voicemail", says("ask_voicemail"), Recording(DESCRIPTION_MAX_SECONDS, timeout=5),
         take_voicemail),
    Step("voicemail_saved", say_voicemail_saved, Keys(1, timeout=5), after_filed),
    Step("callback_saved", says("callback_saved"), then="goodbye"),
    Step(SURVEY, says("ask_survey"), Keys(1), take_survey),
    Step("goodbye", says("goodbye"), end="hangup"),
]}
FIRST_STEP = "language"
