"""The agents' queue: the media stream's token is keyed with the app's secret."""
import hashlib
import hmac

from tests.ivr.helpers import to_main_menu


def stream_token_of(turn) -> str:
    stream = turn.find("Start/Stream")
    return {p.get("name"): p.get("value") for p in stream.findall("Parameter")}["token"]


def test_the_stream_token_is_an_hmac_of_the_call_with_the_secret(app, caller):
    to_main_menu(caller, "fr")
    token = stream_token_of(caller.press("0"))
    expected = hmac.new(app.config["SECRET_KEY"].encode(), f"stream:{caller.call_sid}".encode(),
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(token, expected)


def test_another_secret_gives_another_token(app, make_caller, config):
    from ivr.queue import stream_token
    with app.test_request_context("/"):
        first = stream_token("CA" + "1" * 32)
        config(SECRET_KEY="another-secret")
        assert stream_token("CA" + "1" * 32) != first
        assert stream_token("CA" + "2" * 32) != stream_token("CA" + "1" * 32)
