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
]
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
         "/console/officer/cases/1234567890": "/console/officer/cases/<reference>",
         "/console/officer/cases/1234567890/start": "/console/officer/cases/<reference>/<move>",
         "/console/officer/templates/999999/delete":
         "/console/officer/templates/<int:template_id>/delete"}
# Every console route of an administration's officer.
OFFICER_ROUTES = [
    ("get", "/console/officer/", None),
    ("get", "/console/officer/cases/1234567890", None),
    ("post", "/console/officer/cases/1234567890/start", {}),
    ("get", "/console/officer/templates", None),
    ("post", "/console/officer/templates", {"language": "fr", "title": "t", "body": "b"}),
    ("post", "/console/officer/templates/999999/delete", {}),
]


def test_every_console_route_is_listed_here(app):
    """A new console route must be added to these tests (or to PUBLIC_ROUTES)."""
    public = {"/console/login", "/console/language", "/console/logout",
              "/console/static/<path:filename>"}
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/console")}
    assert rules - public == {RULES.get(path, path)
                              for _, path, _ in AGENT_ROUTES + OFFICER_ROUTES}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", AGENT_ROUTES)
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
    assert response.status_code in ((404,) if path in RULES else (200, 303))


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
@pytest.mark.parametrize("method, path, form", OFFICER_ROUTES)
def test_only_officers_open_the_officers_pages(make_user, logged_in, role, method, path, form):
    response = getattr(logged_in(make_user("someone", role)), method)(path, data=form)
    assert response.status_code == 403
    assert "Accès refusé" in response.text


@pytest.mark.parametrize("method, path, form", OFFICER_ROUTES)
def test_officers_are_let_in(make_user, logged_in, officer_admin_id, method, path, form):
    officer = make_user("someone", Role.OFFICER, administration_id=officer_admin_id)
    response = getattr(logged_in(officer), method)(path, data=form)
    assert response.status_code in ((404,) if path in RULES else (200, 303))


@pytest.mark.parametrize("method, path, form", AGENT_ROUTES + OFFICER_ROUTES)
def test_nobody_gets_in_without_a_login(client, method, path, form):
    response = getattr(client, method)(path, data=form)
    assert response.status_code == (302 if method == "get" else 401)


def test_logout_needs_a_login(client):
    assert client.post("/console/logout").status_code == 401
