"""Full-text search over the text values in task data, with each database's own index.

Every word of the query must occur, the last one as a prefix (so results follow typing). Words are
letters and digits only, which keeps user input out of the FTS5 and tsquery syntaxes. Both ignore case;
SQLite's tokenizer also folds accents, PostgreSQL's 'simple' configuration does not.
"""

import re

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.orm import Session

from labelwise.store.models import Task

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 16
_SIMPLE = literal_column("'simple'::regconfig")


def index_new_tasks(session: Session, tasks: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Add freshly inserted tasks (id, data) to SQLite's FTS table; PostgreSQL's index needs nothing.

    Imports call this instead of a trigger: walking the JSON in Python costs a fraction of SQLite's
    json_tree, which made the trigger the largest part of a million-row import.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    rows = [{"id": task_id, "body": " ".join(_strings(data))} for task_id, data in tasks]
    if rows:
        session.execute(text("INSERT INTO tasks_fts (rowid, body) VALUES (:id, :body)"), rows)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def words(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:MAX_WORDS]


def matches(session: Session, query: str) -> ColumnElement[bool]:
    """A WHERE clause on `tasks` for `query`; an empty query (no words) matches nothing."""
    terms = words(query)
    if not terms:
        return literal_column("1") == literal_column("0")
    if session.get_bind().dialect.name == "sqlite":
        expression = " ".join(f'"{term}"' for term in terms[:-1]) + f' "{terms[-1]}"*'
        hits = select(literal_column("rowid")).select_from(text("tasks_fts")).where(
            text("tasks_fts MATCH :fts_query").bindparams(fts_query=expression.strip())
        )
        return Task.id.in_(hits)
    tsquery = " & ".join(terms[:-1] + [f"{terms[-1]}:*"])
    # Spelled exactly as in the index (migration 0004) so PostgreSQL uses it.
    vector = func.jsonb_to_tsvector(_SIMPLE, Task.data, literal_column("'[\"string\"]'::jsonb"))
    return vector.op("@@")(func.to_tsquery(_SIMPLE, tsquery))
