"""The Procfile runs production unless told otherwise, with long keep-alives; `make run`
stays a development server."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def make_run_recipe() -> str:
    makefile = (ROOT / "Makefile").read_text()
    return re.search(r"^run:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1).replace("\\\n", "")


@pytest.mark.parametrize("process", ["release", "web", "worker"])
def test_every_process_runs_in_production_unless_told_otherwise(process):
    assert procfile()[process].startswith("APP_ENV=${APP_ENV:-production} ")


def test_a_process_started_without_production_settings_refuses_to_start(tmp_path):
    environ = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               "INSTANCE_PATH": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(["bash", "-c", procfile()["release"]], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "refusing to start in production without SECRET_KEY" in result.stderr


def test_keep_alive_outlasts_clients_and_load_balancers():
    """gunicorn's default (2 s) races clients reusing idle connections: resets."""
    assert "--keep-alive 75" in procfile()["web"]
    assert "--keep-alive 75" in make_run_recipe()


def test_web_threads_are_those_the_pool_is_sized_for():
    assert "--threads ${WEB_THREADS:-256}" in procfile()["web"]
    assert "--threads $${WEB_THREADS:-256}" in make_run_recipe()


def test_make_run_stays_a_development_server_with_demo_data():
    recipe = make_run_recipe()
    assert "data demo" in recipe and "APP_ENV" not in recipe


def test_the_web_entry_point_freezes_what_start_up_built(tmp_path):
    """Full collections would otherwise scan every module and mapper in the middle of
    a burst of calls (pauses of hundreds of ms): start-up objects are frozen."""
    environ = {**os.environ, "INSTANCE_PATH": str(tmp_path), "JOB_WORKER": "none",
               "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}
    result = subprocess.run(
        [sys.executable, "-c", "import gc, shared.wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 50_000
