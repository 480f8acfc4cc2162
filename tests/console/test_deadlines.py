"""Deadline alerts on a frozen clock: cases near or past their 15/60-day limits notify the
officers of their administration (and of the one above it) and the supervisors, once per
case and threshold whatever the runs or workers: in the console (a list, an unread count,
a live event to each user's own room) and by e-mail to a local SMTP sink (aiosmtpd) when
SMTP_HOST is set, never otherwise."""
import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func
from sqlalchemy import select

from shared import administrations
from shared import deadlines
from shared.cases import CaseService
from shared.extensions import db
from shared.jobs import run_pending
from shared.models import Case
from shared.models import DeadlineAlert
from shared.models import Job
from shared.models import Notification
from shared.models import User
from shared.types import Role
from tests.shared.helpers import MAY_10
from tests.shared.helpers import bring_to
from tests.shared.helpers import new_case
from tests.shared.test_concurrency import run_together

# Filed on 10 May 2025 (Moroccan date): transmit by 25 May, answer by 9 July.
TRANSMIT_DUE, REPLY_DUE = dt.date(2025, 5, 25), dt.date(2025, 7, 9)


def on(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone.utc)


class Sink:
    """Collects what the SMTP server is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos,
                              email.message_from_bytes(envelope.content,
                                                       policy=email.policy.default)))
        return "250 OK"


@pytest.fixture()
def smtp(app, config):
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    config(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False,
           SMTP_TIMEOUT_SECONDS=5)
    yield sink
    controller.stop()


@pytest.fixture()
def people(app, make_user):
    """Who may hear of the CNSS's cases (201) and who must not."""
    with app.app_context():
        cnss = administrations.by_code(db.session, "201").id
        budget = administrations.by_code(db.session, "120").id
        finance = administrations.by_code(db.session, "106").id
        db.session.remove()
    return {
        "officer": make_user("cnss", Role.OFFICER, administration_id=cnss,
                             email="cnss@example.test"),
        "other_officer": make_user("budget", Role.OFFICER, administration_id=budget,
                                   email="budget@example.test"),
        "ministry_officer": make_user("finance", Role.OFFICER, administration_id=finance,
                                      email="finance@example.test"),
        "supervisor": make_user("nadia", Role.SUPERVISOR, email="nadia@example.test",
                                console_language="ar"),
        "agent": make_user("salma", Role.AGENT, email="salma@example.test"),
        "gone": make_user("left", Role.OFFICER, administration_id=cnss, active=False,
                          email="left@example.test"),
        "no_mail": make_user("nomail", Role.SUPERVISOR),
    }


def file_case(app, code="201", status="received"):
    with app.app_context():
        service = CaseService(db.session, actor="test", clock=lambda: MAY_10)
        case = service.file(new_case(administrations.by_code(db.session, code)))
        bring_to(service, case, status)
        db.session.commit()
        reference = case.reference
        db.session.remove()
    return reference


def check(app, day: dt.date):
    with app.app_context():
        counts = deadlines.check(db.session, app.config, now=on(day))
        db.session.remove()
    return {name: count for name, count in counts.items() if count}


def notified(app, reference=None):
    """{username: [threshold, ...]} of the notifications (of one case)."""
    with app.app_context():
        query = (select(Notification).join(DeadlineAlert).join(Case)
                 .order_by(Notification.id))
        if reference:
            query = query.where(Case.reference == reference)
        found = {}
        for item in db.session.scalars(query):
            username = db.session.get(User, item.user_id).username
            found.setdefault(username, []).append(item.alert.threshold)
        db.session.remove()
    return found


# -- the thresholds ---------------------------------------------------------------------------


@pytest.mark.parametrize("status, day, expected", [
    ("received", dt.date(2025, 5, 21), []),
    ("received", dt.date(2025, 5, 22), [("transmit_soon", TRANSMIT_DUE)]),
    ("received", TRANSMIT_DUE, [("transmit_soon", TRANSMIT_DUE)]),  # due today: not late
    ("received", dt.date(2025, 5, 26), [("transmit_overdue", TRANSMIT_DUE)]),
    ("transmitted", dt.date(2025, 5, 26), []),  # transmitted in time: that clock stopped
    ("in_progress", dt.date(2025, 7, 5), []),
    ("in_progress", dt.date(2025, 7, 6), [("reply_soon", REPLY_DUE)]),
    ("received", dt.date(2025, 7, 10), [("transmit_overdue", TRANSMIT_DUE),
                                        ("reply_overdue", REPLY_DUE)]),
    ("answered", dt.date(2025, 8, 1), []),
    ("not_competent", dt.date(2025, 8, 1), []),
])
def test_thresholds(session, admin, status, day, expected):
    service = CaseService(session, actor="test", clock=lambda: MAY_10)
    case = bring_to(service, service.file(new_case(admin)), status)
    assert [(due.threshold, due.due_on) for due in
            deadlines.thresholds_reached(case, day, warning_days=3)] == expected


def test_the_warning_is_configurable(session, admin):
    service = CaseService(session, actor="test", clock=lambda: MAY_10)
    case = service.file(new_case(admin))
    assert deadlines.thresholds_reached(case, dt.date(2025, 5, 15), warning_days=10) != []
    assert deadlines.thresholds_reached(case, dt.date(2025, 5, 15), warning_days=9) == []


# -- the console ----------------------------------------------------------------------------


def test_the_administrations_officers_and_the_supervisors_are_told_once(app, people):
    reference = file_case(app)
    assert check(app, dt.date(2025, 5, 21)) == {}
    assert check(app, dt.date(2025, 5, 22)) == {"transmit_soon": 1}
    assert check(app, dt.date(2025, 5, 23)) == {}  # the same threshold: not again
    expected = {"cnss": ["transmit_soon"], "nadia": ["transmit_soon"],
                "nomail": ["transmit_soon"]}
    assert notified(app, reference) == expected
    assert check(app, dt.date(2025, 5, 26)) == {"transmit_overdue": 1}
    assert check(app, dt.date(2025, 5, 27)) == {}
    assert notified(app, reference) == {name: ["transmit_soon", "transmit_overdue"]
                                        for name in expected}


def test_officers_of_the_administration_above_are_told_too(app, people):
    reference = file_case(app, code="120")  # the Budget, under Finance (106)
    check(app, dt.date(2025, 5, 26))
    assert set(notified(app, reference)) == {"budget", "finance", "nadia", "nomail"}


def test_a_reopened_case_is_alerted_again_for_its_new_dates(app, people):
    reference = file_case(app, status="answered")
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        CaseService(db.session, actor="ivr", clock=lambda: on(dt.date(2025, 6, 1))).reopen(case)
        db.session.commit()
        new_due = case.transmit_due_on
        db.session.remove()
    assert new_due > TRANSMIT_DUE
    assert check(app, new_due + dt.timedelta(days=1)) == {"transmit_overdue": 1}


def test_two_workers_at_once_alert_once(app, people):
    for _ in range(3):
        file_case(app)
    results, errors = run_together(app, 2, lambda index: deadlines.check(
        db.session, app.config, now=on(dt.date(2025, 5, 26))))
    assert errors == []
    assert sum(result["transmit_overdue"] for result in results) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count(DeadlineAlert.id))) == 3
        assert db.session.scalar(select(func.count(Notification.id))) == 3 * 3
        db.session.remove()


def test_the_unread_list_and_count(app, people, logged_in):
    reference = file_case(app)
    check(app, dt.date(2025, 5, 22))
    officer = logged_in(people["officer"])
    assert officer.get("/console/notifications/count").json == {"unread": 1}
    page = officer.get("/console/notifications")
    assert page.status_code == 200
    assert reference in page.text and "Transmission bientôt due" in page.text
    assert "22/05/2025" not in page.text and "25/05/2025" in page.text
    assert "Fatima" not in page.text and "AB123456" not in page.text
    # the link opens the case on the officer's own page (the agents' one refuses them)
    link = f'href="/console/officer/cases/{reference}"'
    assert link in page.text
    assert officer.get(f"/console/officer/cases/{reference}").status_code == 200
    assert officer.post("/console/notifications/read").status_code == 302
    assert officer.get("/console/notifications/count").json == {"unread": 0}
    # Another's notifications stay unread; an officer of another administration has none.
    boss = logged_in(people["supervisor"])
    assert boss.get("/console/notifications/count").json == {"unread": 1}
    assert f'href="/console/cases/{reference}"' in boss.get("/console/notifications").text
    other = logged_in(people["other_officer"])
    assert other.get("/console/notifications/count").json == {"unread": 0}
    assert reference not in other.get("/console/notifications").text


def test_agents_have_no_notifications_page(app, people, logged_in, client):
    agent = logged_in(people["agent"])
    assert agent.get("/console/notifications").status_code == 403
    assert agent.post("/console/notifications/read").status_code == 403
    assert client.get("/console/notifications/count").status_code in (302, 401)


def test_marking_read_needs_the_csrf_token(app, people, logged_in, config):
    config(WTF_CSRF_ENABLED=True)
    file_case(app)
    check(app, dt.date(2025, 5, 22))
    officer = logged_in_with_csrf(app, people["officer"])
    assert officer.post("/console/notifications/read").status_code == 400
    assert officer.get("/console/notifications/count").json == {"unread": 1}


def logged_in_with_csrf(app, user):
    import re

    from tests.console.conftest import PASSWORD
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/console/login").text).group(1)
    response = client.post("/console/login", data={"username": user.username,
                                                   "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def test_the_alert_is_pushed_to_each_users_own_room(app, people, logged_in, socket_client):
    officer = socket_client(logged_in(people["officer"]))
    other = socket_client(logged_in(people["other_officer"]))
    boss = socket_client(logged_in(people["supervisor"]))
    for client in (officer, other, boss):
        assert client.is_connected()
        client.get_received()
    reference = file_case(app)
    check(app, dt.date(2025, 5, 26))

    def heard(client):
        return [event["args"][0] for event in client.get_received()
                if event["name"] == deadlines.EVENT]
    assert heard(officer) == [{"reference": reference, "threshold": "transmit_overdue",
                               "due_on": "2025-05-25", "unread": 1}]
    assert heard(boss) == [{"reference": reference, "threshold": "transmit_overdue",
                            "due_on": "2025-05-25", "unread": 1}]
    assert heard(other) == []


# -- e-mail ---------------------------------------------------------------------------------


def test_each_alert_is_mailed_once_to_each_person_with_an_address(app, people, smtp):
    reference = file_case(app)
    check(app, dt.date(2025, 5, 22))
    check(app, dt.date(2025, 5, 23))
    run_pending(app)
    run_pending(app)
    sent = {tuple(to): message for to, message in smtp.messages}
    assert sorted(sent) == [("cnss@example.test",), ("nadia@example.test",)]
    mail = sent[("cnss@example.test",)]
    assert mail["Subject"] == f"Dossier {reference} : à transmettre au plus tard le 25/05/2025"
    body = mail.get_content()
    assert f"https://ivr.example.test/console/officer/cases/{reference}" in body  # an officer's
    assert "Administration : Caisse nationale de sécurité sociale" in body
    for secret in ("Fatima", "AB123456", "612345678", "Remboursement"):
        assert secret not in body and secret not in mail["Subject"]
    arabic = sent[("nadia@example.test",)]
    assert arabic["Subject"] == f"الملف {reference}: يجب إحالته قبل 25/05/2025"
    assert f"https://ivr.example.test/console/cases/{reference}" in arabic.get_content()
    check(app, dt.date(2025, 5, 26))
    run_pending(app)
    assert len(smtp.messages) == 4  # the overdue alert, once each


def test_a_person_deactivated_before_the_mail_goes_gets_none(app, people, smtp):
    file_case(app)
    check(app, dt.date(2025, 5, 22))
    with app.app_context():
        db.session.get(User, people["officer"].id).active = False
        db.session.commit()
        db.session.remove()
    run_pending(app)
    assert [tuple(to) for to, _message in smtp.messages] == [("nadia@example.test",)]


def test_no_mail_without_an_smtp_server(app, people, config):
    config(SMTP_HOST="")
    file_case(app)
    check(app, dt.date(2025, 5, 26))
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id)).where(
            Job.name == deadlines.MAIL_JOB)) == 0
        assert db.session.scalar(select(func.count(Notification.id))) == 3
        db.session.remove()


def test_an_smtp_server_down_is_tried_again(app, people, smtp, config):
    file_case(app)
    check(app, dt.date(2025, 5, 26))
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config(SMTP_PORT=closed_port)
    run_pending(app)
    with app.app_context():
        states = db.session.scalars(select(Job.state).where(
            Job.name == deadlines.MAIL_JOB)).all()
        assert [state.value for state in states] == ["pending", "pending"]
        db.session.remove()
    assert smtp.messages == []


def test_the_command_and_the_recurring_job(app, people):
    file_case(app)
    result = app.test_cli_runner().invoke(args=["deadlines", "run"])
    assert result.exit_code == 0, result.output
    assert "transmit_overdue: 1 new alerts" in result.output  # filed in May 2025
    assert "reply_overdue: 1 new alerts" in result.output
    from shared import schedule
    assert schedule.periods(app)[deadlines.JOB] == dt.timedelta(minutes=60)
