"""Full-text search over the text values in task data, with each database's own index, scoped to a project.

Every word of the query must occur, the last one as a prefix (so results follow typing). Words are
letters and digits only, which keeps user input out of the FTS5 and tsquery syntaxes. Both ignore case;
SQLite's tokenizer also folds accents, PostgreSQL's 'simple' configuration does not.

The project is part of the index, so the lookup itself is scoped to it (migration 0025). SQLite's FTS5
table has a `project` column holding the project id and a `body` column with the text; the query names
both columns, and `ordered` lets the FTS5 table drive a listing in id order (the first page of a word in
a third of a million tasks reads about a hundred index entries, not all of them). PostgreSQL's GIN index
covers the project id as a weight-A lexeme next to the text's weight-D lexemes; query words ask for
weight D, so text can never match the project lexeme.
"""

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, Text, cast, column, func, literal, literal_column, select, table
from sqlalchemy.orm import Session

from labelwise.store.models import Task

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 16
_SIMPLE = literal_column("'simple'::regconfig")
FTS = table("tasks_fts", column("rowid", Integer), column("tasks_fts"))


def index_new_tasks(session: Session, project_id: int, tasks: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Add freshly inserted tasks (id, data) to SQLite's FTS table; PostgreSQL's index needs nothing.

    Imports call this instead of a trigger: walking the JSON in Python costs a fraction of SQLite's
    json_tree, which made the trigger the largest part of a million-row import.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    project = str(project_id)
    rows = [(task_id, project, " ".join(_strings(data))) for task_id, data in tasks]
    if rows:
        connection.exec_driver_sql("INSERT INTO tasks_fts (rowid, project, body) VALUES (?, ?, ?)", rows)


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


def fts_query(project_id: int, query: str) -> str:
    """SQLite FTS5 MATCH text: this project's rows whose body holds every word (the last as a prefix)."""
    terms = words(query)
    phrase = " ".join(f'"{term}"' for term in terms[:-1]) + f' "{terms[-1]}"*'
    return f'project : "{int(project_id)}" AND body : ({phrase.strip()})'


def matches(session: Session, project_id: int, query: str) -> ColumnElement[bool]:
    """A WHERE clause on `tasks` for `query` in project `project_id`; a query with no words matches nothing."""
    if not words(query):
        return literal_column("1") == literal_column("0")
    if session.get_bind().dialect.name == "sqlite":
        return Task.id.in_(select(FTS.c.rowid).where(fts_match(project_id, query)))
    return pg_vector(Task.project_id, Task.data).op("@@")(func.to_tsquery(_SIMPLE, pg_tsquery(project_id, query)))


def fts_match(project_id: int, query: str) -> ColumnElement[bool]:
    return FTS.c.tasks_fts.op("MATCH")(literal(fts_query(project_id, query)))


def pg_vector(project_id, data):
    """The indexed tsvector, spelled exactly as in migration 0025 so that PostgreSQL uses the index."""
    project = func.setweight(func.to_tsvector(_SIMPLE, cast(project_id, Text)),
                             literal_column("'A'"))
    return project.op("||")(func.jsonb_to_tsvector(_SIMPLE, data, literal_column("'[\"string\"]'::jsonb")))


def pg_tsquery(project_id: int, query: str) -> str:
    terms = words(query)
    return " & ".join([f"{int(project_id)}:A"] + [f"{term}:D" for term in terms[:-1]] + [f"{terms[-1]}:*D"])


def ordered(session: Session) -> bool:
    """Whether listings in id order should be driven by the FTS table (`FTS`, joined on rowid)."""
    return session.get_bind().dialect.name == "sqlite"
