"""An officer sees the cases of their administration and of its sub-entities, and no
other: not in the list, not by search, not by the case page or its moves (404, as for a
reference nobody has), not over Socket.IO; Open311 keys are not affected."""
from shared.cases import CaseService
from shared.extensions import db
from tests.console.followup import access_rows
from tests.console.followup import case_events
from tests.console.officers import AGENCY
from tests.console.officers import MINISTRY
from tests.console.officers import OTHER
from tests.console.officers import file_at
from tests.console.officers import listed
from tests.console.officers import make_officer
from tests.shared.helpers import PHONE


def test_a_ministrys_officer_sees_its_sub_entities_cases(app, make_user, logged_in):
    own, below, elsewhere = file_at(app, MINISTRY), file_at(app, AGENCY), file_at(app, OTHER)
    client = logged_in(make_officer(app, make_user, "karim", MINISTRY))
    assert set(listed(client.get("/console/officer/").text)) == {own, below}
    assert client.get(f"/console/officer/cases/{below}").status_code == 200
    assert client.get(f"/console/officer/cases/{elsewhere}").status_code == 404


def test_a_sub_entitys_officer_does_not_see_its_ministrys_cases(app, make_user, logged_in):
    above, own = file_at(app, MINISTRY), file_at(app, AGENCY)
    client = logged_in(make_officer(app, make_user, "houda", AGENCY))
    assert listed(client.get("/console/officer/").text) == [own]
    response = client.get(f"/console/officer/cases/{above}")
    assert response.status_code == 404
    assert "Aucun dossier" in response.text  # the same as a reference nobody has


def test_another_administrations_case_cannot_be_found_opened_or_moved(app, make_user,
                                                                      logged_in):
    theirs = file_at(app, OTHER, description="Pension de retraite bloquée")
    client = logged_in(make_officer(app, make_user, "karim", MINISTRY))
    assert listed(client.get("/console/officer/?q=retraite").text) == []
    assert listed(client.get(f"/console/officer/?q={theirs}").text) == []
    for move, form in [("transmit", {}), ("note", {"text": "vu"}),
                       ("answer", {"reply": "Non.", "language": "fr"})]:
        response = client.post(f"/console/officer/cases/{theirs}/{move}", data=form)
        assert response.status_code == 404
    assert [action for action, _n, _d in case_events(app, theirs)] == ["file"]
    assert access_rows(app) == []  # nothing was opened


def test_opening_a_case_is_written_to_the_access_log(app, make_user, logged_in):
    reference = file_at(app, AGENCY)
    officer = make_officer(app, make_user, "houda", AGENCY)
    logged_in(officer).get(f"/console/officer/cases/{reference}")
    [row] = access_rows(app)
    assert (row["kind"], row["case"], row["user_id"]) == ("case_page", reference, officer.id)


def test_an_officer_gets_no_live_events(app, make_user, logged_in, socket_client, agent):
    """Officers connect for their own deadline alerts only: no waiting caller, no agent
    state reaches them (the agent's console hears both)."""
    from shared.call_queue import announce_gone
    officer = socket_client(logged_in(make_officer(app, make_user, "houda", AGENCY)))
    console = socket_client(logged_in(agent))
    assert officer.is_connected() and console.is_connected()
    console.get_received()
    console.emit("change_state", {"state": "available"}, callback=True)
    with app.app_context():
        announce_gone(db.session, "CA" + "5" * 32, "claimed")
        db.session.commit()
    assert {event["name"] for event in console.get_received()} >= {
        "agent_state_changed", "queue_item_removed"}
    assert officer.get_received() == []


def test_open311_keys_read_the_case_as_before_without_internal_notes(app, make_user,
                                                                     logged_in):
    from tests.shared.test_open311 import READ_ALL_KEY
    from tests.shared.test_open311 import api_keys  # noqa: F401
    reference = file_at(app, AGENCY, "transmitted")
    client = logged_in(make_officer(app, make_user, "houda", AGENCY))
    client.post(f"/console/officer/cases/{reference}/note",
                data={"text": "Dossier sensible, voir le chef"})
    client.post(f"/console/officer/cases/{reference}/answer",
                data={"reply": "Votre pension est versée.", "language": "fr"})
    with app.app_context():
        from shared.apikeys import hash_key
        from shared.models import ApiKey
        db.session.add(ApiKey(name="observatory", key_hash=hash_key(READ_ALL_KEY),
                              scope="read_all"))
        db.session.commit()
        db.session.remove()
    response = app.test_client().get(f"/open311/v2/requests/{reference}.json",
                                     headers={"X-Api-Key": READ_ALL_KEY})
    assert response.status_code == 200
    [request] = response.get_json()
    assert request["status_notes"] == "Votre pension est versée."
    assert "sensible" not in response.text
    assert "sensible" not in app.test_client().get(
        f"/open311/v2/requests.json?service_request_id={reference}",
        headers={"X-Api-Key": READ_ALL_KEY}).text


def test_an_internal_note_is_not_on_the_agents_page(app, make_user, logged_in, agent):
    reference = file_at(app, AGENCY, "transmitted")
    logged_in(make_officer(app, make_user, "houda", AGENCY)).post(
        f"/console/officer/cases/{reference}/note", data={"text": "Dossier sensible"})
    with app.app_context():
        assert CaseService(db.session).get(reference).events[-1].action == "note"
        db.session.remove()
    page = logged_in(agent).get(f"/console/cases/{reference}").text
    assert "Dossier sensible" not in page


def test_the_officers_case_page_masks_the_citizens_phone(app, make_user, logged_in):
    """The administration needs the name, CIN and address; the phone stays masked (the
    answer reaches the citizen through the line and its SMS, never an officer's call)."""
    reference = file_at(app, AGENCY)
    page = logged_in(make_officer(app, make_user, "houda", AGENCY)).get(
        f"/console/officer/cases/{reference}").text
    assert PHONE not in page and PHONE[4:] not in page
    assert "*" * (len(PHONE) - 2) + PHONE[-2:] in page
