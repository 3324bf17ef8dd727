"""Bulk INSERT that also hands back the new primary keys, in the order of the rows, fast on both databases.

PostgreSQL answers with `RETURNING` for the whole batch. SQLite would run one INSERT per row to keep
RETURNING in order (most of a 100k-row import's time); there one executemany inserts the batch and,
because the open write transaction holds SQLite's only write lock, the new rowids are exactly the ones
after the previous maximum, read back by primary-key range.

`insert_values` goes further for imports: rows arrive as tuples the driver takes as they are (no
SQLAlchemy type processing per value), and PostgreSQL loads them with COPY.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Table, func, insert, select
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


def insert_values(session: Session, table: Table, columns: Sequence[str], rows: list[tuple]) -> list[int]:
    """INSERT `rows` (tuples in `columns` order, values as the driver takes them: JSON already text, see
    `driver_value`) and return their new ids in order; no SQLAlchemy type processing per value.

    PostgreSQL takes the ids from the table's sequence first and loads the rows with COPY; SQLite runs one
    executemany and reads the ids back as `insert_with_ids` does.
    """
    if not rows:
        return []
    connection = session.connection()
    name = table.name
    if connection.dialect.name != "sqlite":
        ids = [row[0] for row in connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) FROM generate_series(1, %(n)s)",
            {"table": name, "n": len(rows)})]
        ids.sort()
        copy_values(session, table, ("id", *columns), [(task_id, *row) for task_id, row in zip(ids, rows)])
        return ids
    before = connection.exec_driver_sql(f"SELECT max(id) FROM {name}").scalar() or 0
    insert_values_only(session, table, columns, rows)
    ids = [row[0] for row in connection.exec_driver_sql(
        f"SELECT id FROM {name} WHERE id > ? ORDER BY id LIMIT ?", (before, len(rows) + 1))]
    if len(ids) != len(rows):  # impossible while this transaction holds the write lock
        raise RuntimeError(f"expected {len(rows)} new rows in {name}, found {len(ids)}")
    return ids


def insert_values_only(session: Session, table: Table | str, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT `rows` as `insert_values` does, without reading ids back (COPY on PostgreSQL)."""
    if not rows:
        return
    connection = session.connection()
    name = table if isinstance(table, str) else table.name
    if connection.dialect.name != "sqlite":
        copy_values(session, table, columns, rows)
        return
    marks = ", ".join("?" * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)


def copy_values(session: Session, table: Table | str, columns: Sequence[str], rows: list[tuple]) -> None:
    """PostgreSQL's COPY FROM STDIN on the session's own connection (inside its transaction)."""
    name = table if isinstance(table, str) else table.name
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def driver_value(session: Session, column: Column, value: Any) -> Any:
    """`value` as SQLAlchemy would hand it to the driver for `column` (e.g. a datetime as SQLite's text)."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value
