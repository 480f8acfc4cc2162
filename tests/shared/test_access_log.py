"""The access log: rows are added, never changed nor deleted; a searched phone or CIN is
kept as a keyed hash only (the same value, the same hash; another key, another hash)."""
import pytest

from shared import access_log
from shared.models import AccessLogEntry
from shared.models import User
from shared.types import Role


@pytest.fixture()
def user(session):
    user = User(username="auditor", display_name="Auditor", role=Role.AGENT, languages=[])
    user.set_password("x" * 12)
    session.add(user)
    session.commit()
    return user


def test_a_search_is_kept_as_a_keyed_hash(app, session, user, monkeypatch):
    entry = access_log.record(session, user, access_log.SEARCH_PHONE,
                              searched="+212612345678", matches=2)
    session.commit()
    assert entry.query_hash == access_log.keyed_hash("+212612345678")
    assert "612345678" not in entry.query_hash and len(entry.query_hash) == 64
    assert access_log.keyed_hash("+212612345679") != entry.query_hash
    monkeypatch.setitem(app.config, "SECRET_KEY", "another key")
    assert access_log.keyed_hash("+212612345678") != entry.query_hash


@pytest.mark.parametrize("change", ["update", "delete"])
def test_a_row_is_never_changed_nor_deleted(session, user, change):
    entry = access_log.record(session, user, access_log.SEARCH_CIN, searched="AB123456",
                              matches=0)
    session.commit()
    if change == "update":
        entry.matches = 5
    else:
        session.delete(entry)
    with pytest.raises(access_log.AppendOnly):
        session.commit()
    session.rollback()
    assert session.get(AccessLogEntry, entry.id).matches == 0
