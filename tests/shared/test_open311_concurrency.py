"""Concurrent Open311 filings with one Idempotency-Key: one case, and only the request that
filed it answers 201 Created (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""
import pytest
from sqlalchemy import func
from sqlalchemy import select

from shared.models import Case
from shared.models import CaseEvent
from tests.shared.test_concurrency import RACERS
from tests.shared.test_concurrency import run_together
from tests.shared.test_open311 import API
from tests.shared.test_open311 import api_keys  # noqa: F401  (a fixture, used by usefixtures)
from tests.shared.test_open311 import form


@pytest.mark.usefixtures("api_keys")
def test_simultaneous_posts_with_one_idempotency_key_make_one_case_and_one_201(
        app, session, admin):
    data = form(admin)
    session.commit()  # no transaction (and on SQLite no write lock) left open

    def post(index):
        response = app.test_client().post(f"{API}/requests.json", data=data,
                                          headers={"Idempotency-Key": "portal-retry-42"})
        return response.status_code, response.get_json()

    results, errors = run_together(app, RACERS, post)
    assert errors == []
    statuses = sorted(status for status, _body in results)
    assert statuses == [200] * (RACERS - 1) + [201]
    assert len({body[0]["service_request_id"] for _status, body in results}) == 1
    assert len({str(body) for _status, body in results}) == 1
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    assert session.scalar(select(func.count()).select_from(CaseEvent)) == 1
