"""Open311 rate limits (Flask-Limiter): per client address without a key, per key with one,
stricter on reference look-ups; a 429 in the spec's error document with Retry-After; the IVR's
webhooks never limited by them."""
import socket

import pytest
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from shared import references
from shared.config import ConfigError
from shared.config import load_config
from shared.extensions import limiter
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN
from tests.ivr.helpers import cases
from tests.ivr.helpers import file_by_phone
from tests.shared.test_open311 import API
from tests.shared.test_open311 import KEY
from tests.shared.test_open311 import OTHER_KEY
from tests.shared.test_open311 import READ_ALL_KEY
from tests.shared.test_open311 import api_keys  # noqa: F401  (a fixture, used by usefixtures)
from tests.shared.test_open311 import file_case
from tests.shared.test_open311 import keyed
from tests.shared.test_open311 import xml_root

pytestmark = pytest.mark.usefixtures("api_keys")


def from_address(app, address):
    """A client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_limited(response, fmt="json"):
    """A 429 in the spec's error document, with a Retry-After of at least a second."""
    assert response.status_code == 429, response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    if fmt == "xml":
        root = xml_root(response, "errors")
        assert root.findtext("error/code") == "429"
        return root.findtext("error/description")
    [error] = response.get_json()
    assert error["code"] == 429 and "retry in" in error["description"]
    return error["description"]


def unknown_reference():
    return references.new_reference()


def test_without_a_key_each_address_is_limited_across_the_api(app, config):
    config(OPEN311_RATE_LIMIT="3 per minute")
    client = from_address(app, "198.51.100.7")
    for url in (f"{API}/services.json", f"{API}/discovery.xml", f"{API}/openapi.json"):
        assert client.get(url).status_code == 200
    assert "requests from this address (at most 3 per minute)" in assert_limited(
        client.get(f"{API}/services.json"))
    assert_limited(client.get(f"{API}/services.xml"), "xml")
    assert_limited(client.post(f"{API}/requests.json", data={}))
    # Another address has its own count.
    assert from_address(app, "198.51.100.8").get(f"{API}/services.json").status_code == 200


def test_a_bad_key_is_counted_by_address(app, config):
    config(OPEN311_RATE_LIMIT="2 per minute")
    client = from_address(app, "198.51.100.9")
    for attempt in range(2):
        assert client.get(f"{API}/requests.json", headers=keyed(f"guess{attempt}")
                          ).status_code == 403
    assert_limited(client.get(f"{API}/requests.json", headers=keyed("guess3")))


def test_a_key_is_counted_by_key_not_by_address(app, config):
    """A portal's server speaks for many citizens from one address: its key is counted."""
    config(OPEN311_RATE_LIMIT="1 per minute", OPEN311_KEY_RATE_LIMIT="3 per minute")
    client = from_address(app, "203.0.113.5")
    for _ in range(3):
        assert client.get(f"{API}/requests.json", headers=keyed(KEY)).status_code == 200
    assert "with this api_key" in assert_limited(
        client.get(f"{API}/requests.json", headers=keyed(KEY)))
    assert client.get(f"{API}/requests.json", headers=keyed(OTHER_KEY)).status_code == 200
    assert client.get(f"{API}/services.json").status_code == 200  # the address's own count
    assert_limited(client.get(f"{API}/services.json"))


def test_reference_lookups_count_each_reference(app, session, admin, config):
    """Guessing references stays slow however the guesses are packed into requests."""
    config(REFERENCE_LOOKUP_RATE_LIMIT="4 per minute")
    known = file_case(session, admin).reference
    client = from_address(app, "192.0.2.10")
    assert client.get(f"{API}/requests/{known}.json").status_code == 200
    assert client.get(f"{API}/requests/{unknown_reference()}.xml").status_code == 404
    three = ",".join(unknown_reference() for _ in range(3))
    assert "references looked up from this address (at most 4 per minute)" in assert_limited(
        client.get(f"{API}/requests.json?service_request_id={three}"))
    # The refused three were not counted: two more fit, then none.
    assert client.get(f"{API}/requests.json?service_request_id={known}").status_code == 200
    assert client.get(f"{API}/requests/{known}.json").status_code == 200
    assert_limited(client.get(f"{API}/requests/{known}.json"))
    assert_limited(client.get(f"{API}/requests/{known}.xml"), "xml")
    # Other routes, and keyed callers, are not held by the look-up limit.
    assert client.get(f"{API}/services.json").status_code == 200
    assert client.get(f"{API}/requests/{known}.json",
                      headers=keyed(READ_ALL_KEY)).status_code == 200
    assert from_address(app, "192.0.2.11").get(f"{API}/requests/{known}.json"
                                                ).status_code == 200


def test_the_ivr_is_not_limited_by_the_open311_limits(app, config):
    config(OPEN311_RATE_LIMIT="1 per minute", OPEN311_KEY_RATE_LIMIT="1 per minute",
           REFERENCE_LOOKUP_RATE_LIMIT="1 per minute")
    client = from_address(app, "127.0.0.1")
    for _ in range(2):
        caller = Caller(FlaskTransport(client), PUBLIC_BASE_URL, TEST_AUTH_TOKEN,
                        account_sid=TEST_ACCOUNT_SID)
        turn = file_by_phone(caller)
        assert "case_filed" in turn.keys, turn.xml
    assert len(cases(app)) == 2
    assert client.get(f"{API}/services.json").status_code == 200
    assert_limited(client.get(f"{API}/services.json"))


@pytest.fixture()
def silent_server():
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.mark.parametrize("redis_url", ["redis://127.0.0.1:9", "silent"])
def test_a_lost_or_hung_redis_falls_back_to_limits_in_memory(app, config, monkeypatch,
                                                             silent_server, redis_url):
    """Counters in a Redis that refuses or never answers: the API still answers (in half a
    second more at most, RATELIMIT_STORAGE_OPTIONS), and still limits."""
    config(OPEN311_RATE_LIMIT="2 per minute")
    url = silent_server if redis_url == "silent" else redis_url
    dead = storage_from_string(url, **app.config["RATELIMIT_STORAGE_OPTIONS"])
    monkeypatch.setattr(limiter, "_storage", dead)
    monkeypatch.setattr(limiter, "_limiter", MovingWindowRateLimiter(dead))
    monkeypatch.setattr(limiter, "_storage_dead", False)
    # Memory counters outlive the test (limiter.reset() clears the main storage only).
    client = from_address(app, "198.51.100.21" if redis_url == "silent" else "198.51.100.20")
    assert [client.get(f"{API}/services.json").status_code for _ in range(2)] == [200, 200]
    assert limiter._storage_dead
    assert_limited(client.get(f"{API}/services.json"))


def test_limits_and_their_storage_come_from_the_environment(tmp_path):
    config = load_config(tmp_path, {})
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["OPEN311_RATE_LIMIT"] and config["REFERENCE_LOOKUP_RATE_LIMIT"]
    config = load_config(tmp_path, {"REDIS_URL": "redis://cache:6379/0",
                                    "OPEN311_RATE_LIMIT": "30 per minute;1000 per day",
                                    "REFERENCE_LOOKUP_RATE_LIMIT": "5/minute"})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert config["OPEN311_RATE_LIMIT"] == "30 per minute;1000 per day"
    assert config["REFERENCE_LOOKUP_RATE_LIMIT"] == "5/minute"
    for name in ("OPEN311_RATE_LIMIT", "OPEN311_KEY_RATE_LIMIT", "REFERENCE_LOOKUP_RATE_LIMIT"):
        with pytest.raises(ConfigError, match=name):
            load_config(tmp_path, {name: "lots"})

