"""The flow table itself, without HTTP: every step is reachable and says only known prompts."""
import ast
import re
import uuid
from pathlib import Path

from ivr import flow
from ivr.prompts import catalogue
from shared import administrations
from shared import identity
from shared import references
from shared.caller_limits import CallerLimits
from shared.cases import CaseService
from shared.cases import Citizen
from shared.cases import NewCase
from shared.errors import DomainError
from shared.models import Call
from shared.types import CaseKind
from shared.types import CaseStatus
from shared.types import Channel
from shared.types import CloseReason

IVR = Path(flow.__file__).parent


def keys_in_code() -> set[str]:
    """Every prompt key written in the IVR's code: the strings given to Prompt, says,
    notice and retry (keyword arguments such as give_up= name steps, not prompts)."""
    keys = set()
    for path in IVR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            name = getattr(getattr(node, "func", None), "id", None) \
                or getattr(getattr(node, "func", None), "attr", None)
            if not isinstance(node, ast.Call) or name not in (
                    "Prompt", "says", "notice", "retry"):
                continue
            for argument in node.args:
                if isinstance(argument, ast.JoinedStr):
                    continue  # f"status_{...}": every status is added below
                keys |= {n.value for n in ast.walk(argument)
                         if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    keys |= {f"status_{status.value}" for status in CaseStatus}
    keys |= {f"digit_{d}" for d in range(10)} | {f"number_{n}" for n in range(1, 32)}
    keys |= {f"month_{m}" for m in range(1, 13)}
    return keys


def test_every_prompt_the_code_can_say_exists_in_every_language():
    prompts = catalogue()
    for language in prompts.languages:
        missing = keys_in_code() - set(prompts.keys(language.code))
        assert not missing, f"{language.code} lacks {sorted(missing)}"


def test_every_prompt_of_the_catalogue_is_said_somewhere():
    unused = set(catalogue().keys("fr")) - keys_in_code()
    assert not unused, f"prompts nobody says: {sorted(unused)}"


def test_every_transition_target_is_a_step():
    source = Path(flow.__file__).read_text()
    targets = set(re.findall(r'return "([a-z_]+)"', source))
    targets |= {step.then for step in flow.STEPS.values() if isinstance(step.then, str)}
    targets |= set(re.findall(r'give_up="([a-z_]+)"', source))
    assert targets - set(flow.STEPS) == set()


def test_every_step_either_listens_or_moves_on():
    for step in flow.STEPS.values():
        if step.listen is None:
            assert step.then or step.end, step.name
        else:
            assert step.next is not None, step.name


# -- reachability, by driving the real transitions -----------------------------------------
PHONE = "+212612345678"
OTHER_PHONE = "+212698765432"
RECORDED = flow.Heard(recording_url="https://api.twilio.com/2010-04-01/Accounts/AC/"
                                    "Recordings/RE1", recording_sid="RE" + "1" * 32,
                      recording_duration=9)


def representative_inputs(case_refs: list[str]) -> list[flow.Heard]:
    """What a caller can do at any step: silence, every key, codes, numbers, references
    (the cases', a valid unknown one, a wrong one), the phone's last digits, a recording,
    a spoken name."""
    keyed = [*"0123456789#*", "201", "551101", "0612345678", "123456", *case_refs,
             references.new_reference(), "1234567890", identity.last_digits(PHONE, 4)]
    return [flow.Heard(), *(flow.Heard(digits=d) for d in keyed), RECORDED,
            flow.Heard(speech="CNSS")]


def call_variants(step: str, case_refs: list[str]) -> list[Call]:
    """Calls at `step` in the states that change where a transition leads: kind, first
    try or last one, the follow-up's case (answered, open, closed)."""
    first, *others = case_refs
    states = [(0, CaseKind.COMPLAINT, first), (0, CaseKind.SUGGESTION, first),
              (flow.MAX_TRIES - 1, CaseKind.COMPLAINT, first),
              *((0, CaseKind.COMPLAINT, reference) for reference in others)]
    return [Call(call_sid=f"CA{uuid.uuid4().hex}", step=step, retries=retries, turn=1,
                 language="fr", answers={"kind": kind.value, "administration": "201",
                                        "case_ref": reference, "welcomed": True})
            for retries, kind, reference in states]


def environments(session) -> list[flow.FlowEnv]:
    """With and without caller-ID, agents open or not."""
    languages = catalogue().languages
    speech = frozenset(lang.code for lang in languages if lang.speech)
    used_up = CallerLimits(cases_per_day=0, checks_per_day=0)
    return [flow.FlowEnv(session=session, languages=languages, caller=caller,
                         can_queue=lambda open_=open_: open_, speech_languages=speech,
                         limits=limits)
            for caller, open_, limits in ((PHONE, True, CallerLimits()),
                                          (PHONE, False, CallerLimits()),
                                          (None, True, CallerLimits()),
                                          (PHONE, True, used_up))]


def next_steps(session, step: flow.Step, case_refs: list[str]) -> set[str]:
    """Every step the real transition of `step` leads to, over representative inputs;
    each try is rolled back, so all start from the same database."""
    if step.end:  # hangs up or queues: the call leaves the flow
        return set()
    found = set()
    for env in environments(session):
        for heard in representative_inputs(case_refs) if step.listen else [None]:
            for call in call_variants(step.name, case_refs):
                savepoint = session.begin_nested()
                try:
                    if step.listen is None:
                        found.add(step.then(call, env) if callable(step.then) else step.then)
                    else:
                        found.add(step.next(call, heard, env))
                except DomainError:
                    pass  # a state no real call reaches (e.g. rating a case not answered)
                finally:
                    savepoint.rollback()
    return found


def cases_in_every_state(session) -> list[str]:
    """References of an answered case (first), an open one, one closed as not competent,
    answers that cannot be read (in Darija, too long), one already rated, all filed from
    PHONE, and one filed from another phone whose phone check is locked."""
    service = CaseService(session, actor="test")
    references_ = []
    long_reply = "Votre dossier est réglé. " * 200
    for phone, moves in ((PHONE, ("transmit", "answer")), (PHONE, ()),
                         (PHONE, ("transmit", "not_competent")),
                         (PHONE, ("transmit", "answer_ary")),
                         (PHONE, ("transmit", "answer_long")),
                         (PHONE, ("transmit", "answer", "rate")),
                         (OTHER_PHONE, ("lock",))):
        case = service.file(NewCase(
            kind=CaseKind.COMPLAINT, administration=administrations.by_code(session, "201"),
            channel=Channel.WEB, language="fr", description="retard",
            citizen=Citizen(phone=phone)))
        for move in moves:
            if move == "answer":
                service.answer(case, "Votre dossier est réglé.", "fr")
            elif move == "answer_ary":
                service.answer(case, "ملفك تسالا.", "ary")
            elif move == "answer_long":
                service.answer(case, long_reply, "fr")
            elif move == "rate":
                service.rate(case, 4)
            elif move == "lock":
                while not service.phone_check_locked(case):
                    service.fail_phone_check(case)
            elif move == "not_competent":
                service.close(case, CloseReason.NOT_COMPETENT, redirect_to="Tribunal")
            else:
                getattr(service, move)(case)
        references_.append(case.reference)
    session.flush()
    return references_


def test_every_step_is_reachable_from_the_first(session):
    """Walk the flow from its first step, following only what transitions really return."""
    case_refs = cases_in_every_state(session)
    reached, pending = {flow.FIRST_STEP}, [flow.FIRST_STEP]
    edges_to_unknown = set()
    while pending:
        step = flow.STEPS[pending.pop()]
        for target in next_steps(session, step, case_refs):
            if target not in flow.STEPS:
                edges_to_unknown.add((step.name, target))
            elif target not in reached:
                reached.add(target)
                pending.append(target)
    assert edges_to_unknown == set()
    assert set(flow.STEPS) - reached == set(), "no transition leads there"
