"""Request bodies are limited per part of the app, and refused before anything parses them
or checks their signature: a flood of large unsigned posts costs neither memory nor CPU."""
import io
from urllib.parse import urlencode

import flask
import pytest

from shared import request_limits
from shared.open311.params import MAX_ADDRESS
from shared.open311.params import MAX_DESCRIPTION
from shared.open311.params import MAX_NAME
from shared.open311.params import MAX_SUBJECT

FORM = "application/x-www-form-urlencoded"


@pytest.fixture()
def unparsed(monkeypatch):
    """Any parsing of a request's form fails the test."""
    def parse(_request):
        raise AssertionError("the body was parsed")
    monkeypatch.setattr(flask.Request, "_load_form_data", parse)


def test_an_oversized_webhook_with_a_bogus_signature_is_refused_unparsed(client, unparsed,
                                                                          caplog):
    body = b"CallSid=CA1&Digits=" + b"1" * request_limits.IVR_MAX_BYTES
    response = client.post("/ivr/voice", data=body, content_type=FORM,
                           headers={"X-Twilio-Signature": "bogus"})
    assert response.status_code == 413
    assert f"at most {request_limits.IVR_MAX_BYTES}" in response.get_data(as_text=True)
    assert "signed" not in caplog.text  # the signature check never ran


class CountingStream(io.BytesIO):
    """A request body that counts the bytes the app reads of it."""
    taken = 0

    def read(self, size=-1):
        data = super().read(size)
        self.taken += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.taken += count
        return count


def test_a_webhook_body_without_a_length_is_read_no_further_than_the_limit(client):
    body = CountingStream(b"CallSid=CA1&Digits=" + b"1" * 1_000_000)
    response = client.post("/ivr/voice", input_stream=body, content_type=FORM,
                           headers={"Transfer-Encoding": "chunked",
                                    "X-Twilio-Signature": "bogus"},
                           environ_overrides={"wsgi.input_terminated": True})  # as gunicorn
    assert response.status_code in (403, 413)
    assert 0 < body.taken <= request_limits.IVR_MAX_BYTES


def test_a_webhook_of_normal_size_goes_on_to_the_signature_check(client, unparsed):
    with pytest.raises(AssertionError, match="the body was parsed"):
        client.post("/ivr/voice", data=b"CallSid=CA1&Digits=1", content_type=FORM,
                    headers={"X-Twilio-Signature": "bogus"})


def test_an_oversized_open311_filing_gets_the_spec_error_unparsed(client, unparsed):
    body = b"description=" + b"x" * request_limits.OPEN311_MAX_BYTES
    response = client.post("/open311/v2/requests.json", data=body, content_type=FORM)
    assert response.status_code == 413
    [error] = response.get_json()
    assert error["code"] == 413 and "at most" in error["description"]


def test_the_largest_valid_open311_filing_fits():
    """Every free text at its limit in 4-byte characters, percent-encoded."""
    wide = "\U0001F4DD"
    form = {"api_key": "k" * 256, "service_code": "123456", "attribute[kind]": "complaint",
            "attribute[language]": "ary", "description": wide * MAX_DESCRIPTION,
            "attribute[subject]": wide * MAX_SUBJECT, "first_name": wide * MAX_NAME,
            "last_name": wide * MAX_NAME, "address_string": wide * MAX_ADDRESS,
            "phone": "+212612345678", "attribute[cin]": "AB123456", "email": "a@b.ma" * 40}
    assert len(urlencode(form)) <= request_limits.OPEN311_MAX_BYTES


def test_other_routes_have_a_default_limit(client, unparsed):
    body = b"x=" + b"1" * request_limits.DEFAULT_MAX_BYTES
    assert client.post("/healthz", data=body, content_type=FORM).status_code == 413


def test_a_form_of_too_many_parts_is_refused_when_read(client):
    many = {f"Field{n}": "1" for n in range(request_limits.MAX_FORM_PARTS + 1)}
    response = client.post("/ivr/voice", data=many, content_type="multipart/form-data",
                           headers={"X-Twilio-Signature": "bogus"})
    assert response.status_code == 413
