"""INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL: a row that two transactions
may both create at once (a caller's first calls, a day's counter) is written once, never
an IntegrityError for the slower one."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert(session: Session, model, values: dict, conflict_on: list[str], update: dict):
    """Insert `values` into `model`'s table, or apply `update` to the row that has the same
    `conflict_on` columns (a unique constraint); returns the statement for .returning()."""
    dialect = session.get_bind().dialect.name
    try:
        insert = DIALECT_INSERTS[dialect]
    except KeyError:
        raise NotImplementedError(f"no upsert for {dialect}") from None
    return insert(model).values(**values).on_conflict_do_update(
        index_elements=conflict_on, set_=update)
