"""The citizen is told by SMS, once per event, in the case's language, when the
administration answers or asks for more information: call 3737, key 4. Landlines get none."""
import pytest

from shared import jobs
from tests.console.officers import AGENCY
from tests.console.officers import file_at
from tests.console.officers import make_officer


@pytest.fixture()
def client(app, make_user, logged_in):
    return logged_in(make_officer(app, make_user, "houda", AGENCY))


def run_jobs(app) -> None:
    with app.app_context():
        jobs.run_pending(app)


def test_an_answer_is_texted_once(app, client, fake_twilio):
    reference = file_at(app, AGENCY, "in_progress")
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "Versement fait.", "language": "fr"})
    run_jobs(app)
    run_jobs(app)
    [message] = fake_twilio.messages()
    assert message["To"] == "+212612345678"
    assert reference in message["Body"] and "3737" in message["Body"]
    assert "tapez 4" in message["Body"] and "répondu" in message["Body"]


def test_the_sms_is_in_the_cases_language(app, client, fake_twilio):
    reference = file_at(app, AGENCY, "transmitted", language="ary")
    client.post(f"/console/officer/cases/{reference}/ask_information",
                data={"question": "شنو هو الرقم ديال الانخراط؟"})
    run_jobs(app)
    [message] = fake_twilio.messages()
    assert "معلومات زايدة" in message["Body"] and reference in message["Body"]


def test_a_new_answer_after_a_reopening_is_texted_again(app, client, fake_twilio):
    reference = file_at(app, AGENCY, "in_progress")
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "Versement fait.", "language": "fr"})
    run_jobs(app)
    with app.app_context():
        from shared.cases import CaseService
        from shared.extensions import db
        service = CaseService(db.session, actor="test")
        service.reopen(service.get(reference), note="Rien reçu")
        db.session.commit()
        db.session.remove()
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "Versement refait.", "language": "fr"})
    run_jobs(app)
    assert len(fake_twilio.messages()) == 2


def test_a_question_and_an_answer_are_two_messages(app, client, fake_twilio):
    reference = file_at(app, AGENCY, "in_progress")
    client.post(f"/console/officer/cases/{reference}/ask_information",
                data={"question": "Votre numéro d'affiliation ?"})
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "Versement fait.", "language": "fr"})
    run_jobs(app)
    assert ["complémentaires" in m["Body"] for m in fake_twilio.messages()] == [True, False]


@pytest.mark.parametrize("phone", ["+212537123456", None])
def test_a_landline_or_no_phone_gets_no_sms(app, client, fake_twilio, phone):
    from tests.shared.helpers import new_case  # noqa: F401
    from shared.cases import Citizen
    reference = file_at(app, AGENCY, "in_progress", citizen=Citizen(name="Ali", phone=phone))
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "Versement fait.", "language": "fr"})
    run_jobs(app)
    assert fake_twilio.messages() == []


def test_a_refused_move_sends_nothing(app, client, fake_twilio):
    reference = file_at(app, AGENCY, "received")
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "Trop tôt.", "language": "fr"})
    run_jobs(app)
    assert fake_twilio.messages() == []
