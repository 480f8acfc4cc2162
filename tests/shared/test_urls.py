"""Public URLs are built from PUBLIC_BASE_URL, never from the URL this process sees."""
from shared.urls import public_endpoint
from shared.urls import public_url
from shared.urls import public_websocket
from shared.urls import requested_public_url
from tests.conftest import PUBLIC_BASE_URL


def test_behind_a_tls_proxy_the_public_base_is_used(app):
    with app.test_request_context("/ivr/step/main_menu?t=3",
                                  base_url="http://10.0.0.7:8000"):
        assert requested_public_url() == PUBLIC_BASE_URL + "/ivr/step/main_menu?t=3"
        assert public_url("/open311/v2") == PUBLIC_BASE_URL + "/open311/v2"
        assert public_endpoint("ivr.answer", name="cin", t=2) == \
            PUBLIC_BASE_URL + "/ivr/step/cin?t=2"


def test_websockets_are_wss_under_https_and_ws_under_http(app, config):
    with app.test_request_context("/"):
        assert public_websocket("ivr.media_stream") == "wss://ivr.example.test/ivr/media"
        config(PUBLIC_BASE_URL="http://localhost:5000")
        assert public_websocket("ivr.media_stream") == "ws://localhost:5000/ivr/media"
