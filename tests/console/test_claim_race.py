"""Two agents claiming one call at the same instant: exactly one holds it, Twilio is asked
once, the other is told it is taken (on SQLite and on PostgreSQL: TEST_DATABASE_URL)."""
import threading

import pytest

from shared.types import Role
from tests.console.calls import new_caller
from tests.console.calls import queue_at_once
from tests.console.calls import stored_call

ROUNDS = 5


@pytest.fixture()
def claimers(make_user, logged_in):
    return [(user, logged_in(user)) for user in
            (make_user("salma", Role.AGENT), make_user("karim", Role.AGENT))]


def test_two_agents_at_once_never_both_hold_a_call(app, fake_twilio, claimers):
    for round_number in range(ROUNDS):
        caller = queue_at_once(new_caller(app, f"+21266123456{round_number}"))
        start = threading.Barrier(len(claimers))
        statuses = {}

        def take(user, browser):
            start.wait()
            response = browser.post(f"/console/calls/{caller.call_sid}/claim", data={},
                                    headers={"Accept": "application/json"})
            statuses[user.id] = response.get_json()["error"]

        threads = [threading.Thread(target=take, args=claimer) for claimer in claimers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert sorted(statuses.values(), key=str) == [None, "taken"], statuses
        winner = next(user_id for user_id, error in statuses.items() if error is None)
        assert stored_call(app, caller.call_sid).agent_id == winner
        updates = [u for u in fake_twilio.call_updates if u["sid"] == caller.call_sid]
        assert len(updates) == 1
        assert updates[0]["form"]["Url"].endswith(f"agent={winner}")
        caller.hang_up()  # the winner is free for the next round
