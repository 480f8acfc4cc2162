"""The case store: typed SQLAlchemy 2 models. Behaviour lives in services (shared/cases.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import Enum
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import validates
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from .extensions import db
from .states import working_due_on
from .types import AdministrationKind
from .types import AgentStatus
from .types import CaseKind
from .types import CaseStatus
from .types import Channel
from .types import CloseReason
from .types import JobState
from .types import Role


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC")
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


def _enum(cls):
    return Enum(cls, values_callable=lambda e: [m.value for m in e], native_enum=False,
                length=32, validate_strings=True)


class Administration(db.Model):
    """A ministry, public body or local authority that receives cases."""
    __tablename__ = "administrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # keypad / Open311 service_code
    kind: Mapped[AdministrationKind] = mapped_column(_enum(AdministrationKind), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("administrations.id"))
    names: Mapped[dict[str, str]] = mapped_column(JSON)  # {language: name}
    synonyms: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    acronym: Mapped[str | None] = mapped_column(String(32))
    hcp_code: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin's edit: a reload of the data files then leaves the row as edited.
    edited_in_console: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())

    parent: Mapped[Administration | None] = relationship(remote_side=[id])

    def name(self, language: str) -> str:
        return name_in(self.names, language)


def name_in(names: dict[str, str], language: str) -> str:
    """The name in `language` of {language: name}, falling back to French then any name."""
    return names.get(language) or names.get("fr") or next(iter(names.values()))


class User(UserMixin, db.Model):
    """A console user: agent, supervisor, administration officer or admin."""
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(_enum(Role))
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administrations.id"))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where deadline alerts are mailed (shared/deadlines.py); none: console only.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The console's language when the user chose one (else French).
    console_language: Mapped[str | None] = mapped_column(String(16))
    # Copied into each login's session; a new one at logout ends all the user's sessions.
    session_token: Mapped[str | None] = mapped_column(String(64))

    administration: Mapped[Administration | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active


class AgentState(db.Model):
    """What an agent is doing now (console/states.py changes it and tells the consoles)."""
    __tablename__ = "agent_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    state: Mapped[AgentStatus] = mapped_column(_enum(AgentStatus), default=AgentStatus.OFFLINE)
    reason: Mapped[str | None] = mapped_column(String(32))  # why paused
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    wrapup_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Call(db.Model):
    """One phone call, keyed by Twilio's CallSid: the IVR's per-call state lives here,
    so any process can serve any webhook of the call."""
    __tablename__ = "calls"
    __table_args__ = (Index("ix_calls_active", "ended_at", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    caller: Mapped[str | None] = mapped_column(String(32))  # E.164 when parseable
    called: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(48), default="start")
    retries: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Each TwiML answer is a turn; its action URLs carry the turn number, so a retried
    # webhook (same turn) gets the same TwiML back and a late one changes nothing.
    turn: Mapped[int] = mapped_column(Integer, default=0)
    last_request_key: Mapped[str | None] = mapped_column(String(128))
    last_response: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the caller entered the agents' queue (kept through a failed claim: their place).
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    twilio_status: Mapped[str | None] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(24))  # filed, followed_up, agent, ...
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", name="fk_calls_case_id_cases", use_alter=True),
                                                index=True)
    # The caller's audio forked to the media stream (<Start><Stream>), at most once a call:
    # Twilio allows one bidirectional stream or four one-way tracks.
    stream_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What the spoken-choice listener of the call's stream listens for now, written when a
    # step that accepts speech is rendered: {"step", "turn", "grammar", "language",
    # "action"}; None when nothing is said to the IVR (any process's listener reads it).
    listening: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The agent who took the call from the queue (a conditional update: one agent only).
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_calls_agent_id_users", ondelete="SET NULL"), index=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The agent's wrap-up of the call: a code of shared/data/dispositions.json and notes.
    disposition: Mapped[str | None] = mapped_column(String(32))
    wrapup_notes: Mapped[str | None] = mapped_column(Text)
    wrapped_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The post-call survey: "rate this call, 1 to 5", given once (the call centre's figures).
    survey_rating: Mapped[int | None] = mapped_column(Integer)
    surveyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CallerPreference(db.Model):
    """The language a phone number chose last, offered first on its next call."""
    __tablename__ = "caller_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CallerCounter(db.Model):
    """How many times a phone number did something on one (UTC) day: cases filed, failed
    reference or last-4 checks. In the database so that every process counts the same."""
    __tablename__ = "caller_counters"
    __table_args__ = (UniqueConstraint("phone", "day", "counter",
                                       name="uq_caller_counters_phone_day_counter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    counter: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=0)


class Case(db.Model):
    """A réclamation, observation or suggestion, from any channel."""
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_admin_status", "administration_id", "status"),
        # By filing date, with every column the case figures count (shared/figures/cases.py):
        # a year of cases is read from the index alone (bench/million_cases.py).
        Index("ix_cases_figures", "filed_at", "administration_id", "status", "reopen_count",
              "replied_at", "rating"),
        # The voicemails still to write down (console/queue.py): a handful, not every one ever.
        Index("ix_cases_description_pending", "filed_at",
              postgresql_where=text("description_pending"),
              sqlite_where=text("description_pending = 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[CaseKind] = mapped_column(_enum(CaseKind))
    # None only while an agent must still choose it (a voicemail): see pending_fields.
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administrations.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    recording_path: Mapped[str | None] = mapped_column(String(512))
    name_recording_path: Mapped[str | None] = mapped_column(String(512))
    # The description recording's transcript (personal data, kept as long as the recording):
    # the machine's draft (masked, shared/cases.py attach_transcript) is never overwritten;
    # an agent's correction is kept beside it (correct_transcript).
    recording_transcript: Mapped[str | None] = mapped_column(Text)
    recording_transcript_language: Mapped[str | None] = mapped_column(String(8))
    recording_transcript_confidence: Mapped[float | None] = mapped_column(Float)
    recording_transcript_model: Mapped[str | None] = mapped_column(String(128))
    recording_transcribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recording_transcript_correction: Mapped[str | None] = mapped_column(Text)
    recording_transcript_corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey(
        "users.id", name="fk_cases_recording_transcript_corrected_by_id_users"))
    recording_transcript_corrected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Citizen identity (personal data, law 09-08): never logged in clear.
    citizen_name: Mapped[str | None] = mapped_column(String(255))
    citizen_cin: Mapped[str | None] = mapped_column(String(16))
    citizen_phone: Mapped[str | None] = mapped_column(String(32))
    citizen_commune: Mapped[str | None] = mapped_column(String(255))
    citizen_address: Mapped[str | None] = mapped_column(String(512))
    # What an agent must still complete (e.g. ["cin", "description"]).
    pending_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "description" is in pending_fields: a voicemail's message no agent has written down
    # yet (kept in step by _keep_derived; indexed for the queue and the board).
    description_pending: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=false())
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), index=True)
    close_reason: Mapped[CloseReason | None] = mapped_column(_enum(CloseReason))
    redirect_to: Mapped[str | None] = mapped_column(Text)
    # When the competent administration is one of ours, its names in every language.
    redirect_administration_id: Mapped[int | None] = mapped_column(ForeignKey(
        "administrations.id", name="fk_cases_redirect_administration_id_administrations"))
    reply: Mapped[str | None] = mapped_column(Text)
    reply_language: Mapped[str | None] = mapped_column(String(8))
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The rating of the current reply: one per reply (a new reply after a reopen clears it).
    rating: Mapped[int | None] = mapped_column(Integer)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    transmitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transmit_due_on: Mapped[dt.date] = mapped_column(Date)
    reply_due_on: Mapped[dt.date] = mapped_column(Date)
    # The legal date the administration works to now (shared/states.py working_due_on):
    # None once answered or closed; the work list's order. Kept in step by _keep_derived.
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A client-chosen key (Open311 / webhook retries) so a retried filing files one case.
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # The follow-up's phone check (last 4 digits), counted across calls: too many wrong
    # answers lock it for a while (shared/cases.py PHONE_CHECK_*).
    phone_check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    phone_check_locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When retention replaced the citizen's identity and free text (shared/pseudonymise.py).
    pseudonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Closed as a duplicate: the case it repeats.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey(
        "cases.id", name="fk_cases_duplicate_of_id_cases"))

    administration: Mapped[Administration | None] = relationship(
        foreign_keys=[administration_id])
    duplicate_of: Mapped[Case | None] = relationship(
        foreign_keys=[duplicate_of_id], remote_side=[id])
    redirect_administration: Mapped[Administration | None] = relationship(
        foreign_keys=[redirect_administration_id])
    recording_transcript_corrected_by: Mapped[User | None] = relationship(
        foreign_keys=[recording_transcript_corrected_by_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")

    @validates("status", "transmit_due_on", "reply_due_on", "pending_fields")
    def _keep_derived(self, key: str, value):
        """Each time one of these is set (a move, a reopening's new dates, an agent's
        completion), whoever sets it, the stored columns derived from them follow."""
        now = {"status": self.status, "transmit_due_on": self.transmit_due_on,
               "reply_due_on": self.reply_due_on, "pending_fields": self.pending_fields,
               key: value}
        self.due_on = working_due_on(now["status"], now["transmit_due_on"], now["reply_due_on"])
        self.description_pending = "description" in (now["pending_fields"] or ())
        return value


# The work list's order within an administration (console/worklist.py), read in index
# order a page at a time instead of sorting every case of a big one.
Index("ix_cases_admin_due", Case.administration_id, Case.due_on, Case.filed_at.desc(), Case.id)


def case_text():
    """A case's searchable words in one lower-cased string (console/worklist.py): its text
    columns and reference, one space apart (a searched word has none, so it matches within
    one of them). On PostgreSQL a trigram index covers this very expression."""
    parts = [func.coalesce(column, literal_column("''")) for column in (
        Case.subject, Case.description, Case.transcript, Case.recording_transcript,
        Case.recording_transcript_correction)] + [Case.reference]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")(literal_column("' '")).op("||")(part)
    return func.lower(joined, type_=Text)


Index("ix_cases_text_trgm", case_text().label("case_text"), postgresql_using="gin",
      postgresql_ops={"case_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


class AnswerTemplate(db.Model):
    """A reply an administration's officers start from, in Arabic or French, with
    placeholders ({reference}, {date}, {administration}) filled for the case at hand."""
    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey(
        "administrations.id", name="fk_answer_templates_administration_id_administrations",
        ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    administration: Mapped[Administration] = relationship()


class CaseEvent(db.Model):
    """One line of a case's audit trail: who did what, when, from which status to which, why."""
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))  # "ivr", "api:<key>", "user:<username>"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[CaseStatus | None] = mapped_column(_enum(CaseStatus))
    to_status: Mapped[CaseStatus | None] = mapped_column(_enum(CaseStatus))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class CallbackRequest(db.Model):
    """A caller who asked to be called back (after hours or a full queue)."""
    __tablename__ = "callback_requests"
    # The open requests (the agents' list and the board's count), never the closed ones.
    __table_args__ = (Index("ix_callback_requests_open", "requested_at",
                            postgresql_where=text("done_at IS NULL"),
                            sqlite_where=text("done_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Calling back (shared/callbacks.py): the citizen's unanswered calls so far, the last
    # one's time, and how it ended (answered; unreachable after CALLBACK_MAX_ATTEMPTS).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    # The agent calling now, since when, and Twilio's call to their softphone.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey(
        "users.id", name="fk_callback_requests_agent_id_users", ondelete="SET NULL"))
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    agent_call_sid: Mapped[str | None] = mapped_column(String(64))


class ApiKey(db.Model):
    """A key for the Open311 API's writes and personal data; only its hash is stored.

    `scope` holds space-separated grants (shared/apikeys.py SCOPES), as OAuth scopes do.
    """
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel), default=Channel.API)
    scope: Mapped[str] = mapped_column(String(64), default="file read_own",
                                       server_default="file read_own")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class Job(db.Model):
    """A unit of background work (SMS, recording download), written in the same transaction
    as what caused it, so it is never lost (transactional outbox)."""
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = mapped_column(_enum(JobState), default=JobState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A guard only: the retry window (JOB_RETRY_WINDOW_HOURS) is what usually ends retries.
    max_attempts: Mapped[int] = mapped_column(Integer, default=50)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)  # personal data masked
    # Deduplication: the same key is enqueued once (e.g. "sms:<case>" on a webhook retry).
    unique_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # A running job is held by one claim until its lease expires; a heartbeat renews it
    # while the handler runs. A claim whose process died is taken again once it expires.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Since when the job fails (bounds its retries) or waits (bounds a RetryLater).
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SmsMessage(db.Model):
    """One SMS per event for a citizen. The attempt is written before Twilio is asked and
    the Message SID after, so an attempt whose outcome is unknown (a timeout, a crash) is
    looked up at Twilio before anything is sent again. The number is not copied here."""
    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(128), unique=True)  # e.g. "filed:<ref>"
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    message_sid: Mapped[str | None] = mapped_column(String(34))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TranscriptSegment(db.Model):
    """One final piece of a call's live transcript (ivr/speech/transcript.py), in order by
    `seq`, already masked (no CIN or phone number in clear). The case filed from the call
    reaches it through calls.case_id. Personal data: deleted with the call's retention."""
    __tablename__ = "transcript_segments"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_transcript_segments_call_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    start_seconds: Mapped[float | None] = mapped_column(Float)  # from the stream's start
    end_seconds: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# The live transcripts searched by the work list (PostgreSQL).
Index("ix_transcript_segments_text_trgm", func.lower(TranscriptSegment.text).label("text"),
      postgresql_using="gin", postgresql_ops={"text": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


class AccessLogEntry(db.Model):
    """One look-up of personal data in the console (a case page opened, a search by phone
    or CIN) or one change made by a console user (a case event, a user's role): who, when,
    which case or what. Append-only and hash-chained (shared/access_log.py): `seq` numbers
    the rows without gaps, each row's hash covers its fields and the previous row's hash.
    A searched phone or CIN is kept only as a keyed hash, never in clear."""
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey(
        "users.id", name="fk_access_log_user_id_users", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(128))  # "user:<username>", kept if the user goes
    kind: Mapped[str] = mapped_column(String(32))  # case_page, search_phone, case_change, ...
    case_id: Mapped[int | None] = mapped_column(ForeignKey(
        "cases.id", name="fk_access_log_case_id_cases", ondelete="SET NULL"), index=True)
    target: Mapped[str | None] = mapped_column(String(64))  # e.g. "user:<id>" for a change
    query_hash: Mapped[str | None] = mapped_column(String(64))
    matches: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what changed (no identity)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class DeadlineAlert(db.Model):
    """A case that reached one threshold of its legal clock (near or past its transmit or
    reply date): written once per case, threshold and due date, whatever the number of runs
    or workers (the unique constraint decides), then notified (shared/deadlines.py)."""
    __tablename__ = "deadline_alerts"
    __table_args__ = (UniqueConstraint("case_id", "threshold", "due_on",
                                       name="uq_deadline_alerts_case_threshold_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey(
        "cases.id", name="fk_deadline_alerts_case_id_cases", ondelete="CASCADE"))
    threshold: Mapped[str] = mapped_column(String(32))  # transmit_soon, reply_overdue, ...
    due_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()


class Notification(db.Model):
    """A deadline alert as one console user sees it (read or not)."""
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "alert_id", name="uq_notifications_user_alert"),
                      Index("ix_notifications_user_read", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(
        "users.id", name="fk_notifications_user_id_users", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey(
        "deadline_alerts.id", name="fk_notifications_alert_id_deadline_alerts",
        ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[DeadlineAlert] = relationship()


class Setting(db.Model):
    """A setting an admin edits in the console; it overrides the environment's default
    (e.g. the opening hours)."""
    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey(
        "users.id", name="fk_settings_updated_by_id_users", ondelete="SET NULL"))


class AdminChange(db.Model):
    """One change an admin made in the console: who, when, what (the action and its
    target) and the values before and after. Never updated nor deleted."""
    __tablename__ = "admin_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey(
        "users.id", name="fk_admin_changes_user_id_users", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(128))  # "user:<username>", kept if the user goes
    action: Mapped[str] = mapped_column(String(32))  # user_create, administration_edit, ...
    target: Mapped[str] = mapped_column(String(128))  # "user:<username>", "administration:<id>"
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
