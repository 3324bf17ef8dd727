"""Bulk INSERT that also hands back the new primary keys, in the order of the rows, fast on both databases.

PostgreSQL answers with `RETURNING` for the whole batch. SQLite would run one INSERT per row to keep
RETURNING in order (most of a 100k-row import's time); there one executemany inserts the batch and,
because the open write transaction holds SQLite's only write lock, the new rowids are exactly the ones
after the previous maximum, read back by primary-key range.
"""

from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session


def insert_with_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    key = table.c.id
    if session.get_bind().dialect.name != "sqlite":
        return list(session.scalars(insert(table).returning(key, sort_by_parameter_order=True), rows))
    before = session.scalar(select(func.max(key))) or 0
    session.execute(insert(table), rows)
    ids = list(session.scalars(select(key).where(key > before).order_by(key).limit(len(rows) + 1)))
    if len(ids) != len(rows):  # impossible while this transaction holds the write lock
        raise RuntimeError(f"expected {len(rows)} new rows in {table.name}, found {len(ids)}")
    return ids
