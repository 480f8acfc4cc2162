"""Fixtures of the IVR tests: simulated callers (signed like Twilio) and a fake Twilio API."""
import pytest

from ivr.simulator import Caller
from ivr.simulator import FlaskTransport
from tests.conftest import PUBLIC_BASE_URL
from tests.conftest import TEST_ACCOUNT_SID
from tests.conftest import TEST_AUTH_TOKEN

MOBILE = "+212612345678"
LANDLINE = "+212537123456"


@pytest.fixture()
def make_caller(app, client):
    """make_caller(caller=MOBILE) -> a Caller driving this app through the test client."""
    def make(caller: str = MOBILE, **kwargs) -> Caller:
        return Caller(FlaskTransport(client), PUBLIC_BASE_URL, TEST_AUTH_TOKEN, caller=caller,
                      account_sid=TEST_ACCOUNT_SID, **kwargs)
    return make


@pytest.fixture()
def caller(make_caller):
    return make_caller()
