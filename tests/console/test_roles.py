"""Roles are checked on the server for every console route: officers and admins are refused
the agent's page and its forms (403), agents, supervisors and admins the officers' pages
(403), and nobody gets in without a login."""
import pytest

from shared.types import Role

# Every console route that needs an agent or a supervisor: (method, path, form); a path
# for a rule with a variable names something that does not exist (404 once let in).
AGENT_ROUTES = [
    ("get", "/console/", None),
    ("post", "/console/state", {"state": "available"}),
    ("get", "/console/calls/CA00000000000000000000000000000000", None),
    ("post", "/console/lookup", {"query": "0612345678"}),
    ("get", "/console/cases/1234567890", None),
    ("post", "/console/cases/1234567890/rate", {"rating": "4"}),
    ("post", "/console/cases/1234567890/reopen", {"reason": "not convinced"}),
    ("post", "/console/cases/1234567890/information", {"information": "more"}),
    ("post", "/console/calls/CA00000000000000000000000000000000/wrapup", {"disposition": "filed"}),
    ("post", "/console/calls/CA00000000000000000000000000000000/wrapup/start", {}),
    ("get", "/console/queue", None),
    ("get", "/console/voicemails/0000000000/recording", None),
    ("get", "/console/cases/new", None),
    ("get", "/console/administrations?q=cnss", None),
    ("post", "/console/cases", {"kind": "observation", "administration": "201",
                                "language": "fr", "description": "Accueil",
                                "filing_key": "roles-test-key-0123456789"}),
    ("get", "/console/filed/0000000000", None),
    ("post", "/console/filed/0000000000/sms", None),
    ("post", "/console/filed/0000000000/readback", {"then": "agent"}),
]
# Routes for agents alone: a supervisor watches the calls, does not take them.
AGENT_ONLY_ROUTES = [
    ("post", "/console/calls/CA00000000000000000000000000000000/claim", {}),
    ("post", "/console/callbacks/999999/call", {}),
]
# The dev phone's routes (outside production): agents, supervisors and admins train on it
# (tests/console/test_devphone.py lets them in); officers are refused.
DEV_CALL = "/console/devphone/calls/CA00000000000000000000000000000000"
DEVPHONE_ROUTES = [
    ("get", "/console/devphone/", None),
    ("post", "/console/devphone/calls", {"number": "+212612345678"}),
    *[("post", f"{DEV_CALL}/{action}", {"digits": "1"})
      for action in ("keys", "silence", "recording", "poll", "hangup")],
]
# The deadline notifications: officers and supervisors only (tests/console/test_deadlines.py).
NOTIFICATION_ROUTES = [
    ("get", "/console/notifications", None),
    ("get", "/console/notifications/count", None),
    ("post", "/console/notifications/read", {}),
]
# Routes for supervisors alone: the live board and the figures (with their CSV files).
SUPERVISOR_ROUTES = [
    ("get", "/console/board", None),
    ("get", "/console/board?format=csv&table=agents", None),
    ("get", "/console/figures/calls", None),
    ("get", "/console/figures/calls?format=csv&table=hour", None),
    ("get", "/console/figures/cases", None),
    ("get", "/console/figures/cases?format=csv&table=kind", None),
]
# Every route of the admins' screens (users, administrations and their answer templates,
# opening hours): admins alone. 999999 is the id of no user, administration nor template
# (404 once let in).
TEMPLATES = "/console/admin/administrations/999999/templates"
TEMPLATE_FORM = {"language": "fr", "title": "t", "body": "b"}
ADMIN_ROUTES = [
    ("get", "/console/admin/", None),
    ("get", "/console/admin/users", None),
    ("post", "/console/admin/users", {"username": "x"}),
    ("get", "/console/admin/users/999999", None),
    ("post", "/console/admin/users/999999/role", {"role": "agent"}),
    ("post", "/console/admin/users/999999/deactivate", {}),
    ("post", "/console/admin/users/999999/reactivate", {}),
    ("post", "/console/admin/users/999999/password", {"password": "a new password 3737"}),
    ("get", "/console/admin/administrations?q=cnss", None),
    ("get", "/console/admin/administrations/999999", None),
    ("post", "/console/admin/administrations/999999", {"code": "777"}),
    ("get", "/console/admin/hours", None),
    ("post", "/console/admin/hours", {"opening_hours": "mon-fri 08:00-18:00"}),
    ("post", "/console/admin/hours/week", {"mon-open": "y", "mon-ranges-0-start": "08:00",
                                           "mon-ranges-0-end": "18:00"}),
    ("get", TEMPLATES, None),
    ("post", TEMPLATES, TEMPLATE_FORM),
    ("get", f"{TEMPLATES}/999999", None),
    ("post", f"{TEMPLATES}/999999", TEMPLATE_FORM),
    ("post", f"{TEMPLATES}/999999/delete", {}),
]
ADMIN_RULES = {
    "/console/admin/users/999999": "/console/admin/users/<int:user_id>",
    "/console/admin/users/999999/role": "/console/admin/users/<int:user_id>/role",
    "/console/admin/users/999999/deactivate": "/console/admin/users/<int:user_id>/deactivate",
    "/console/admin/users/999999/reactivate": "/console/admin/users/<int:user_id>/reactivate",
    "/console/admin/users/999999/password": "/console/admin/users/<int:user_id>/password",
    "/console/admin/administrations?q=cnss": "/console/admin/administrations",
    "/console/admin/administrations/999999": "/console/admin/administrations/<int:admin_id>",
    TEMPLATES: "/console/admin/administrations/<int:admin_id>/templates",
    f"{TEMPLATES}/999999":
    "/console/admin/administrations/<int:admin_id>/templates/<int:template_id>",
    f"{TEMPLATES}/999999/delete":
    "/console/admin/administrations/<int:admin_id>/templates/<int:template_id>/delete",
}
# The rule of each path above that is not its own rule.
# (1234567890 is a valid reference, with its check digit, of no case.)
RULES = {"/console/calls/CA00000000000000000000000000000000": "/console/calls/<call_sid>",
         "/console/cases/1234567890": "/console/cases/<reference>",
         "/console/cases/1234567890/rate": "/console/cases/<reference>/rate",
         "/console/cases/1234567890/reopen": "/console/cases/<reference>/reopen",
         "/console/cases/1234567890/information": "/console/cases/<reference>/information",
         "/console/calls/CA00000000000000000000000000000000/wrapup":
         "/console/calls/<call_sid>/wrapup",
         "/console/calls/CA00000000000000000000000000000000/wrapup/start":
         "/console/calls/<call_sid>/wrapup/start",
         "/console/voicemails/0000000000/recording": "/console/voicemails/<reference>/recording",
         "/console/calls/CA00000000000000000000000000000000/claim":
             "/console/calls/<call_sid>/claim",
         "/console/callbacks/999999/call": "/console/callbacks/<int:callback_id>/call",
         "/console/administrations?q=cnss": "/console/administrations",
         "/console/filed/0000000000": "/console/filed/<reference>",
         "/console/filed/0000000000/sms": "/console/filed/<reference>/sms",
         "/console/filed/0000000000/readback": "/console/filed/<reference>/readback",
         **{f"{DEV_CALL}/{action}": f"/console/devphone/calls/<sid>/{action}"
            for action in ("keys", "silence", "recording", "poll", "hangup")},
         "/console/officer/cases/1234567890": "/console/officer/cases/<reference>",
         "/console/officer/cases/1234567890/start": "/console/officer/cases/<reference>/<move>",
         "/console/officer/templates/999999/delete":
         "/console/officer/templates/<int:template_id>/delete",
         "/console/board?format=csv&table=agents": "/console/board",
         "/console/figures/calls?format=csv&table=hour": "/console/figures/calls",
         "/console/figures/cases?format=csv&table=kind": "/console/figures/cases"}
# Paths of RULES that are let in (the rule has no variable: only a query string).
LET_IN = {"/console/administrations?q=cnss"}
# Every console route of an administration's officer.
OFFICER_ROUTES = [
    ("get", "/console/officer/", None),
    ("get", "/console/officer/cases/1234567890", None),
    ("post", "/console/officer/cases/1234567890/start", {}),
    ("get", "/console/officer/templates", None),
    ("post", "/console/officer/templates", {"language": "fr", "title": "t", "body": "b"}),
    ("post", "/console/officer/templates/999999/delete", {}),
]
# Every console route that needs a login, whoever may use it.
ALL_ROUTES = (AGENT_ROUTES + AGENT_ONLY_ROUTES + DEVPHONE_ROUTES + NOTIFICATION_ROUTES
              + OFFICER_ROUTES + SUPERVISOR_ROUTES)


def test_every_console_route_is_listed_here(app):
    """A new console route must be added to these tests (or to PUBLIC_ROUTES)."""
    public = {"/console/login", "/console/language", "/console/logout",
              "/console/static/<path:filename>"}
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console")}
    assert rules - public == {RULES.get(path, path)
                              for _, path, _ in ALL_ROUTES} | {
        ADMIN_RULES.get(path, path) for _, path, _ in ADMIN_ROUTES}



@pytest.mark.parametrize("role", [Role.AGENT, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", NOTIFICATION_ROUTES)
def test_notifications_are_refused_to_other_roles(make_user, logged_in, role, method, path,
                                                  form):
    response = getattr(logged_in(make_user("someone", role)), method)(path, data=form)
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR])
@pytest.mark.parametrize("method, path, form", NOTIFICATION_ROUTES)
def test_officers_and_supervisors_get_their_notifications(make_user, logged_in,
                                                          officer_admin_id, role, method,
                                                          path, form):
    user = make_user("someone", role, administration_id=officer_admin_id)
    response = getattr(logged_in(user), method)(path, data=form)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", AGENT_ROUTES + AGENT_ONLY_ROUTES)
def test_other_roles_are_refused(make_user, logged_in, officer_admin_id, role, method, path,
                                 form):
    user = make_user("someone", role, administration_id=officer_admin_id)
    response = getattr(logged_in(user), method)(path, data=form)
    assert response.status_code == 403
    assert "Accès refusé" in response.text


@pytest.mark.parametrize("method, path, form", DEVPHONE_ROUTES)
def test_officers_are_refused_the_dev_phone(make_user, logged_in, officer_admin_id, method,
                                            path, form):
    user = make_user("someone", Role.OFFICER, administration_id=officer_admin_id)
    assert getattr(logged_in(user), method)(path, data=form).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
@pytest.mark.parametrize("method, path, form", AGENT_ROUTES)
def test_agents_and_supervisors_are_let_in(make_user, logged_in, wrapup_timers, role, method,
                                           path, form):
    response = getattr(logged_in(make_user("someone", role)), method)(path, data=form)
    assert response.status_code in ((404,) if path in RULES and path not in LET_IN
                                    else (200, 303))


@pytest.mark.parametrize("method, path, form", AGENT_ONLY_ROUTES)
def test_supervisors_are_refused_what_only_agents_do(make_user, logged_in, method, path, form):
    response = getattr(logged_in(make_user("boss", Role.SUPERVISOR)), method)(path, data=form)
    assert response.status_code == 403


@pytest.mark.parametrize("method, path, form", AGENT_ONLY_ROUTES)
def test_agents_are_let_in_what_only_agents_do(make_user, logged_in, method, path, form):
    response = getattr(logged_in(make_user("someone", Role.AGENT)), method)(path, data=form)
    assert response.status_code == 303  # no such call: told so on the agent's page


@pytest.mark.parametrize("role", [Role.AGENT, Role.OFFICER, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", SUPERVISOR_ROUTES)
def test_only_supervisors_see_the_board_and_the_figures(make_user, logged_in, officer_admin_id,
                                                        role, method, path, form):
    user = make_user("someone", role, administration_id=officer_admin_id)
    response = getattr(logged_in(user), method)(path, data=form)
    assert response.status_code == 403
    assert "Accès refusé" in response.text


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", OFFICER_ROUTES)
def test_only_officers_open_the_officers_pages(make_user, logged_in, role, method, path, form):
    response = getattr(logged_in(make_user("someone", role)), method)(path, data=form)
    assert response.status_code == 403
    assert "Accès refusé" in response.text


@pytest.mark.parametrize("method, path, form", SUPERVISOR_ROUTES)
def test_supervisors_see_the_board_and_the_figures(make_user, logged_in, method, path, form):
    response = getattr(logged_in(make_user("boss", Role.SUPERVISOR)), method)(path, data=form)
    assert response.status_code == 200


@pytest.mark.parametrize("method, path, form", OFFICER_ROUTES)
def test_officers_are_let_in(make_user, logged_in, officer_admin_id, method, path, form):
    officer = make_user("someone", Role.OFFICER, administration_id=officer_admin_id)
    response = getattr(logged_in(officer), method)(path, data=form)
    assert response.status_code in ((404,) if path in RULES else (200, 303))


@pytest.mark.parametrize("method, path, form", ALL_ROUTES)
def test_nobody_gets_in_without_a_login(client, method, path, form):
    response = getattr(client, method)(path, data=form)
    assert response.status_code == (302 if method == "get" else 401)


def test_logout_needs_a_login(client):
    assert client.post("/console/logout").status_code == 401


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.OFFICER])
@pytest.mark.parametrize("method, path, form", ADMIN_ROUTES)
def test_only_admins_reach_the_admin_screens(make_user, logged_in, officer_admin_id, role,
                                             method, path, form):
    user = make_user("someone", role, administration_id=officer_admin_id
                     if role == Role.OFFICER else None)
    response = getattr(logged_in(user), method)(path, data=form)
    assert response.status_code == 403
    assert "Accès refusé" in response.text


@pytest.mark.parametrize("method, path, form", ADMIN_ROUTES)
def test_admins_reach_the_admin_screens(make_user, logged_in, method, path, form):
    response = getattr(logged_in(make_user("root", Role.ADMIN)), method)(path, data=form)
    expected = (404,) if path in ADMIN_RULES and "?" not in path else (200, 302, 303, 400)
    assert response.status_code in expected


@pytest.mark.parametrize("method, path, form", ADMIN_ROUTES)
def test_nobody_reaches_the_admin_screens_without_a_login(client, method, path, form):
    response = getattr(client, method)(path, data=form)
    assert response.status_code == (302 if method == "get" else 401)
