"""SQL pieces that let the figures be counted by the database (GROUP BY), the same on SQLite
and PostgreSQL: an instant's local day or hour, its interval among given instants (the local
months), and the seconds between two instants.

Local time is computed from the UTC offsets that Python's zoneinfo gives over the range
(a CASE over the offset changes inside it), not from the database's own time-zone data: the
figures then cut days exactly where the rest of the line does (periods.py), whatever
tzdata the database has, and SQLite, which has none, counts the same as PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Integer
from sqlalchemy import case
from sqlalchemy import literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Float

DAY = dt.timedelta(days=1)
EPOCH = dt.date(1970, 1, 1)
UNITS = ("day", "hour")


def _offset(moment: dt.datetime, timezone: ZoneInfo) -> int:
    return int(moment.astimezone(timezone).utcoffset().total_seconds())


def offset_changes(first: dt.datetime, after: dt.datetime,
                   timezone: ZoneInfo) -> tuple[int, list[tuple[dt.datetime, int]]]:
    """The UTC offset (seconds) at `first`, and each change up to `after`: (the UTC instant
    it takes effect, the new offset). Day by day, then to the second by bisection (zones
    change their offset at most a few times a year, never twice in a day)."""
    start = current = _offset(first, timezone)
    changes, low = [], first
    while low < after:
        high = min(low + DAY, after)
        if _offset(high, timezone) == current:
            low = high
            continue
        while high - low > dt.timedelta(seconds=1):  # offset(low) == current != offset(high)
            middle = low + dt.timedelta(seconds=(high - low).total_seconds() // 2)
            low, high = (middle, high) if _offset(middle, timezone) == current else (low, middle)
        current = _offset(high, timezone)
        changes.append((high, current))
        low = high
    return start, changes


def by_interval(column, edges: list[dt.datetime], values: list[int]):
    """values[i] for a `column` in the i-th interval between `edges` (ascending UTC
    instants): values[0] before the first edge, values[-1] from the last one."""
    if len(values) != len(edges) + 1:
        raise ValueError("one value more than edges")
    if not edges:
        return literal(values[0], Integer)
    return case(*((column < edge, literal(value, Integer)) for edge, value in zip(edges, values)),
                else_=literal(values[-1], Integer))


def utc_offset(column, first: dt.datetime, after: dt.datetime, timezone: ZoneInfo):
    """The SQL expression of `column`'s UTC offset in seconds, for instants in [first, after)."""
    start, changes = offset_changes(first, after, timezone)
    return by_interval(column, [moment for moment, _ in changes],
                       [start, *(offset for _, offset in changes)])


def bucket(column, edges: list[dt.datetime]):
    """The index of the interval between `edges` (ascending UTC instants) that `column`
    falls in: 0 before the first edge, len(edges) from the last one."""
    return by_interval(column, edges, list(range(len(edges) + 1)))


class local_part(FunctionElement):
    """The local day (days since 1970-01-01) or hour of the day (0-23) of a UTC instant,
    given its offset in seconds, as an integer: local_part(column, offset, "day").
    Integer arithmetic on the epoch: a third of the cost of formatting each date as text."""
    type = Integer()
    inherit_cache = True

    def __init__(self, column, offset, unit: str):
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}")
        self.unit = unit
        super().__init__(column, offset)



@compiles(local_part, "sqlite")
def _local_part_sqlite(element, compiler, **kw):
    column, offset = (compiler.process(clause, **kw) for clause in element.clauses)
    seconds = f"CAST(strftime('%s', {column}) AS INTEGER) + ({offset})"
    return {"day": f"({seconds}) / 86400", "hour": f"(({seconds}) % 86400) / 3600"}[element.unit]


# Integer divisions. PostgreSQL's modulo as mod() ('%' is a placeholder to its driver),
# SQLite's as '%' (its mod() is a float one).
@compiles(local_part, "postgresql")
def _local_part_postgresql(element, compiler, **kw):
    column, offset = (compiler.process(clause, **kw) for clause in element.clauses)
    seconds = f"CAST(floor(date_part('epoch', {column})) AS BIGINT) + ({offset})"
    return {"day": f"({seconds}) / 86400", "hour": f"mod({seconds}, 86400) / 3600"}[element.unit]


def day_of(number: int) -> dt.date:
    """The date of a local day number of local_part."""
    return EPOCH + dt.timedelta(days=number)


class seconds_between(FunctionElement):
    """`later` - `earlier` (columns of UTC instants) in seconds, to the millisecond on
    SQLite; NULL when either is."""
    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    # julianday is a double of days: rounded to the millisecond so 60 s stay 60 s
    return f"round((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    # date_part() is a double (extract() a numeric: slower, and a Decimal in Python)
    return f"date_part('epoch', {later} - {earlier})"


def flag(condition) -> ColumnElement:
    """1 where `condition` holds, else 0: summed, the count of rows where it holds."""
    return case((condition, 1), else_=0)
