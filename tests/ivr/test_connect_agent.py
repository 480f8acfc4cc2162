"""Where a claimed call goes: the agent's Twilio Client is dialled; only Twilio may ask."""


def test_a_claimed_call_dials_the_agents_client(caller):
    turn = caller.post("/ivr/agent/connect?agent=42")
    client = turn.find("Dial/Client")
    assert client is not None and client.text.strip() == "agent-42"
    assert turn.find("Hangup") is not None


def test_an_unsigned_request_is_refused(caller):
    assert caller.post("/ivr/agent/connect?agent=42", sign=False).status == 403


def test_a_missing_or_odd_agent_is_a_400(caller):
    for query in ("", "?agent=", "?agent=abc", "?agent=-1", "?agent=0", "?agent=1234567890"):
        assert caller.post(f"/ivr/agent/connect{query}").status == 400, query
