"""The flow table itself, without HTTP: every step is reachable and says only known prompts."""
import ast
import re
from pathlib import Path

from ivr import flow
from ivr.prompts import catalogue
from shared.types import CaseStatus

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


def step_names_used_by_transitions() -> set[str]:
    """Step names written inside the flow's functions (not in the STEPS table itself)."""
    tree = ast.parse(Path(flow.__file__).read_text())
    names = {node.value for function in tree.body if isinstance(function, ast.FunctionDef)
             for node in ast.walk(function)
             if isinstance(node, ast.Constant) and node.value in flow.STEPS}
    return names | {step.then for step in flow.STEPS.values() if isinstance(step.then, str)}


def test_every_step_is_reachable_from_the_first():
    unreachable = set(flow.STEPS) - step_names_used_by_transitions() - {flow.FIRST_STEP}
    assert not unreachable, f"no transition leads to {sorted(unreachable)}"
