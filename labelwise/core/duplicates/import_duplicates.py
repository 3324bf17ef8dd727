"""Duplicates at import: exact (same content hash) and near (MinHash for text, pHash for images).

`allow` keeps everything (no lookups, no fingerprints); `skip` drops duplicate rows; `flag` keeps
them and adds them to a stored duplicate cluster with the task they repeat, so they show in the task
listing's `duplicates=true` filter and in the data browser.

Near duplicates: each text row's MinHash band keys (threshold 0.8, 128 slots, 5-grams) are computed
per batch in one vectorised pass and kept in `task_fingerprints`; a row whose keys collide with an
earlier task's and whose exact shingle Jaccard is at least 0.8 is a near duplicate. Images compare
their 64-bit pHash (from media import) within 8 bits. Tasks imported before without fingerprints get
them when the first checking import runs.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from labelwise.assist.image_hash import near_matches, near_pairs
from labelwise.assist.minhash import BandIndex, MinHashLSH, shingles
from labelwise.core.duplicates import duplicate_clusters
from labelwise.core.duplicates.duplicates import task_text
from labelwise.errors import Invalid
from labelwise.store.bulk import insert_values_only
from labelwise.store.models import Task, TaskFingerprint

DuplicateMode = Literal["allow", "skip", "flag"]
MODES = ("allow", "skip", "flag")
MAX_EXAMPLES = 20
TEXT_THRESHOLD = 0.8
IMAGE_DISTANCE = 8
_NGRAM = 5
_FETCH = 5000
_IN_CHUNK = 1000
_FINGERPRINT_COLUMNS = ("task_id", "project_id", "band_keys", "phash")


def check_mode(mode: str) -> DuplicateMode:
    if mode not in MODES:
        raise Invalid(f"unknown duplicates mode '{mode}'; expected allow, skip or flag", field="duplicates")
    return mode  # type: ignore[return-value]


@dataclass
class DuplicateGate:
    project_id: int
    mode: DuplicateMode = "allow"
    text_fields: list[str] = field(default_factory=list)
    found: int = 0
    near: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lsh = MinHashLSH(threshold=TEXT_THRESHOLD, ngram=_NGRAM)
        self._bands = BandIndex()
        self._digests = _SortedSet()  # 64-bit prefixes of the content hashes the project holds
        self._phashes: list[np.ndarray] = []
        self._phash_owners: list[np.ndarray] = []
        self._started = False

    @property
    def active(self) -> bool:
        return self.mode != "allow"

    def filter(self, session: Session, batch: list) -> list:
        """The batch (of `importing._Pending`) without duplicates when skipping; counts them either way and,
        when flagging, notes on each row the task it repeats (`pending.links`)."""
        if not self.active or not batch:
            return batch
        if not self._started:
            self._start(session)
        hashes = list({pending.task["content_hash"] for pending in batch})
        # Only hashes whose 64-bit prefix the project already holds are looked up (none, usually).
        hashes = [digest for digest, seen in zip(hashes, self._digests.contains(_prefixes(hashes))) if seen]
        existing: dict[str, int] = {}
        for start in range(0, len(hashes), _IN_CHUNK):
            existing.update(session.execute(
                select(Task.content_hash, func.min(Task.id))
                .where(Task.project_id == self.project_id, Task.content_hash.in_(hashes[start:start + _IN_CHUNK]))
                .group_by(Task.content_hash)
            ).all())
        first: dict[str, Any] = {}
        exact: dict[int, tuple[Any, int | None]] = {}  # position -> (earlier pending or None, task id or None)
        for position, pending in enumerate(batch):
            digest = pending.task["content_hash"]
            if digest in existing or digest in first:
                exact[position] = (first.get(digest), existing.get(digest))
            else:
                first[digest] = pending
        self._fingerprint(batch)
        near = self._near(session, batch, set(exact))
        kept = []
        for position, pending in enumerate(batch):
            if position in exact:
                earlier, task_id = exact[position]
                self._count(pending, "exact", task_id, earlier)
                pending.links.append(("exact", task_id if task_id is not None else earlier, 1.0))
            elif position in near:
                partner, similarity = near[position]
                self._count(pending, near_kind(pending), partner if isinstance(partner, int) else None,
                            None if isinstance(partner, int) else partner, similarity)
                pending.links.append((near_kind(pending), partner, similarity))
                self.near += 1
            else:
                kept.append(pending)
                continue
            if self.mode == "flag":
                kept.append(pending)
        if self.mode == "skip":
            for pending in kept:
                pending.links.clear()
        return kept

    def store(self, session: Session, batch: list) -> None:
        """After the batch is written (ids known): its fingerprints, the index, and the flagged links."""
        if not self.active or not batch:
            return
        rows, owners, keys, hashes, hash_owners = [], [], [], [], []
        for pending in batch:
            band_keys, phash = pending.fingerprint
            rows.append((pending.task_id, self.project_id, band_keys.tobytes() if band_keys is not None else None,
                         None if phash is None else _signed(phash)))
            if band_keys is not None:
                owners.append(pending.task_id)
                keys.append(band_keys)
            if phash is not None:
                hashes.append(phash)
                hash_owners.append(pending.task_id)
        insert_values_only(session, TaskFingerprint.__table__, _FINGERPRINT_COLUMNS, rows)
        self._digests.add(_prefixes([pending.task["content_hash"] for pending in batch]))
        if keys:
            self._bands.add(np.stack(keys), np.asarray(owners, dtype=np.int64))
        if hashes:
            self._phashes.append(np.asarray(hashes, dtype=np.uint64))
            self._phash_owners.append(np.asarray(hash_owners, dtype=np.int64))
        if self.mode == "flag":
            links = []
            for pending in batch:
                for kind, partner, similarity in pending.links:
                    partner_id = partner if isinstance(partner, int) else partner.task_id
                    if partner_id is not None and partner_id != pending.task_id:
                        links.append((kind, pending.task_id, partner_id, similarity))
            duplicate_clusters.link(session, self.project_id, links)

    def summary(self) -> dict[str, Any]:
        if self.mode == "allow":
            return {}
        return {f"duplicates_{'skipped' if self.mode == 'skip' else 'flagged'}": self.found,
                "near_duplicates": self.near, "duplicate_examples": tuple(self.examples)}

    # -- internals ---------------------------------------------------------------------------------

    def _start(self, session: Session) -> None:
        """Load the project's fingerprints into memory, computing those older tasks lack."""
        self._started = True
        missing = (select(Task.id, Task.data, Task.meta)
                   .outerjoin(TaskFingerprint, TaskFingerprint.task_id == Task.id)
                   .where(Task.project_id == self.project_id, TaskFingerprint.task_id.is_(None))
                   .order_by(Task.id).execution_options(yield_per=_FETCH))
        chunk: list = []
        for row in session.execute(missing):
            chunk.append(_Stored(row.id, {"data": row.data, "meta": row.meta}))
            if len(chunk) >= _FETCH:
                self._backfill(session, chunk)
                chunk = []
        if chunk:
            self._backfill(session, chunk)
        digests: list[str] = []
        for (digest,) in session.execute(select(Task.content_hash).where(Task.project_id == self.project_id)
                                         .execution_options(yield_per=_FETCH)):
            digests.append(digest)
            if len(digests) >= 50_000:
                self._digests.add(_prefixes(digests))
                digests = []
        self._digests.add(_prefixes(digests))
        stmt = (select(TaskFingerprint.task_id, TaskFingerprint.band_keys, TaskFingerprint.phash)
                .where(TaskFingerprint.project_id == self.project_id).execution_options(yield_per=_FETCH))
        owners, keys, hashes, hash_owners = [], [], [], []
        for task_id, band_keys, phash in session.execute(stmt):
            if band_keys:
                owners.append(task_id)
                keys.append(band_keys)
            if phash is not None:
                hashes.append(phash % 2**64)
                hash_owners.append(task_id)
            if len(keys) >= 50_000:
                self._add_raw(owners, keys)
                owners, keys = [], []
        self._add_raw(owners, keys)
        if hashes:
            self._phashes.append(np.asarray(hashes, dtype=np.uint64))
            self._phash_owners.append(np.asarray(hash_owners, dtype=np.int64))

    def _add_raw(self, owners: list[int], keys: list[bytes]) -> None:
        if owners:
            array = np.frombuffer(b"".join(keys), dtype="<u8").reshape(len(owners), self._lsh.bands)
            self._bands.add(array, np.asarray(owners, dtype=np.int64))

    def _backfill(self, session: Session, chunk: list) -> None:
        self._fingerprint(chunk)
        session.execute(insert(TaskFingerprint), [
            {"task_id": item.id, "project_id": self.project_id,
             "band_keys": item.fingerprint[0].tobytes() if item.fingerprint[0] is not None else None,
             "phash": None if item.fingerprint[1] is None else _signed(item.fingerprint[1])}
            for item in chunk])

    def _fingerprint(self, items: list) -> None:
        """Set `item.fingerprint = (band keys or None, pHash or None)` for a batch, in one vectorised pass."""
        texts, positions = [], []
        for position, item in enumerate(items):
            item.fingerprint = (None, _phash_of(item.task["meta"]))
            if self.text_fields:
                text = task_text(item.task["data"], self.text_fields)
                if text.strip():
                    texts.append(text)
                    positions.append(position)
        if texts:
            keys = self._lsh.band_keys(texts)
            for position, row in zip(positions, keys):
                items[position].fingerprint = (row, items[position].fingerprint[1])

    def _near(self, session: Session, batch: list, exact: set[int]) -> dict[int, tuple[Any, float]]:
        """Position -> (the task id or earlier pending it nearly repeats, similarity), for non-exact rows."""
        out: dict[int, tuple[Any, float]] = {}
        positions = [p for p, item in enumerate(batch) if p not in exact and item.fingerprint[0] is not None]
        if positions:
            keys = np.stack([batch[p].fingerprint[0] for p in positions])
            pairs = [(positions[r], int(o)) for r, o in self._bands.query(keys)]
            within = BandIndex()
            within.add(keys, np.arange(len(positions), dtype=np.int64))
            pairs += [(positions[r], batch[positions[o]]) for r, o in within.query(keys) if o < r]
            self._verify_text(session, batch, pairs, out)
        images = [p for p, item in enumerate(batch) if p not in exact and item.fingerprint[1] is not None]
        if images:
            mine = np.asarray([batch[p].fingerprint[1] for p in images], dtype=np.uint64)
            known = np.concatenate(self._phashes) if self._phashes else np.empty(0, dtype=np.uint64)
            owners = np.concatenate(self._phash_owners) if self._phash_owners else np.empty(0, dtype=np.int64)
            candidates = [(images[q], int(owners[k]), d)
                          for q, k, d in near_matches(mine, known, max_distance=IMAGE_DISTANCE).tolist()]
            candidates += [(images[j], batch[images[i]], d)
                           for i, j, d in near_pairs(mine, max_distance=IMAGE_DISTANCE).tolist()]
            for row, partner, distance in candidates:
                similarity = round(1 - distance / 64, 4)
                if row not in out or out[row][1] < similarity:
                    out[row] = (partner, similarity)
        return out

    def _verify_text(self, session: Session, batch: list, pairs: list[tuple[int, Any]],
                     out: dict[int, tuple[Any, float]]) -> None:
        stored_ids = sorted({p for _, p in pairs if isinstance(p, int)})
        texts: dict[int, str] = {}
        for start in range(0, len(stored_ids), _IN_CHUNK):
            for task_id, data in session.execute(
                select(Task.id, Task.data).where(Task.id.in_(stored_ids[start:start + _IN_CHUNK]))
            ):
                texts[task_id] = task_text(data, self.text_fields)
        cache: dict[Any, set[str]] = {}

        def shingled(key: Any, text: str) -> set[str]:
            found = cache.get(key)
            if found is None:
                found = cache[key] = shingles(text, _NGRAM)
            return found

        for position, partner in pairs:
            mine = shingled(("row", position), task_text(batch[position].task["data"], self.text_fields))
            if isinstance(partner, int):
                if partner not in texts:
                    continue
                theirs = shingled(partner, texts[partner])
            else:
                theirs = shingled(("row", id(partner)), task_text(partner.task["data"], self.text_fields))
            similarity = len(mine & theirs) / len(mine | theirs)
            if similarity >= TEXT_THRESHOLD and (position not in out or out[position][1] < similarity):
                out[position] = (partner, round(similarity, 4))

    def _count(self, pending, kind: str, task_id: int | None, earlier, similarity: float = 1.0) -> None:
        self.found += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append({"line": pending.line, "kind": kind, "task_id": task_id,
                                  "line_of": getattr(earlier, "line", None), "similarity": round(similarity, 4)})


def near_kind(pending) -> str:
    return "near_text" if pending.fingerprint[0] is not None else "near_image"


@dataclass
class _Stored:
    """A task already in the database, shaped like a pending row for fingerprinting."""

    id: int
    task: dict[str, Any]
    fingerprint: tuple = (None, None)


class _SortedSet:
    """uint64 values in a few sorted numpy segments (merged when there are many): 8 bytes a value."""

    def __init__(self, max_segments: int = 8) -> None:
        self.max_segments = max_segments
        self._segments: list[np.ndarray] = []

    def add(self, values: np.ndarray) -> None:
        if len(values):
            self._segments.append(np.sort(values))
        if len(self._segments) > self.max_segments:
            self._segments = [np.sort(np.concatenate(self._segments))]

    def contains(self, values: np.ndarray) -> np.ndarray:
        found = np.zeros(len(values), dtype=bool)
        for segment in self._segments:
            at = np.minimum(np.searchsorted(segment, values), len(segment) - 1)
            found |= segment[at] == values
        return found


def _prefixes(digests: list[str]) -> np.ndarray:
    """The first 16 hex digits (64 bits) of each SHA-256 hex digest."""
    return np.fromiter((int(digest[:16], 16) for digest in digests), dtype=np.uint64, count=len(digests))


def _phash_of(meta: dict[str, Any] | None) -> int | None:
    value = ((meta or {}).get("media") or {}).get("phash")
    if isinstance(value, str) and len(value) == 16:
        try:
            return int(value, 16)
        except ValueError:
            return None
    return None


def _signed(value: int) -> int:
    return value - 2**64 if value >= 2**63 else value
