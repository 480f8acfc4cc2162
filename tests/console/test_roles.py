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
# The rule of each path above that is not its own rule.
RULES = {"/console/calls/CA00000000000000000000000000000000": "/console/calls/<call_sid>",
         **{f"{DEV_CALL}/{action}": f"/console/devphone/calls/<sid>/{action}"
            for action in ("keys", "silence", "recording", "poll", "hangup")}}


def test_every_console_route_is_listed_here(app):
    """A new console route must be added to these tests (or to PUBLIC_ROUTES)."""
    public = {"/console/login", "/console/language", "/console/logout",
              "/console/static/<path:filename>"}
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console")}
    assert rules - public == {RULES.get(path, path)
                              for _, path, _ in AGENT_ROUTES + DEVPHONE_ROUTES}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", AGENT_ROUTES)
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
    assert response.status_code in ((404,) if path in RULES else (200, 303))


@pytest.mark.parametrize("method, path, form", AGENT_ROUTES + DEVPHONE_ROUTES)
def test_nobody_gets_in_without_a_login(client, method, path, form):
    response = getattr(client, method)(path, data=form)
    assert response.status_code == (302 if method == "get" else 401)


def test_logout_needs_a_login(client):
    assert client.post("/console/logout").status_code == 401
