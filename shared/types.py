"""Enumerations of the domain, stored by value."""
import enum


class CaseKind(str, enum.Enum):
    """What a citizen files (décret 2-17-265)."""
    COMPLAINT = "complaint"      # réclamation / شكاية
    OBSERVATION = "observation"  # ملاحظة
    SUGGESTION = "suggestion"    # اقتراح


class Channel(str, enum.Enum):
    """Where a case came in."""
    PHONE_IVR = "phone_ivr"
    PHONE_AGENT = "phone_agent"
    WEB = "web"
    APP = "app"
    API = "api"


class CaseStatus(str, enum.Enum):
    """Where a case stands; see shared/states.py for the legal moves."""
    RECEIVED = "received"
    TRANSMITTED = "transmitted"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"
    REOPENED = "reopened"
    NOT_COMPETENT = "not_competent"
    INADMISSIBLE = "inadmissible"
    DUPLICATE = "duplicate"


class CloseReason(str, enum.Enum):
    """Why a case was closed; each maps to a final status."""
    ANSWERED = "answered"
    NOT_COMPETENT = "not_competent"
    INADMISSIBLE = "inadmissible"
    DUPLICATE = "duplicate"


class AdministrationKind(str, enum.Enum):
    MINISTRY = "ministry"
    PUBLIC_BODY = "public_body"
    REGION = "region"
    PROVINCE = "province"
    COMMUNE = "commune"


class Role(str, enum.Enum):
    """What a console user may see and do."""
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    OFFICER = "officer"  # an administration's officer: sees and answers its own cases
    ADMIN = "admin"


class AgentStatus(str, enum.Enum):
    """An agent's state on the console."""
    AVAILABLE = "available"
    PAUSED = "paused"  # with a reason (console/states.py PAUSE_REASONS)
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"  # after a call, for AGENT_WRAPUP_SECONDS, then available
    OFFLINE = "offline"


class JobState(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # gave up after the last attempt
