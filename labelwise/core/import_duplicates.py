"""Exact duplicates at import: rows whose content hash is already in the project or earlier in the import.

`allow` keeps everything (no lookups); `skip` drops such rows; `flag` keeps them and counts them, so
they show up in the task listing's `duplicates=true` filter and in the duplicate clusters.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.errors import Invalid
from labelwise.store.models import Task

DuplicateMode = Literal["allow", "skip", "flag"]
MODES = ("allow", "skip", "flag")
MAX_EXAMPLES = 20


def check_mode(mode: str) -> DuplicateMode:
    if mode not in MODES:
        raise Invalid(f"unknown duplicates mode '{mode}'; expected allow, skip or flag", field="duplicates")
    return mode  # type: ignore[return-value]


@dataclass
class DuplicateGate:
    project_id: int
    mode: DuplicateMode = "allow"
    found: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def filter(self, session: Session, batch: list) -> list:
        """The batch (of `importing._Pending`) without the duplicates when skipping; counts them either way.

        Earlier batches of this import are already inserted in the open transaction, so one query per
        batch sees them as well as the rows that were there before.
        """
        if self.mode == "allow" or not batch:
            return batch
        hashes = list({pending.task["content_hash"] for pending in batch})
        existing = dict(session.execute(
            select(Task.content_hash, func.min(Task.id))
            .where(Task.project_id == self.project_id, Task.content_hash.in_(hashes))
            .group_by(Task.content_hash)
        ).all())
        first_line: dict[str, int] = {}
        kept = []
        for pending in batch:
            digest = pending.task["content_hash"]
            if digest in existing or digest in first_line:
                self.found += 1
                if len(self.examples) < MAX_EXAMPLES:
                    self.examples.append({"line": pending.line, "task_id": existing.get(digest),
                                          "line_of": first_line.get(digest)})
                if self.mode == "skip":
                    continue
            else:
                first_line[digest] = pending.line
            kept.append(pending)
        return kept

    def summary(self) -> dict[str, Any]:
        if self.mode == "allow":
            return {}
        return {f"duplicates_{'skipped' if self.mode == 'skip' else 'flagged'}": self.found,
                "duplicate_examples": tuple(self.examples)}
