"""A recording's transcript is personal data: it stays inside the case for agents, never in
the Open311 API (with or without a key, whose description is the citizen's own text)."""
import pytest

from shared.apikeys import hash_key
from shared.cases import CaseService
from shared.models import ApiKey
from shared.models import User
from shared.types import Channel
from shared.types import Role
from tests.shared.helpers import file_case

API = "/open311/v2"
OWN_KEY = "ivr-reader-test-key-0123456"       # read_own on the IVR's channel
READ_ALL_KEY = "observatory-test-key-777777"  # read_all
MACHINE, CORRECTION = "الضمان الاجتماعي ديالي", "الضمان الاجتماعي ديالي متأخر"


@pytest.fixture()
def transcribed(session, admin):
    """A phone case with a machine transcript and an agent's correction, and the keys."""
    session.add_all([
        ApiKey(name="ivr-reader", key_hash=hash_key(OWN_KEY), channel=Channel.PHONE_IVR,
               scope="read_own"),
        ApiKey(name="observatory", key_hash=hash_key(READ_ALL_KEY), scope="read_all")])
    agent = User(username="n.alaoui", display_name="N. Alaoui", role=Role.AGENT,
                 password_hash="x")
    session.add(agent)
    case = file_case(session, admin, channel=Channel.PHONE_IVR, description=None)
    CaseService(session, actor="speech").attach_transcript(case, MACHINE, "ary", 0.7, "ar")
    CaseService(session).correct_transcript(case, CORRECTION, agent)
    session.commit()
    return case.reference


@pytest.mark.parametrize("key", [None, OWN_KEY, READ_ALL_KEY])
def test_the_transcript_is_never_in_the_open311_api(client, transcribed, key):
    headers = {"X-Api-Key": key} if key else None
    urls = [f"{API}/requests/{transcribed}.json", f"{API}/requests/{transcribed}.xml",
            f"{API}/requests.json?service_request_id={transcribed}"]
    if key:
        urls.append(f"{API}/requests.json")
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_data(as_text=True))
        body = response.get_data(as_text=True)
        assert transcribed in body, url
        assert "الضمان" not in body and "transcript" not in body, (url, key)
