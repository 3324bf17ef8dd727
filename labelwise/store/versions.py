"""Column defaults that stamp a new row with its project's current schema or guidelines version.

Services on the hot path set the numbers themselves (the project is already loaded there); these
defaults cover every other writer (imports, pre-labels, label models) without a change to each, and
read the project once per statement, not once per row.
"""

from typing import Any, Callable

from sqlalchemy import text

_LOOKUPS = {
    # the row carries its project; annotation revisions and reviews reach it through their annotation
    "project": ("project_id", "SELECT {column} FROM projects WHERE id = :key"),
    "annotation": ("annotation_id", "SELECT p.{column} FROM annotations a JOIN projects p ON p.id = a.project_id "
                                    "WHERE a.id = :key"),
}


def version_default(column: str, via: str) -> Callable[[Any], int]:
    """A context-sensitive default: `column` of the project the inserted row belongs to (1 if unknown)."""
    key_name, sql = _LOOKUPS[via]
    query = text(sql.format(column=column))

    def default(context: Any) -> int:
        key = context.get_current_parameters().get(key_name)
        cache = context.__dict__.setdefault("_labelwise_versions", {})
        if (column, key) not in cache:
            found = context.connection.execute(query, {"key": key}).scalar() if key is not None else None
            cache[(column, key)] = found or 1
        return cache[(column, key)]

    return default
