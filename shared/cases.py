"""The case service: the only writer of cases and of their audit trail.

Each method applies one move of the state machine (shared/states.py), writes a CaseEvent
and queues a live event, all in the caller's transaction: the caller commits (a webhook
commits before it speaks the reference, so a reference read to a caller is never lost).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import access_log
from . import identity
from . import legal
from . import references
from .errors import AlreadyRated
from .database import will_write
from .errors import InvalidCase
from .errors import NoSuchCase
from .identity import mask
from .models import Administration
from .models import Case
from .models import CaseEvent
from .models import User
from .models import utcnow
from .notify import queue_event
from .states import next_status
from .types import CaseKind
from .types import CaseStatus
from .types import Channel
from .types import CloseReason

log = logging.getLogger(__name__)
MAX_REFERENCE_ATTEMPTS = 20
# The follow-up's phone check (last 4 digits of the case's phone), counted per case across
# calls: after this many wrong answers the check is locked for PHONE_CHECK_COOLDOWN, so
# guessing 4 digits (1 in 10,000) takes years instead of a few hundred calls.
PHONE_CHECK_MAX_FAILURES = 5
PHONE_CHECK_COOLDOWN = dt.timedelta(hours=24)
MAX_TRANSCRIPT_CHARS = 20_000  # an agent's correction of a recording's transcript
# Pseudonymisation (retention of closed cases): the identity is cleared, free text replaced.
CLEARED_FIELDS = ("citizen_name", "citizen_cin", "citizen_phone", "citizen_commune",
                   "citizen_address", "recording_path", "name_recording_path",
                   "recording_transcript_language", "recording_transcript_confidence",
                   "recording_transcript_model", "recording_transcribed_at",
                   "recording_transcript_corrected_by_id", "recording_transcript_corrected_at",
                   "recording_transcript", "recording_transcript_correction",
                   "idempotency_key")
FREE_TEXT_FIELDS = ("subject", "description", "transcript", "reply")
PSEUDONYMISED = "[pseudonymised]"
# What of an event's data the access log keeps of a console user's change: codes and field
# names, never free text (a redirection's text, a note) that may name someone.
LOGGED_EVENT_DATA = frozenset({"channel", "language", "rating", "fields", "reason",
                               "redirect_administration"})
MAX_INFORMATION_CHARS = 5_000  # what a citizen adds to a case on a later call
MAX_NOTE_CHARS = 5_000  # an officer's internal note, a question to the citizen
# Trail actions for the administration's eyes only: never read to the citizen, never in
# Open311, not on the agents' case page.
INTERNAL_ACTIONS = frozenset({"note"})
COMPLETABLE_FIELDS = frozenset({
    "administration", "kind", "subject", "description", "transcript", "citizen_name",
    "citizen_cin", "citizen_phone", "citizen_commune", "citizen_address", "recording_path",
    "name_recording_path"})


@dataclass
class Citizen:
    """Who filed: every field optional, an agent can complete it later."""
    name: str | None = None
    cin: str | None = None
    phone: str | None = None
    commune: str | None = None
    address: str | None = None


@dataclass
class NewCase:
    """What filing needs; validated by CaseService.file."""
    kind: CaseKind
    administration: Administration | None
    channel: Channel
    language: str
    subject: str | None = None
    description: str | None = None
    citizen: Citizen = field(default_factory=Citizen)
    pending_fields: list[str] = field(default_factory=list)
    recording_path: str | None = None
    idempotency_key: str | None = None
    note: str | None = None


def case_summary(case: Case) -> dict:
    """What live events say about a case: no CIN, no name, the phone masked."""
    return {
        "reference": case.reference,
        "kind": case.kind.value,
        "status": case.status.value,
        "administration": case.administration.code if case.administration else None,
        "language": case.language,
        "channel": case.channel.value,
        "phone": mask(case.citizen_phone),
        "reply_due_on": case.reply_due_on.isoformat(),
    }


class CaseService:
    """Files cases and moves them through their life; `actor` names who acts in the trail."""

    def __init__(self, session: Session, actor: str = "system", user: User | None = None,
                 clock=utcnow):
        self.session = session
        self.actor = f"user:{user.username}" if user is not None else actor
        self.user = user
        self.clock = clock

    # -- lookups -------------------------------------------------------------------------
    def get(self, reference: str) -> Case:
        case = self.session.scalar(select(Case).where(Case.reference == reference))
        if case is None:
            raise NoSuchCase(f"no case with reference {reference}")
        return case

    def find(self, reference: str) -> Case | None:
        return self.session.scalar(select(Case).where(Case.reference == reference))

    # -- filing --------------------------------------------------------------------------
    def file(self, new: NewCase) -> Case:
        """Write a new case with a unique random reference and its first event."""
        return self.file_or_get(new)[0]

    def file_or_get(self, new: NewCase) -> tuple[Case, bool]:
        """The case filed for `new` and True, or the case already filed under its
        idempotency key (even by a concurrent twin) and False."""
        will_write(self.session)  # SQLite: the idempotency check reads what it writes over
        if new.idempotency_key:
            existing = self.session.scalar(
                select(Case).where(Case.idempotency_key == new.idempotency_key))
            if existing is not None:
                return existing, False
        self._validate(new)
        now = self.clock()
        for _attempt in range(MAX_REFERENCE_ATTEMPTS):
            case = self._new_case(new, now)
            try:
                with self.session.begin_nested():
                    self.session.add(case)
                    self.session.flush()
            except IntegrityError:
                # A reference drawn twice (one in a billion per case), or a concurrent
                # filing with the same idempotency key: the savepoint is rolled back.
                if new.idempotency_key:
                    existing = self.session.scalar(
                        select(Case).where(Case.idempotency_key == new.idempotency_key))
                    if existing is not None:
                        return existing, False
                if self.find(case.reference) is None:
                    raise  # not a reference drawn twice: drawing again would not help
                continue
            self._record(case, "file", None, case.status, new.note,
                         {"channel": new.channel.value})
            queue_event(self.session, "case_filed", case_summary(case), room="cases")
            log.info("case %s filed (%s, %s, channel %s)", case.reference, case.kind.value,
                     new.administration.code if new.administration else "-", new.channel.value)
            return case, True
        raise RuntimeError("could not draw a free reference number")  # pragma: no cover

    def _validate(self, new: NewCase) -> None:
        if not isinstance(new.kind, CaseKind):
            raise InvalidCase("kind must be complaint, observation or suggestion")
        if not isinstance(new.channel, Channel):
            raise InvalidCase("channel must be one of " + ", ".join(c.value for c in Channel))
        if new.administration is None:
            if "administration" not in new.pending_fields:
                raise InvalidCase("an administration is required")
        elif not new.administration.active:
            raise InvalidCase("this administration no longer receives cases")
        if not new.language:
            raise InvalidCase("language is required")

    def _new_case(self, new: NewCase, now: dt.datetime) -> Case:
        citizen = new.citizen
        return Case(
            reference=references.new_reference(), kind=new.kind,
            administration=new.administration, channel=new.channel, language=new.language,
            subject=new.subject, description=new.description,
            recording_path=new.recording_path,
            citizen_name=citizen.name, citizen_cin=citizen.cin, citizen_phone=citizen.phone,
            citizen_commune=citizen.commune, citizen_address=citizen.address,
            pending_fields=list(new.pending_fields), status=CaseStatus.RECEIVED,
            filed_at=now, updated_at=now,
            transmit_due_on=legal.transmit_due(now), reply_due_on=legal.reply_due(now),
            idempotency_key=new.idempotency_key)

    # -- moves ---------------------------------------------------------------------------
    def transmit(self, case: Case, note: str | None = None) -> Case:
        """Send the case to its administration (within 15 days of filing)."""
        self._move(case, "transmit", note)
        case.transmitted_at = self.clock()
        return case

    def start(self, case: Case, note: str | None = None) -> Case:
        """The administration starts working on the case."""
        return self._move(case, "start", note)

    def answer(self, case: Case, reply: str, language: str, note: str | None = None) -> Case:
        """Record the administration's reasoned reply."""
        if not reply or not reply.strip():
            raise InvalidCase("an answer needs a reasoned reply")
        if not language:
            raise InvalidCase("the reply's language is required")
        self._move(case, "answer", note, {"language": language})
        case.reply, case.reply_language, case.replied_at = reply.strip(), language, self.clock()
        case.rating = None  # a new reply is rated afresh; earlier ratings stay in the trail
        return case

    def close(self, case: Case, reason: CloseReason, note: str | None = None,
              redirect_to: str | None = None,
              redirect_administration: Administration | None = None,
              duplicate_of: Case | None = None) -> Case:
        """Close with a reason; not competent needs where the citizen should go instead:
        free text, or one of our administrations (whose name the IVR says in the caller's
        language; its French name is the text when none is given). A duplicate may name
        the case it repeats (another case)."""
        try:
            reason = CloseReason(reason)
        except ValueError:
            raise InvalidCase(f"unknown close reason {reason!r} (one of "
                              + ", ".join(r.value for r in CloseReason) + ")") from None
        if duplicate_of is not None:
            if reason is not CloseReason.DUPLICATE or not isinstance(duplicate_of, Case):
                raise InvalidCase("only a duplicate names the case it repeats")
            if duplicate_of is case:
                raise InvalidCase("a case cannot be a duplicate of itself")
        if redirect_administration is not None and redirect_administration is case.administration:
            raise InvalidCase("a case cannot be redirected to its own administration")
        if redirect_administration is not None:
            if not isinstance(redirect_administration, Administration):
                raise InvalidCase("the redirection must be an administration")
            redirect_to = (redirect_to or "").strip() or redirect_administration.name("fr")
        if reason is CloseReason.NOT_COMPETENT and not (redirect_to or "").strip():
            raise InvalidCase("closing as not competent needs a redirection")
        self._move(case, "close", note, {
            "reason": reason.value, "redirect_to": redirect_to,
            "redirect_administration": redirect_administration.code
            if redirect_administration is not None else None,
            **({"duplicate_of": duplicate_of.reference} if duplicate_of is not None else {})},
            reason=reason)
        case.close_reason, case.closed_at = reason, self.clock()
        if duplicate_of is not None:
            case.duplicate_of = duplicate_of
        if redirect_to:
            case.redirect_to = redirect_to.strip()
        if redirect_administration is not None:
            case.redirect_administration = redirect_administration
        return case

    def reopen(self, case: Case, note: str | None = None) -> Case:
        """The citizen is not convinced: the case goes back, with a new 60-day clock."""
        self._move(case, "reopen", note)
        now = self.clock()
        case.reopen_count += 1
        case.close_reason, case.closed_at = None, None
        case.transmit_due_on, case.reply_due_on = legal.transmit_due(now), legal.reply_due(now)
        return case

    def rate(self, case: Case, rating: int, note: str | None = None) -> Case:
        """The citizen rates the answer from 1 (not satisfied) to 5 (very satisfied), once
        per answer: a new answer (after a reopen) can be rated again."""
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            raise InvalidCase("a rating is a whole number from 1 to 5")
        self.lock(case)  # of two calls rating at once, the second sees the first's rating
        next_status("rate", case.status)  # IllegalTransition before there is an answer
        if case.rating is not None:
            raise AlreadyRated("this answer has already been rated")
        self._move(case, "rate", note, {"rating": rating})
        case.rating = rating
        return case

    def complete(self, case: Case, note: str | None = None, **fields) -> Case:
        """An agent completes or corrects details (identity, description); no status change."""
        unknown = set(fields) - COMPLETABLE_FIELDS
        if unknown:
            raise InvalidCase(f"cannot change {', '.join(sorted(unknown))}")
        fields = self._validated_fields(fields)
        self.lock(case)
        for name, value in fields.items():
            setattr(case, name, value)
        done = {name.removeprefix("citizen_") for name in fields if fields[name]}
        case.pending_fields = [f for f in case.pending_fields if f not in done]
        case.updated_at = self.clock()
        # The trail names the fields, never their values (personal data).
        self._record(case, "complete", case.status, case.status, note,
                     {"fields": sorted(fields)})
        return case

    def add_information(self, case: Case, text: str) -> Case:
        """What the citizen adds to the case on a later call (a note in the trail, read by
        the administration); no status change, at any status."""
        return self._add_text(case, "add_information", _text(text, "added information",
                                                                 MAX_INFORMATION_CHARS), {})

    def ask_information(self, case: Case, question: str) -> Case:
        """The administration asks the citizen for more (told by SMS, heard on a follow-up
        call); no status change, only while the administration holds the case."""
        self._move(case, "ask_information", _text(question, "a question to the citizen"))
        return case

    def note(self, case: Case, text: str) -> Case:
        """An internal note of the administration (INTERNAL_ACTIONS): no status change."""
        return self._add_text(case, "note", _text(text, "an internal note"), {"internal": True})

    def _add_text(self, case: Case, action: str, text: str, data: dict) -> Case:
        """A line of text on the timeline, the status unchanged."""
        self.lock(case)
        case.updated_at = self.clock()
        self._record(case, action, case.status, case.status, text, data)
        return case

    def _validated_fields(self, fields: dict) -> dict:
        """The values complete() writes, checked and normalised (InvalidCase otherwise)."""
        fields = dict(fields)
        if "administration" in fields:
            admin = fields["administration"]
            if not isinstance(admin, Administration):
                raise InvalidCase("the administration must be one of the list")
            if not admin.active:
                raise InvalidCase("this administration no longer receives cases")
        if "kind" in fields:
            try:
                fields["kind"] = CaseKind(fields["kind"])
            except ValueError:
                raise InvalidCase("kind must be complaint, observation or suggestion") from None
        for name in ("citizen_phone", "citizen_cin"):
            if fields.get(name) is not None and not isinstance(fields[name], str):
                raise InvalidCase(f"{name.removeprefix('citizen_')} must be text")
        try:
            if fields.get("citizen_phone"):
                fields["citizen_phone"] = identity.normalise_phone(fields["citizen_phone"])
            if fields.get("citizen_cin"):
                cin = fields["citizen_cin"]
                fields["citizen_cin"] = identity.normalise_cin_digits(cin.strip()) \
                    if cin.strip().isdigit() else identity.normalise_cin(cin)
        except identity.InvalidIdentity as error:
            raise InvalidCase(str(error)) from None
        return fields

    # -- the description recording's transcript ------------------------------------------
    def attach_transcript(self, case: Case, text: str, language: str,
                          confidence: float | None, model: str) -> Case:
        """Attach the machine's transcript of the description recording, as a draft an agent
        may correct. `text` must already be masked (ivr/speech/privacy.py). A transcript
        already attached is kept: the original is never overwritten."""
        self.lock(case)
        if case.recording_transcribed_at is not None:
            return case
        now = self.clock()
        case.recording_transcript, case.recording_transcript_language = text, language
        case.recording_transcript_confidence = confidence
        case.recording_transcript_model, case.recording_transcribed_at = model, now
        # The trail says what was attached, never the words (personal data).
        self._record(case, "attach_transcript", case.status, case.status,
                     None if text else "nothing recognised",
                     {"language": language, "model": model, "words": len(text.split()),
                      "confidence": round(confidence, 3) if confidence is not None else None})
        return case

    def correct_transcript(self, case: Case, text: str, user: User) -> Case:
        """An agent's correction of the transcript, kept beside the machine's (which stays);
        a later correction replaces an earlier one (the trail keeps who corrected when)."""
        if not isinstance(user, User):
            raise InvalidCase("a correction is made by a console user")
        if not isinstance(text, str) or not text.strip():
            raise InvalidCase("a corrected transcript needs some text")
        if len(text) > MAX_TRANSCRIPT_CHARS:
            raise InvalidCase(f"a transcript is at most {MAX_TRANSCRIPT_CHARS} characters")
        self.lock(case)
        case.recording_transcript_correction = text.strip()
        case.recording_transcript_corrected_by = user
        case.recording_transcript_corrected_at = case.updated_at = self.clock()
        self._record(case, "correct_transcript", case.status, case.status, None,
                     {"fields": ["recording_transcript_correction"]}, user=user)
        return case

    def clear_transcript(self, case: Case, note: str) -> Case:
        """Delete the transcript and its correction (they go with the recording, law 09-08);
        the trail keeps that they existed."""
        self.lock(case)
        case.recording_transcript = case.recording_transcript_correction = None
        case.recording_transcript_language = case.recording_transcript_model = None
        case.recording_transcript_confidence = case.recording_transcribed_at = None
        case.recording_transcript_corrected_by = None
        case.recording_transcript_corrected_at = None
        self._record(case, "clear_transcript", case.status, case.status, note, {})
        return case

    # -- the follow-up's phone check -----------------------------------------------------
    def pseudonymise(self, case: Case, note: str) -> Case:
        """Replace what identifies the citizen (law 09-08, after the retention period): the
        identity goes, free text that may name people is replaced, the trail's notes too.
        What the statistics need stays: reference (the pseudonym), administration, kind,
        channel, language, dates, status, close reason, reopenings, rating."""
        self.lock(case)
        for name in CLEARED_FIELDS:
            setattr(case, name, None)
        for name in FREE_TEXT_FIELDS:
            if getattr(case, name):
                setattr(case, name, PSEUDONYMISED)
        case.pending_fields = []
        for event in case.events:
            if event.note:
                event.note = PSEUDONYMISED
        case.pseudonymised_at = case.updated_at = self.clock()
        self._record(case, "pseudonymise", case.status, case.status, note, {})
        return case

    def phone_check_locked(self, case: Case) -> bool:
        """True while too many wrong last-4 answers keep the case from being disclosed."""
        until = case.phone_check_locked_until
        return until is not None and until > self.clock()

    def fail_phone_check(self, case: Case) -> bool:
        """Count a wrong last-4 answer; True when it locks the check (for the cool-down)."""
        self.lock(case)
        now = self.clock()
        if case.phone_check_locked_until is not None and case.phone_check_locked_until <= now:
            case.phone_check_failures, case.phone_check_locked_until = 0, None  # cooled down
        case.phone_check_failures += 1
        if case.phone_check_failures < PHONE_CHECK_MAX_FAILURES:
            return False
        case.phone_check_locked_until = now + PHONE_CHECK_COOLDOWN
        self._record(case, "lock_phone_check", case.status, case.status, None,
                     {"failures": case.phone_check_failures,
                      "until": case.phone_check_locked_until.isoformat()})
        log.warning("case %s: phone check locked after %d wrong answers", case.reference,
                    case.phone_check_failures)
        return True

    def pass_phone_check(self, case: Case) -> None:
        """The right last-4 digits: earlier wrong answers no longer count."""
        if case.phone_check_failures:
            self.lock(case)
            case.phone_check_failures, case.phone_check_locked_until = 0, None

    def lock(self, case: Case) -> Case:
        """Hold the case's row until the transaction ends and reload it, so a move is
        decided on the status as committed now, not as read earlier: of two concurrent
        moves the second waits, then sees the first's result (SELECT ... FOR UPDATE on
        PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers)."""
        state = inspect(case)
        if state.persistent:
            self.session.flush()  # the caller's pending changes are kept, not reloaded away
            self.session.refresh(case, with_for_update=True)
        return case

    def _move(self, case: Case, action: str, note: str | None, data: dict | None = None,
              reason: CloseReason | None = None) -> Case:
        self.lock(case)
        before = case.status
        case.status = next_status(action, before, reason)
        case.updated_at = self.clock()
        self._record(case, action, before, case.status, note, data or {})
        queue_event(self.session, "case_updated", case_summary(case), room="cases")
        log.info("case %s: %s (%s -> %s) by %s", case.reference, action, before.value,
                 case.status.value, self.actor)
        return case

    def _record(self, case: Case, action: str, before: CaseStatus | None,
                after: CaseStatus | None, note: str | None, data: dict,
                user: User | None = None) -> None:
        """One line of the trail, by this service's actor or by `user` when given."""
        user = user or self.user
        self.session.add(CaseEvent(
            case=case, at=self.clock(),
            actor=f"user:{user.username}" if user is not None else self.actor,
            user_id=user.id if user is not None else None, action=action,
            from_status=before, to_status=after, note=note, data=data))
        if user is not None:
            self._log_change(user, case, action, before, after, data)

    def _log_change(self, user: User, case: Case, action: str, before: CaseStatus | None,
                    after: CaseStatus | None, data: dict) -> None:
        """A console user's change goes to the hash-chained log too (no free text there)."""
        detail = {"action": action, "from": before.value if before else None,
                  "to": after.value if after else None,
                  **{key: value for key, value in data.items() if key in LOGGED_EVENT_DATA}}
        access_log.record_change(self.session, user, access_log.CASE_CHANGE, detail, case=case)


def _text(text, what: str, limit: int = MAX_NOTE_CHARS) -> str:
    """`text` stripped, or InvalidCase when empty or longer than `limit`."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidCase(f"{what} needs some text")
    if len(text) > limit:
        raise InvalidCase(f"{what} is at most {limit} characters")
    return text.strip()
