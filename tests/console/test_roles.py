"""Roles are checked on the server for every console route: officers and admins are refused
the agent's page and its forms (403), and nobody gets in without a login."""
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
]
# Every route of the admins' screens (users, administrations, opening hours): admins alone.
# 999999 is the id of no user nor administration (404 once let in).
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
]
ADMIN_RULES = {
    "/console/admin/users/999999": "/console/admin/users/<int:user_id>",
    "/console/admin/users/999999/role": "/console/admin/users/<int:user_id>/role",
    "/console/admin/users/999999/deactivate": "/console/admin/users/<int:user_id>/deactivate",
    "/console/admin/users/999999/reactivate": "/console/admin/users/<int:user_id>/reactivate",
    "/console/admin/users/999999/password": "/console/admin/users/<int:user_id>/password",
    "/console/admin/administrations?q=cnss": "/console/admin/administrations",
    "/console/admin/administrations/999999": "/console/admin/administrations/<int:admin_id>",
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
         "/console/administrations?q=cnss": "/console/administrations",
         "/console/filed/0000000000": "/console/filed/<reference>",
         "/console/filed/0000000000/sms": "/console/filed/<reference>/sms",
         "/console/filed/0000000000/readback": "/console/filed/<reference>/readback"}
# Paths of RULES that are let in (the rule has no variable: only a query string).
LET_IN = {"/console/administrations?q=cnss"}


def test_every_console_route_is_listed_here(app):
    """A new console route must be added to these tests (or to PUBLIC_ROUTES)."""
    public = {"/console/login", "/console/language", "/console/logout",
              "/console/static/<path:filename>"}
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console")}
    assert rules - public == {RULES.get(path, path)
                              for _, path, _ in AGENT_ROUTES + AGENT_ONLY_ROUTES} | {
        ADMIN_RULES.get(path, path) for _, path, _ in ADMIN_ROUTES}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", AGENT_ROUTES + AGENT_ONLY_ROUTES)
def test_other_roles_are_refused(make_user, logged_in, officer_admin_id, role, method, path,
                                 form):
    user = make_user("someone", role, administration_id=officer_admin_id)
    response = getattr(logged_in(user), method)(path, data=form)
    assert response.status_code == 403
    assert "Accès refusé" in response.text


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


@pytest.mark.parametrize("method, path, form", AGENT_ROUTES + AGENT_ONLY_ROUTES)
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
