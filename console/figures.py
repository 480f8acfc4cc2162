"""The supervisors' figures pages: the call centre's and the cases', over a range of local
dates, as tables, charts and CSV files (`?format=csv&table=<name>`)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import get_locale

from shared.extensions import db
from shared.figures.calls import COLUMNS as CALL_KEYS
from shared.figures.calls import call_figures
from shared.figures.cases import COLUMNS as CASE_KEYS
from shared.figures.cases import case_figures
from shared.figures.periods import DateRange
from shared.figures.periods import InvalidRange
from shared.figures.periods import parse_range
from shared.models import utcnow

from . import bp
from .auth import role_required
from .board import BOARD_ROLES
from .csv_export import csv_response
from .figure_labels import ADMINISTRATION_KINDS
from .figure_labels import CALL_COLUMNS
from .figure_labels import CASE_COLUMNS
from .figure_labels import GROUPS
from .labels import language_names


def asked_range(default_days: int) -> DateRange:
    """The range of the query string (start, end: YYYY-MM-DD, local dates), or a 400."""
    timezone = current_app.config["TIMEZONE"]
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    try:
        return parse_range(request.args.get("start"), request.args.get("end"), timezone, today,
                           default_days)
    except InvalidRange as error:
        abort(400, str(error))


def table(group: str, rows: dict, keys: list[str], columns: dict, label=str) -> dict:
    """One table of a page (and its CSV): its group's heading, its rows' names, the figures."""
    return {"name": group, "groups": [GROUPS[group]], "keys": keys,
            "headings": [columns[key] for key in keys],
            "rows": [([label(name)], [row[key] for key in keys]) for name, row in rows.items()]}


def answer(template: str, filename: str, tables: list[dict], **context):
    """The page, or one of its tables as CSV (table=<name>)."""
    if request.args.get("format") == "csv":
        wanted = request.args.get("table", tables[0]["name"])
        found = next((t for t in tables if t["name"] == wanted), None)
        if found is None:
            abort(400, "table: one of " + ", ".join(t["name"] for t in tables))
        return csv_response(f"{filename}-{found['name']}.csv",
                            [*found["groups"], *found["headings"]],
                            [[*names, *values] for names, values in found["rows"]])
    return render_template(template, tables={t["name"]: t for t in tables}, **context)


@bp.get("/figures/calls")
@role_required(*BOARD_ROLES)
def call_figures_page():
    period = asked_range(default_days=7)
    figures = call_figures(db.session, period)
    db.session.rollback()
    languages = language_names()
    tables = [
        table("calls", {GROUPS["calls"]: figures.total}, CALL_KEYS, CALL_COLUMNS),
        table("hour", figures.by_hour, CALL_KEYS, CALL_COLUMNS),
        table("day", figures.by_day, CALL_KEYS, CALL_COLUMNS),
        table("agent", figures.by_agent, CALL_KEYS, CALL_COLUMNS),
        table("language", figures.by_language, CALL_KEYS, CALL_COLUMNS,
              label=lambda code: languages.get(code, code)),
        {"name": "step", "groups": [GROUPS["step"]], "keys": ["abandoned"],
         "headings": [CALL_COLUMNS["abandoned"]],
         "rows": [([step], [count]) for step, count in figures.abandoned_at.items()]},
    ]
    charts = {
        "hour": chart(figures.by_hour, ["offered", "to_agents", "abandoned"], CALL_COLUMNS),
        "day": chart(figures.by_day, ["offered", "answered_within_20s", "abandoned"],
                     CALL_COLUMNS, kind="line"),
    }
    return answer("console/supervisor/figures_calls.html", "calls", tables, period=period,
                  total=figures.total, charts=charts)


@bp.get("/figures/cases")
@role_required(*BOARD_ROLES)
def case_figures_page():
    period = asked_range(default_days=365)
    figures = case_figures(db.session, period, str(get_locale() or "fr"))
    db.session.rollback()
    tables = [
        table("month", figures.by_month, CASE_KEYS, CASE_COLUMNS),
        by_month_and("administration", figures.by_administration, str),
        by_month_and("kind", figures.by_kind, lambda kind: ADMINISTRATION_KINDS.get(kind, kind)),
    ]
    charts = {"month": chart(figures.by_month, ["received", "processed", "reopened"],
                             CASE_COLUMNS)}
    return answer("console/supervisor/figures_cases.html", "cases", tables, period=period,
                  total=figures.total, charts=charts)


def by_month_and(group: str, rows: dict, label) -> dict:
    """A table of (month, group) rows: the month is its first column."""
    found = table(group, {}, CASE_KEYS, CASE_COLUMNS)
    found["groups"] = [GROUPS["month"], GROUPS[group]]
    found["rows"] = [([month, label(name)], [row[key] for key in CASE_KEYS])
                     for (month, name), row in rows.items()]
    return found


def chart(rows: dict, keys: list[str], columns: dict, kind: str = "bar") -> dict:
    """What console/static/charts.js draws (a data attribute: no inline script)."""
    return {"type": kind, "labels": list(rows),
            "series": [{"label": str(columns[key]), "data": [row[key] for row in rows.values()]}
                       for key in keys]}
