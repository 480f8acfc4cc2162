"""shared/ is the core: only the app factory (the composition root) imports the front ends."""
import ast
from pathlib import Path

import shared

SHARED = Path(shared.__file__).parent
COMPOSITION_ROOT = SHARED / "app.py"
FRONT_ENDS = ("ivr", "console")


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_shared_imports_no_front_end_outside_the_app_factory():
    offenders = {
        str(path.relative_to(SHARED.parent)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in FRONT_ENDS)
        for path in SHARED.rglob("*.py") if path != COMPOSITION_ROOT}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ivr.recordings import x\n    import console.views\n")
    assert imported_modules(module) == {"ivr.recordings", "console.views"}


def test_every_job_handler_is_registered_at_app_start(app):
    from shared.jobs import handlers
    assert {"send_filed_sms", "fetch_recording"} <= set(handlers(app))
