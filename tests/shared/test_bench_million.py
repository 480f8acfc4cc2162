"""bench/million_cases.py at 1,000 cases on the tests' PostgreSQL database (a schema of its
own, dropped after): the COPY load gives valid, unique references and the shapes the queries
need, a second run skips the load, and every timed query runs and is printed. PostgreSQL
only: the loader is PostgreSQL's COPY."""
import os
import uuid

import pytest

from bench import million_cases
from shared import references

pytestmark = pytest.mark.postgresql_only

QUERIES = ("baseline: SELECT 1", "baseline: case by primary key", "case figures, a month",
           "case figures, a year", "call figures, a month", "call figures, a year",
           "board: snapshot", "board: callers waiting", "board: voicemails to handle",
           "work list: biggest administration", "search 'permis'", "work list: a ministry",
           "the ministry, search 'eau retard'", "search a rare word", "the administration above it",
           "look-up by reference (console)",
           "look-up by reference (Open311)")


@pytest.fixture
def schema():
    name = f"bench_test_{uuid.uuid4().hex[:8]}"
    yield name
    with million_cases.raw_connection(os.environ["TEST_DATABASE_URL"]) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def run(schema, *extra):
    return million_cases.main(["--database-url", os.environ["TEST_DATABASE_URL"],
                               "--schema", schema, "--cases", "1000", "--repeat", "2",
                               "--budget", "1", *extra])


def test_loads_with_copy_then_times_every_query(schema, capsys):
    assert run(schema, "--explain", "0") == 0
    out = capsys.readouterr().out
    assert "Loaded 1,000 cases, 338 calls"  # 333 + 5 waiting now in out
    for name in QUERIES:
        assert name in out, name
    assert "Execution Time" in out  # the plans of the statements (--explain 0: all)

    with million_cases.raw_connection(os.environ["TEST_DATABASE_URL"]) as conn:
        conn.execute(f'SET search_path = "{schema}"')
        refs = [r for (r,) in conn.execute("SELECT reference FROM cases")]
        statuses = dict(conn.execute("SELECT status, count(*) FROM cases GROUP BY status"))
        per_admin = sorted((n for (n,) in conn.execute(
            "SELECT count(*) FROM cases GROUP BY administration_id")), reverse=True)
        rated = conn.execute("SELECT count(*) FROM cases WHERE rating IS NOT NULL").fetchone()[0]
        reopened = conn.execute("SELECT count(*) FROM cases WHERE reopen_count > 0").fetchone()[0]
        events = conn.execute("SELECT count(DISTINCT case_id) FROM case_events").fetchone()[0]
        waiting = conn.execute("SELECT count(*) FROM calls WHERE ended_at IS NULL").fetchone()[0]
        wrong_due_on = conn.execute(  # the order the work list reads, as 0018 fills it
            "SELECT count(*) FROM cases WHERE due_on IS DISTINCT FROM CASE WHEN status IN "
            "('received', 'reopened') THEN transmit_due_on WHEN status IN ('transmitted', "
            "'in_progress') THEN reply_due_on END").fetchone()[0]
        indexes = {n for (n,) in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (schema,))}
    assert len(refs) == len(set(refs)) == 1000
    assert all(references.is_valid(r) for r in refs)
    assert {"answered", "closed", "received", "reopened"} <= set(statuses)
    assert per_admin[0] > 10 * per_admin[len(per_admin) // 2]  # a few big, a long tail
    assert rated and reopened and 100 < events < 400 and waiting == 5
    assert {"ix_cases_figures", "ix_calls_started_at", "ix_cases_admin_status",
            "ix_case_events_case_id", "ix_cases_admin_due", "ix_cases_text_trgm",
            "ix_calls_case_id"} <= indexes
    assert wrong_due_on == 0


def test_a_second_run_skips_the_load_unless_asked(schema, capsys):
    assert run(schema, "--repeat", "1") == 0
    assert run(schema, "--repeat", "1") == 0
    assert "Data already loaded in schema" in capsys.readouterr().out
    assert run(schema, "--repeat", "1", "--reload") == 0
    assert "Loaded 1,000 cases" in capsys.readouterr().out
