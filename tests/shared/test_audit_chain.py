"""The access and change log's hash chain: each row chained to the one before; a row
changed, deleted or inserted behind the application's back is found by `verify` (and
`flask audit verify`); concurrent writers never fork the chain (SQLite and PostgreSQL)."""
import pytest
from sqlalchemy import select
from sqlalchemy import text

from shared import access_log
from shared import audit_chain
from shared.cases import CaseService
from shared.extensions import db
from shared.models import AccessLogEntry
from shared.models import User
from shared.types import Role
from tests.shared.helpers import file_case
from tests.shared.test_concurrency import run_together

WRITERS = 8
ROWS_EACH = 5


def make_user(session, username="auditor", role=Role.AGENT):
    user = User(username=username, display_name=username.title(), role=role, languages=[])
    user.set_password("x" * 12)
    session.add(user)
    session.commit()
    return user


@pytest.fixture()
def user(session):
    return make_user(session)


@pytest.fixture()
def five_rows(session, user):
    for matches in range(5):
        access_log.record(session, user, access_log.SEARCH_PHONE, searched=f"+21261234567{matches}",
                          matches=matches)
        session.commit()
    return [row.id for row in session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.seq))]


@pytest.fixture()
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_each_row_carries_the_hash_of_the_one_before(session, five_rows):
    rows = list(session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.seq)))
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit_chain.GENESIS
    for before, row in zip(rows, rows[1:]):
        assert row.prev_hash == before.row_hash
    # The hash is sha256 over the previous hash and the row's canonical fields.
    import hashlib
    canonical = audit_chain.canonical({name: getattr(rows[2], name)
                                       for name in audit_chain.CHAINED_FIELDS})
    assert rows[2].row_hash == hashlib.sha256(
        f"{rows[1].row_hash}\n{canonical}".encode()).hexdigest()
    assert access_log.verify(session) == (5, None)


def test_an_intact_chain_verifies(run, five_rows):
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "chain intact: 5 rows" in result.output


def _tamper(sql, **values):
    """Change the table behind the application's back (then read afresh)."""
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.execute(text(sql), values)


@pytest.mark.parametrize("column, value", [("matches", 42), ("actor", "user:someone-else"),
                                           ("kind", "case_page"), ("query_hash", "0" * 64)])
def test_a_changed_field_is_found(session, run, five_rows, column, value):
    _tamper(f"UPDATE access_log SET {column} = :value WHERE id = :id",
            value=value, id=five_rows[2])
    checked, broken = access_log.verify(session)
    assert (checked, broken.seq, broken.row_id) == (2, 3, five_rows[2])
    assert "changed" in broken.reason
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert f"BROKEN at row seq 3 (id {five_rows[2]})" in result.output


def test_a_changed_time_is_found(session, five_rows):
    _tamper("UPDATE access_log SET at = :at WHERE id = :id",
            at=session.get(AccessLogEntry, five_rows[0]).at, id=five_rows[3])
    assert access_log.verify(session)[1].seq == 4


def test_a_rehashed_row_is_found_by_the_next_one(session, five_rows):
    """Whoever changes a row and recomputes its hash breaks the link of the next row."""
    row = session.get(AccessLogEntry, five_rows[1])
    fields = {name: getattr(row, name) for name in audit_chain.CHAINED_FIELDS}
    fields["matches"] = 99
    _tamper("UPDATE access_log SET matches = 99, row_hash = :digest WHERE id = :id",
            digest=audit_chain.row_hash(row.prev_hash, fields), id=row.id)
    checked, broken = access_log.verify(session)
    assert (checked, broken.seq) == (2, 3)
    assert "does not chain" in broken.reason


def test_a_deleted_row_is_found(session, run, five_rows):
    _tamper("DELETE FROM access_log WHERE id = :id", id=five_rows[1])
    checked, broken = access_log.verify(session)
    assert (checked, broken.seq, broken.row_id) == (1, 2, None)
    assert "missing" in broken.reason
    assert run("audit", "verify").exit_code == 1


def test_a_deleted_first_row_is_found(session, five_rows):
    _tamper("DELETE FROM access_log WHERE id = :id", id=five_rows[0])
    assert access_log.verify(session)[1].seq == 1


def test_an_inserted_row_is_found(session, five_rows):
    """A row slipped in at the end with a made-up hash, or renumbered into the middle."""
    last = session.get(AccessLogEntry, five_rows[-1])
    _tamper("INSERT INTO access_log (seq, at, actor, kind, prev_hash, row_hash) "
            "VALUES (6, :at, 'user:ghost', 'case_page', :prev, :hash)",
            at=last.at, prev=last.row_hash, hash="f" * 64)
    assert access_log.verify(session)[1].seq == 6
    _tamper("DELETE FROM access_log WHERE seq = 6")
    _tamper("UPDATE access_log SET seq = seq + 1 WHERE seq >= 5")  # no unique clash upwards
    _tamper("UPDATE access_log SET seq = 5 WHERE seq = 6")  # back as it was
    assert access_log.verify(session) == (5, None)
    _tamper("UPDATE access_log SET seq = 7 WHERE seq = 5")
    _tamper("INSERT INTO access_log (seq, at, actor, kind, prev_hash, row_hash) "
            "VALUES (5, :at, 'user:ghost', 'case_page', :prev, :hash)",
            at=last.at, prev=last.prev_hash, hash=last.row_hash)
    checked, broken = access_log.verify(session)
    assert broken is not None and broken.seq in (5, 6)


def test_concurrent_writers_keep_one_chain(app, session):
    users = [make_user(session, f"writer{index}").id for index in range(WRITERS)]

    def work(index):
        user = db.session.get(User, users[index])
        for count in range(ROWS_EACH):
            access_log.record(db.session, user, access_log.CASE_PAGE, matches=count)
            db.session.commit()

    _, errors = run_together(app, WRITERS, work)
    assert errors == []
    session.rollback()  # read afresh
    assert access_log.verify(session) == (WRITERS * ROWS_EACH, None)
    seqs = session.scalars(select(AccessLogEntry.seq).order_by(AccessLogEntry.seq)).all()
    assert seqs == list(range(1, WRITERS * ROWS_EACH + 1))


def test_a_console_users_case_change_is_logged_without_free_text(session, admin, user):
    case = file_case(session, admin)
    session.commit()
    assert session.scalars(select(AccessLogEntry)).all() == []  # the IVR's filing: not a user's
    CaseService(session, user=user).close(case, "not_competent", note="Mme Fatima Zahra",
                                          redirect_to="Tribunal de Rabat, M. Alaoui")
    session.commit()
    entry = session.scalars(select(AccessLogEntry)).one()
    assert (entry.kind, entry.actor, entry.case_id, entry.user_id) == (
        access_log.CASE_CHANGE, "user:auditor", case.id, user.id)
    assert entry.detail == {"action": "close", "from": "received", "to": "not_competent",
                            "reason": "not_competent", "redirect_administration": None}
    assert "Fatima" not in str(entry.detail) and "Alaoui" not in str(entry.detail)
    assert access_log.verify(session) == (1, None)


def test_deleting_a_user_does_not_break_the_chain(session, five_rows, user):
    _tamper("DELETE FROM users WHERE id = :id", id=user.id)
    assert session.get(AccessLogEntry, five_rows[0]).user_id is None
    assert access_log.verify(session) == (5, None)


def test_the_migration_chains_the_rows_logged_before_it(app, tmp_path):
    """Rows of the access log written before 0015_ops are chained by it, in id order."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from shared.database import tune_engine
    from tests.shared.test_migrations import upgrade
    engine = create_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    tune_engine(engine)
    try:
        upgrade(engine, "0010_followup")
        with engine.begin() as connection:
            for index in range(3):
                connection.execute(text(
                    "INSERT INTO access_log (at, actor, kind, matches) "
                    "VALUES (:at, 'user:old', 'search_cin', :matches)"),
                    {"at": f"2026-11-0{index + 1} 10:00:00.000123", "matches": index})
        upgrade(engine)
        with Session(engine) as session:
            assert access_log.verify(session) == (3, None)
            assert session.scalars(select(AccessLogEntry.seq)
                                   .order_by(AccessLogEntry.id)).all() == [1, 2, 3]
    finally:
        engine.dispose()
