"""Keep the query planner's statistics fresh after bulk writes.

Right after a large import PostgreSQL has no statistics for the new rows and picks plans that read every
task of the project (a search took 1.1 s instead of 4 ms at 100k tasks until ANALYZE ran). ANALYZE samples
a bounded number of rows, so this costs well under a second at any size.

SQLite is left alone: without statistics its planner already picks the right indexes here, while a
sampled ANALYZE (analysis_limit) misjudged `project_id` as selective and slowed the status filters from
3 ms to 180 ms at a million tasks, and a full one takes seconds.
"""

from sqlalchemy.orm import Session

BULK_ROWS = 1000


def refresh_after_bulk_write(session: Session, rows: int) -> None:
    """Refresh the tasks table's statistics when `rows` is large enough to change query plans."""
    if rows < BULK_ROWS or session.get_bind().dialect.name == "sqlite":
        return
    with session.get_bind().connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE tasks")
