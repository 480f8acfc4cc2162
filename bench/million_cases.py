"""The supervisors' and officers' queries over 1,000,000 cases on PostgreSQL (issue 9).

Loads `--cases` realistic cases (and `--calls` calls, case events for a fraction) with
PostgreSQL COPY, streamed, into a schema of its own (`--schema`, default `million`) built by
the app's release step (migrations + administrations), then times, each repeated, the app's
own functions: the case and call figures (a month, a year), the live board, an officer's
work list, a look-up by reference; beside a baseline measured in the same run (`SELECT 1`,
a primary-key fetch). The load is skipped when the schema already holds it (`--reload`).

    python bench/million_cases.py                       # 1,000,000 cases into bench_million
    python bench/million_cases.py --reload --explain    # reload; plans of the slow statements
    bench/run million                                   # the same, through bench/run
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_million"
DAYS = 730  # two years of cases
WORDS = ("eau", "electricite", "route", "ecole", "hopital", "permis", "taxe", "bruit",
         "dechets", "eclairage", "transport", "retard", "dossier", "attestation", "loyer")
STATUSES_OLD = (("answered", 46), ("closed", 22), ("in_progress", 8), ("transmitted", 5),
                ("received", 3), ("reopened", 3), ("not_competent", 7), ("inadmissible", 4),
                ("duplicate", 2))
STATUSES_NEW = (("received", 25), ("transmitted", 25), ("in_progress", 25), ("answered", 15),
                ("closed", 5), ("not_competent", 3), ("inadmissible", 2))
KINDS = (("complaint", 80), ("observation", 12), ("suggestion", 8))
CHANNELS = (("web", 45), ("app", 20), ("phone_ivr", 20), ("phone_agent", 10), ("api", 5))
LANGUAGES = (("ary", 50), ("fr", 30), ("ar", 20))
OUTCOMES = (("filed", 35), ("followed_up", 15), ("agent", 30), ("abandoned", 10),
            ("abandoned_in_queue", 5), ("voicemail", 5))
ANSWERED = {"answered", "closed", "reopened"}
PROCESSED = {"answered", "closed", "not_competent", "inadmissible", "duplicate"}
AGENTS = 60
RARE = "314159"  # in the descriptions' numbers and the references of a few cases only


def weighted(pairs):
    values, weights = zip(*pairs)
    return values, list(__import__("itertools").accumulate(weights))


def pick(rng: random.Random, table) -> str:
    return rng.choices(table[0], cum_weights=table[1])[0]


# -- the database --------------------------------------------------------------------------

def app_for(url: str, schema: str, instance: str, no_limits: bool = True):
    from sqlalchemy.engine import make_url

    from shared.app import create_app
    with_path = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    environ = {"DATABASE_URL": with_path.render_as_string(hide_password=False),
               "INSTANCE_PATH": instance, "JOB_WORKER": "none", "LOG_LEVEL": "WARNING",
               "SECRET_KEY": "bench", "APP_ENV": "development"}
    if no_limits:  # the load always; the queries with --no-limits
        environ.update(DB_STATEMENT_TIMEOUT="3600", DB_IDLE_IN_TRANSACTION_TIMEOUT="3600")
    return create_app({"TESTING": True}, environ=environ)


def raw_connection(url: str):
    import psycopg
    from sqlalchemy.engine import make_url
    parts = make_url(url)
    return psycopg.connect(host=parts.host or "127.0.0.1", port=parts.port or 5432,
                           user=parts.username, password=parts.password,
                           dbname=parts.database, autocommit=True)


def ensure_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url
    name = make_url(url).database
    try:
        raw_connection(url).close()
    except psycopg.OperationalError:
        with raw_connection(make_url(url).set(database="postgres").render_as_string(False)) as c:
            c.execute(f'CREATE DATABASE "{name}"')


def loaded(conn, schema: str) -> dict | None:
    row = conn.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                       "AND table_name = 'bench_loaded'", (schema,)).fetchone()
    if not row:
        return None
    cases, calls, events, seconds = conn.execute(
        f'SELECT cases, calls, events, seconds FROM "{schema}".bench_loaded').fetchone()
    return {"cases": cases, "calls": calls, "events": events, "seconds": seconds}


# -- the load ------------------------------------------------------------------------------

def reference_of(case_id: int) -> str:
    """A valid, unique reference per id (an odd multiplier modulo 9e8 is a bijection)."""
    from shared import references
    body = str(100_000_000 + (case_id * 7_919 + 12_345) % 900_000_000)
    return body + references.check_digit(body)


def administration_weights(app, rng: random.Random) -> list[tuple[int, float]]:
    """A few big administrations and a long tail (Zipf-like over a shuffled list)."""
    from sqlalchemy import select

    from shared.extensions import db
    from shared.models import Administration
    with app.app_context():
        ids = sorted(db.session.scalars(select(Administration.id)))
        db.session.remove()
        db.engine.dispose()
    rng.shuffle(ids)
    return [(admin_id, 1 / (rank + 1) ** 1.1) for rank, admin_id in enumerate(ids)]


def event_line(event: tuple) -> str:
    """One case event in COPY's text format (no tabs, newlines or backslashes in them)."""
    case_id, at, actor, action, from_status, to_status = event
    return f"{case_id}\t{at.isoformat()}\t{actor}\t{action}\t{from_status or chr(92) + 'N'}" \
           f"\t{to_status}\t{{}}\n"


def case_rows(count: int, admins, now: dt.datetime, rng: random.Random, events_share: float):
    from shared import legal
    from shared.states import working_due_on
    statuses_old, statuses_new = weighted(STATUSES_OLD), weighted(STATUSES_NEW)
    kinds, channels, languages = weighted(KINDS), weighted(CHANNELS), weighted(LANGUAGES)
    admin_ids = [a for a, _ in admins]
    admin_cum = list(__import__("itertools").accumulate(w for _, w in admins))
    events = []
    for case_id in range(1, count + 1):
        # Older cases first (ids follow filing time), a little more each month.
        age_days = DAYS * (1 - (case_id / count) ** 0.8) + rng.random()
        filed = now - dt.timedelta(days=age_days, seconds=rng.randrange(86400))
        status = pick(rng, statuses_new if age_days < 45 else statuses_old)
        words = rng.sample(WORDS, 3)
        replied = rated = None
        reopened = 0
        if status in ANSWERED:
            replied = filed + dt.timedelta(days=rng.uniform(1, 70))
            rated = rng.choice((1, 2, 3, 4, 4, 5, 5)) if rng.random() < 0.3 else None
        if status == "reopened" or (status in ANSWERED and rng.random() < 0.04):
            reopened = 1
        closed = filed + dt.timedelta(days=rng.uniform(1, 90)) if status in PROCESSED - {"answered"} else None
        transmitted = filed + dt.timedelta(days=rng.uniform(0, 10)) if status not in ("received",) else None
        channel = pick(rng, channels)
        transmit_due, reply_due = legal.transmit_due(filed), legal.reply_due(transmitted or filed)
        yield (case_id, reference_of(case_id), pick(rng, kinds),
               rng.choices(admin_ids, cum_weights=admin_cum)[0], channel, pick(rng, languages),
               " ".join(words), f"Citizen's description about {' '.join(words)} number {case_id}.",
               status, "Reply of the administration." if replied else None,
               "fr" if replied else None, replied, rated, reopened, filed,
               replied or transmitted or filed, transmitted, transmit_due, reply_due, closed, "[]",
               f"+2126{case_id % 100_000_000:08d}" if channel.startswith("phone") else None,
               working_due_on(status, transmit_due, reply_due), False)
        if rng.random() < events_share:
            events.append((case_id, filed, "ivr" if channel == "phone_ivr" else "web", "filed",
                           None, "received"))
            if transmitted:
                events.append((case_id, transmitted, "user:bench", "transmit", "received",
                               "transmitted"))
            if replied:
                events.append((case_id, replied, "user:bench", "answer", "in_progress",
                               "answered"))
        if len(events) > 5000:
            yield from (("event", e) for e in events)
            events = []
    yield from (("event", e) for e in events)


CASE_COLUMNS = ("id", "reference", "kind", "administration_id", "channel", "language",
                "subject", "description", "status", "reply", "reply_language", "replied_at",
                "rating", "reopen_count", "filed_at", "updated_at", "transmitted_at",
                "transmit_due_on", "reply_due_on", "closed_at", "pending_fields",
                "citizen_phone", "due_on", "description_pending")
# The voicemails left this recently are still to be written down (the board's and queue's
# list); the older ones were handled.
VOICEMAILS_WAITING = dt.timedelta(days=3)
EVENT_COLUMNS = ("case_id", "at", "actor", "action", "from_status", "to_status", "data")
CALL_COLUMNS = ("call_sid", "caller", "called", "language", "step", "answers", "started_at",
                "ended_at", "duration_seconds", "outcome", "case_id", "agent_id",
                "claimed_at", "wrapped_up_at", "survey_rating", "turn", "retries", "queued_at")


def call_rows(count: int, cases: int, agents: list[int], now: dt.datetime, rng: random.Random):
    outcomes, languages = weighted(OUTCOMES), weighted(LANGUAGES)
    for number in range(count):
        started = now - dt.timedelta(days=DAYS * (1 - (number / count) ** 0.8),
                                     seconds=rng.randrange(86400))
        outcome = pick(rng, outcomes)
        answers, agent, queued, claimed, wrapped = {}, None, None, None, None
        ended = started + dt.timedelta(seconds=rng.randrange(40, 400))
        if outcome in ("agent", "abandoned_in_queue"):
            queued = started + dt.timedelta(seconds=rng.randrange(20, 90))
            if outcome == "agent":
                agent = rng.choice(agents)
                claimed = queued + dt.timedelta(seconds=int(rng.expovariate(1 / 30)))
                ended = claimed + dt.timedelta(seconds=rng.randrange(60, 600))
                wrapped = ended + dt.timedelta(seconds=rng.randrange(5, 60))
        if outcome.startswith("abandoned"):
            answers["abandoned_at"] = rng.choice(("language", "menu", "administration", "agent"))
        case_id = rng.randrange(1, cases + 1) if outcome in ("filed", "voicemail") else None
        yield (f"CA{number:032x}", f"+2126{rng.randrange(10**8):08d}", "+212537373737",
               pick(rng, languages), "goodbye", json.dumps(answers), started, ended,
               int((ended - started).total_seconds()), outcome, case_id, agent, claimed,
               wrapped, rng.choice((3, 4, 5, None, None)) if outcome != "abandoned" else None,
               5, 0, queued)
    # Callers waiting for an agent now (the board's queue).
    for number in range(5):
        started = now - dt.timedelta(seconds=30 * (number + 1))
        yield (f"CAwait{number:026x}", f"+2126{number:08d}", "+212537373737", "ary", "agent",
               "{}", started, None, None, "agent", None, None, None, None, None, 5, 0,
               started + dt.timedelta(seconds=20))


def secondary_indexes(conn, schema: str, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """The non-unique indexes of `tables`: dropped for the COPY, built again after."""
    return conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = ANY(%s)"
        " AND indexdef NOT LIKE 'CREATE UNIQUE%%'", (schema, list(tables))).fetchall()


def load(args, now: dt.datetime) -> dict:
    from shared.cli import release
    from shared.extensions import db
    from shared.models import AgentState
    from shared.models import User
    from shared.types import AgentStatus
    from shared.types import Role
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with raw_connection(args.database_url) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{args.schema}"')
    app = app_for(args.database_url, args.schema, args.instance)
    with app.app_context():
        release()
        agents = []
        for number in range(AGENTS):
            user = User(username=f"agent{number}", display_name=f"Agent {number:02d}",
                        password_hash="-", role=Role.AGENT, languages=["ary", "fr"])
            db.session.add(user)
            agents.append(user)
        db.session.flush()
        states = list(AgentStatus)
        for number, user in enumerate(agents):
            db.session.add(AgentState(user_id=user.id, state=states[number % len(states)]))
        db.session.commit()
        agent_ids = [user.id for user in agents]
        db.session.remove()
        db.engine.dispose()
    admins = administration_weights(app, rng)
    release_seconds = time.perf_counter() - started
    counts = {"cases": 0, "events": 0, "calls": 0}
    with raw_connection(args.database_url) as conn:
        conn.execute(f'SET search_path = "{args.schema}"')
        indexes = secondary_indexes(conn, args.schema, ("cases", "case_events", "calls"))
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{args.schema}"."{name}"')
        copy_started = time.perf_counter()
        # Events are written to a file while the cases stream (memory stays bounded), then
        # copied after them (one COPY at a time on a connection).
        spool = Path(args.instance) / "case_events.tsv"
        with conn.transaction(), conn.cursor() as cur, spool.open("w") as events:
            with cur.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                for row in case_rows(args.cases, admins, now, rng, args.events_share):
                    if row[0] == "event":
                        events.write(event_line(row[1]))
                        counts["events"] += 1
                    else:
                        copy.write_row(row)
                        counts["cases"] += 1
            events.flush()
            with cur.copy(f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy, \
                    spool.open() as lines:
                while block := lines.read(1 << 20):
                    copy.write(block)
            with cur.copy(f"COPY calls ({', '.join(CALL_COLUMNS)}) FROM STDIN") as copy:
                for row in call_rows(args.calls, args.cases, agent_ids, now, rng):
                    copy.write_row(row)
                    counts["calls"] += 1
            cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), %s)", (args.cases,))
            cur.execute("""UPDATE cases SET pending_fields = '["name", "description"]',
                           description_pending = true WHERE id IN (SELECT case_id FROM calls
                           WHERE outcome = 'voicemail' AND started_at > %s)""",
                        (now - VOICEMAILS_WAITING,))
        copy_seconds = time.perf_counter() - copy_started
        index_started = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        for table in ("cases", "case_events", "calls"):  # as autovacuum does after a load:
            conn.execute(f"VACUUM ANALYZE {table}")  # the visibility map (index-only scans)
        index_seconds = time.perf_counter() - index_started
        seconds = time.perf_counter() - started
        conn.execute("CREATE TABLE bench_loaded (cases int, calls int, events int, seconds float)")
        conn.execute("INSERT INTO bench_loaded VALUES (%s, %s, %s, %s)",
                     (counts["cases"], counts["calls"], counts["events"], seconds))
    return {**counts, "seconds": seconds, "release_seconds": release_seconds,
            "copy_seconds": copy_seconds, "index_seconds": index_seconds}


# -- the timed queries ---------------------------------------------------------------------

def biggest(session, weights_of: dict[int, int]):
    """The administration with the most cases, and the ministry whose sub-entities (with
    itself) have the most."""
    from sqlalchemy import select

    from console.officer_scope import administration_ids
    from shared.models import Administration
    from shared.types import AdministrationKind
    big = max(weights_of, key=weights_of.get)
    ministries = session.scalars(select(Administration.id).where(
        Administration.kind == AdministrationKind.MINISTRY)).all()
    scopes = {m: administration_ids(session, m) for m in ministries}
    with_children = {m: ids for m, ids in scopes.items() if len(ids) > 1} or scopes
    ministry = max(with_children, key=lambda m: sum(weights_of.get(a, 0) for a in scopes[m]))
    return big, ministry, scopes[ministry]


def queries(session, cases: int, rng: random.Random) -> list[tuple[str, object]]:
    """(name, function of no argument) for every timed query, the baselines first."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import func
    from sqlalchemy import select
    from sqlalchemy import text

    from console import board
    from console import lookup
    from console import queue
    from console.officer_scope import administration_ids
    from console.worklist import OPEN
    from console.worklist import Filters
    from console.worklist import work_page
    from shared.cases import CaseService
    from shared.figures.calls import call_figures
    from shared.figures.cases import case_figures
    from shared.figures.periods import DateRange
    from shared.legal import TIMEZONE
    from shared.models import Administration
    from shared.models import Case
    from shared.models import utcnow

    per_admin = dict(session.execute(select(Case.administration_id, func.count())
                                     .group_by(Case.administration_id)).all())
    big, ministry, ministry_ids = biggest(session, per_admin)
    big_ids = administration_ids(session, big)
    today = dt.datetime.now(ZoneInfo(str(TIMEZONE))).date()
    first_of_month = today.replace(day=1) - dt.timedelta(days=1)
    month = DateRange(first_of_month.replace(day=1), first_of_month, ZoneInfo(str(TIMEZONE)))
    year = DateRange(today - dt.timedelta(days=364), today, ZoneInfo(str(TIMEZONE)))
    now = utcnow()

    def random_reference() -> str:
        return reference_of(rng.randrange(1, cases + 1))

    def by_reference():
        search = lookup.classify(random_reference())
        assert len(lookup.find(session, search)) == 1

    def open311_reference():
        CaseService(session).get(random_reference())

    def page(ids, **filters):
        return lambda: work_page(session, Filters(frozenset(ids), **filters), now)

    above = session.get(Administration, big).parent_id
    province_ids = administration_ids(session, above) if above else big_ids
    province_cases = sum(per_admin.get(a, 0) for a in province_ids)

    return [
        ("baseline: SELECT 1", lambda: session.execute(text("SELECT 1")).scalar()),
        ("baseline: case by primary key",
         lambda: session.get(Case, rng.randrange(1, cases + 1))),
        ("case figures, a month", lambda: case_figures(session, month)),
        ("case figures, a year", lambda: case_figures(session, year)),
        ("call figures, a month", lambda: call_figures(session, month)),
        ("call figures, a year", lambda: call_figures(session, year)),
        ("board: snapshot", lambda: board.snapshot(session)),
        ("board: callers waiting", lambda: queue.waiting_calls(session)),
        ("board: voicemails to handle", lambda: queue.voicemails_to_handle(session)),
        ("board: agents", lambda: board.agents_now(session, now)),
        (f"work list: biggest administration ({per_admin.get(big, 0)} cases), page 1",
         page(big_ids)),
        ("work list: biggest administration, page 40", page(big_ids, page=40)),
        ("work list: biggest administration, open ones", page(big_ids, status=OPEN)),
        ("work list: biggest administration, suggestions by app",
         page(big_ids, kind="suggestion", channel="app")),
        ("work list: biggest administration, search 'permis'", page(big_ids, text="permis")),
        (f"work list: biggest administration, search a rare word '{RARE}'",
         page(big_ids, text=RARE)),
        (f"work list: the administration above it + {len(province_ids) - 1} others "
         f"({province_cases} cases), page 1", page(province_ids)),
        ("work list: the administration above it, search 'permis'",
         page(province_ids, text="permis")),
        (f"work list: a ministry + {len(ministry_ids) - 1} sub-entities "
         f"({sum(per_admin.get(a, 0) for a in ministry_ids)} cases), page 1", page(ministry_ids)),
        ("work list: the ministry, open ones", page(ministry_ids, status=OPEN)),
        ("work list: the ministry, search 'eau retard'",
         page(ministry_ids, text="eau retard")),
        ("look-up by reference (console)", by_reference),
        ("look-up by reference (Open311)", open311_reference),
    ]


class Statements:
    """The SQL statements one run of a query sent (for EXPLAIN)."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.seen: list[tuple[str, object]] = []
        self.on = False

        def record(conn, cursor, statement, parameters, context, executemany):
            if self.on:
                self.seen.append((statement, parameters))
        event.listen(engine, "before_cursor_execute", record)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_queries(app, args) -> list[dict]:
    from sqlalchemy import text

    from shared.extensions import db
    rng = random.Random(args.seed + 1)
    results = []
    with app.app_context():
        statements = Statements(db.engine)
        session = db.session
        for name, run in queries(session, args.cases, rng):
            if args.only and not name.startswith("baseline") and not any(
                    word in name for word in args.only):
                continue
            db.session.remove()
            try:
                run()  # warm: the first run also fills the caches (not counted)
            except Exception as error:  # noqa: BLE001 - a failed query is a figure too
                db.session.remove()
                row = {"query": name, "runs": 0, "failed": f"{type(error).__name__}: "
                       f"{str(error).splitlines()[0][:120]}"}
                results.append(row)
                print(f"  {name[:72]:72} FAILED {row['failed']}", flush=True)
                continue
            db.session.remove()
            times: list[float] = []
            spent = time.perf_counter()
            while len(times) < args.repeat and (time.perf_counter() - spent < args.budget
                                                or len(times) < 1):
                started = time.perf_counter()
                run()
                times.append((time.perf_counter() - started) * 1000)
                db.session.remove()
            row = {"query": name, "runs": len(times), "p50_ms": percentile(times, 0.5),
                   "p99_ms": percentile(times, 0.99)}
            if args.explain is not None and row["p50_ms"] >= args.explain:
                statements.seen, statements.on = [], True
                run()
                statements.on = False
                db.session.remove()
                row["plans"] = []
                with db.engine.connect() as conn:
                    for statement, parameters in statements.seen:
                        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                    parameters).scalars().all()
                        row["plans"].append({"statement": statement, "plan": plan})
                    conn.execute(text("ROLLBACK"))
            results.append(row)
            print_row(row, results[0]["p50_ms"])
    return results


def print_row(row: dict, base_ms: float) -> None:
    ratio = row["p50_ms"] / base_ms if base_ms else 0
    print(f"  {row['query'][:72]:72} {row['runs']:4}  {row['p50_ms']:10.1f} {row['p99_ms']:10.1f}"
          f"  {ratio:9.0f}x", flush=True)
    for item in row.get("plans", []):
        print("      " + " ".join(item["statement"].split())[:160])
        for line in item["plan"][:args_plan_lines]:
            print("        " + line[:200])


args_plan_lines = 25


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_MILLION_URL", DEFAULT_URL),
                        help="a PostgreSQL database of its own (created when missing)")
    parser.add_argument("--schema", default="million", help="the schema the data lives in")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=None,
                        help="calls over the two years (default: a third of --cases)")
    parser.add_argument("--events-share", type=float, default=0.2,
                        help="the share of cases with their events (filed/transmit/answer)")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query at most")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds of runs per query at most (at least one run)")
    parser.add_argument("--reload", action="store_true", help="load again even if loaded")
    parser.add_argument("--drop", action="store_true", help="drop the schema at the end")
    parser.add_argument("--explain", type=float, nargs="?", const=100.0, default=None,
                        metavar="MS", help="EXPLAIN (ANALYZE, BUFFERS) the statements of "
                        "each query whose p50 is at least MS (default 100)")
    parser.add_argument("--no-limits", action="store_true",
                        help="raise the app's statement and idle-in-transaction timeouts "
                        "(DB_STATEMENT_TIMEOUT 5 s, DB_IDLE_IN_TRANSACTION_TIMEOUT 30 s) to an "
                        "hour, to time queries that production's limits cut")
    parser.add_argument("--only", nargs="+", default=None, metavar="WORDS",
                        help="time only the queries whose name holds one of these (and the "
                             "baselines), e.g. --only figures board")
    parser.add_argument("--seed", type=int, default=3737)
    parser.add_argument("--json", action="store_true", help="the figures as JSON too")
    args = parser.parse_args(argv)
    if args.calls is None:
        args.calls = args.cases // 3
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        print("million_cases: PostgreSQL only (COPY); give --database-url postgresql+psycopg://...",
              file=sys.stderr)
        return 2
    ensure_database(args.database_url)
    now = dt.datetime.now(dt.timezone.utc)
    with tempfile.TemporaryDirectory(prefix="million-") as instance:
        args.instance = instance
        try:
            with raw_connection(args.database_url) as conn:
                found = loaded(conn, args.schema)
            if found and found["cases"] == args.cases and not args.reload:
                load_figures = {**found, "skipped": True}
                print(f"Data already loaded in schema {args.schema}: {found['cases']:,} cases, "
                      f"{found['calls']:,} calls, {found['events']:,} events "
                      f"(loaded in {found['seconds']:.1f} s; --reload to load again)")
            else:
                load_figures = load(args, now)
                print(f"Loaded {load_figures['cases']:,} cases, {load_figures['calls']:,} calls, "
                      f"{load_figures['events']:,} case events into schema {args.schema} in "
                      f"{load_figures['seconds']:.1f} s (release {load_figures['release_seconds']:.1f} s,"
                      f" COPY {load_figures['copy_seconds']:.1f} s, indexes + VACUUM ANALYZE "
                      f"{load_figures['index_seconds']:.1f} s)")
            app = app_for(args.database_url, args.schema, instance, args.no_limits)
            print(f"\n  {'query (each run in a fresh session)':72} {'runs':>4}  {'p50 ms':>10} "
                  f"{'p99 ms':>10}  {'/SELECT 1':>10}")
            results = time_queries(app, args)
            with app.app_context():
                from shared.extensions import db
                db.engine.dispose()
        finally:
            if args.drop:
                with raw_connection(args.database_url) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE')
    if args.json:
        print(json.dumps({"load": load_figures, "queries": [
            {k: v for k, v in row.items() if k != "plans"} for row in results]}, indent=2))
    return 1 if any("failed" in row for row in results) else 0


if __name__ == "__main__":
    sys.exit(main())
