"""The supervisors' figures pages show the figures of the known data set, draw their charts
from data attributes, export every table as CSV (formula-safe), refuse a bad range with a
400, and are right to left in Arabic."""
import csv
import html
import io
import json
import re

import pytest

from console.csv_export import csv_text
from console.csv_export import safe_cell
from shared.extensions import db
from shared.types import Role
from tests.support.figures_data import add_agents

CALLS = "/console/figures/calls?start=2026-11-02&end=2026-11-04"
CASES = "/console/figures/cases?start=2026-11-01&end=2026-12-31"


@pytest.fixture()
def boss(make_user, logged_in):
    return logged_in(make_user("boss", Role.SUPERVISOR))


def kpis(text: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="kpi" data-kpi="(\w+)">([^<]*)<', text))


def tables(text: str) -> set[str]:
    return set(re.findall(r'data-testid="figures-table" data-table="(\w+)"', text))


def charts(text: str) -> list[dict]:
    return [json.loads(html.unescape(found)) for found in re.findall(r'data-chart="([^"]*)"', text)]


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_call_figures_page(known_data, boss):
    response = boss.get(CALLS)
    assert response.status_code == 200
    assert kpis(response.text) == {
        "calls_offered": "6", "calls_ivr_only": "1", "calls_to_agents": "4",
        "answered_within_20s_percent": "25.0", "answered_within_60s_percent": "50.0",
        "calls_abandoned": "2", "average_handling_seconds": "255.0",
        "call_satisfaction": "66.67"}
    assert tables(response.text) == {"calls", "hour", "day", "agent", "language", "step"}
    hours = charts(response.text)[0]
    assert hours["labels"] == ["00:00", "09:00", "10:00", "11:00"]
    assert hours["series"][0]["data"] == [1, 2, 2, 1]


def test_the_case_figures_page(known_data, boss):
    response = boss.get(CASES)
    assert kpis(response.text) == {
        "cases_received": "5", "cases_processed_percent": "40.0", "cases_in_progress": "3",
        "cases_reopened": "2", "average_days_to_answer": "11.8", "satisfaction": "50.0"}
    kinds = response.text.split('data-table="kind"')[1]
    assert "Département ministériel" in kinds and "Établissement ou entreprise publique" in kinds
    assert tables(response.text) == {"month", "administration", "kind"}
    assert charts(response.text)[0]["labels"] == ["2026-11", "2026-12"]


def test_every_call_table_exports_as_csv(known_data, boss):
    response = boss.get(CALLS + "&format=csv&table=agent")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response.text)
    assert rows[0][:3] == ["Agent", "Appels présentés", "Traités par le serveur vocal seul"]
    assert [row[0] for row in rows[1:]] == ["Amal", "Badr"]
    assert rows[1][4] == "2"  # Amal answered two calls
    for table in ("calls", "hour", "day", "language", "step"):
        assert boss.get(CALLS + f"&format=csv&table={table}").status_code == 200


def test_the_case_tables_export_as_csv(known_data, boss):
    rows = rows_of(boss.get(CASES + "&format=csv&table=kind").text)
    assert rows[0][:3] == ["Mois", "Type d’administration", "Réclamations reçues"]
    assert ["2026-11", "Département ministériel", "2", "2", "100.0"] == rows[1][:5]
    months = rows_of(boss.get(CASES + "&format=csv&table=month").text)
    assert [row[0] for row in months[1:]] == ["2026-11", "2026-12"]


def test_a_name_that_looks_like_a_formula_stays_text_in_csv(app, boss):
    with app.app_context():
        amal, _badr = add_agents(db.session)
        amal.display_name = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
        db.session.remove()
    rows = rows_of(boss.get("/console/board?format=csv&table=agents").text)
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")"


@pytest.mark.parametrize("value, cell", [("=1+1", "'=1+1"), ("+212", "'+212"), ("-2", "'-2"),
                                         ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
                                         ("Rabat", "Rabat"), (-2, "-2"), (None, "")])
def test_cells_are_formula_safe(value, cell):
    assert safe_cell(value) == cell
    assert rows_of(csv_text(["h"], [[value]]))[1] == [cell]


@pytest.mark.parametrize("query", ["start=2026-13-01", "start=2026-11-05&end=2026-11-01",
                                   "start=2020-01-01&end=2026-11-01", "format=csv&table=nope"])
def test_a_bad_request_is_refused_with_a_reason(boss, query):
    response = boss.get(f"/console/figures/calls?{query}")
    assert response.status_code == 400
    assert response.text


def test_the_figures_are_right_to_left_in_arabic(known_data, boss):
    boss.post("/console/language", data={"language": "ar"})
    for path in (CALLS, CASES, "/console/board"):
        assert '<html lang="ar" dir="rtl">' in boss.get(path).text
    assert "أرقام الشكايات" in boss.get(CASES).text
