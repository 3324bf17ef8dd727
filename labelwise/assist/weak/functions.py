# Over 400 lines: every labeling-function kind with its validation, plus the vote matrix they all feed.
"""Labeling functions: rules that vote one label or abstain on every task, and the vote matrix.

Each function sees a task's data dict (what the platform stores as ``task.data``) and votes a
label from the project's classes or abstains. ``apply_functions`` runs a list of them over the
tasks and returns the integer-coded vote matrix the analysis and label models take:
shape (n_tasks, n_functions), ``ABSTAIN`` (-1) where a function abstains, otherwise the index of
the voted label in ``classes``.

Regular expressions run on the ``regex`` module (``re``-compatible syntax) because Python's
``re`` cannot be interrupted: one catastrophic pattern (``([a-z]+\\s?)*$``) would hang the worker
evaluating it. Each ``Pattern`` gets a time budget for all its searches together and fails with a
LabelingFunctionError naming it when the budget runs out; only the first ``max_chars`` characters
of a field are searched, so a single search stays bounded too.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _dc_field
from typing import Any

import numpy as np
import regex

from labelwise.assist.weak.errors import LabelingFunctionError

__all__ = [
    "ABSTAIN",
    "CONDITION_OPS",
    "FieldCondition",
    "GivenVotes",
    "Keywords",
    "LabelingFunction",
    "Pattern",
    "PythonFunction",
    "apply_functions",
    "definition_hash",
    "from_definition",
]

ABSTAIN = -1
MAX_CHARS = 20_000
TIME_BUDGET = 10.0  # seconds per Pattern over all tasks
CONDITION_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains", "exists", "missing")
_MEASURES = ("value", "length", "words")
_WORD = re.compile(r"\w+")


class LabelingFunction:
    """Base class: ``name``, and ``votes(tasks)`` -> one label (or None to abstain) per task."""

    name: str

    def votes(self, tasks: Sequence[Mapping[str, Any]]) -> list[Hashable | None]:
        raise NotImplementedError

    def apply(self, tasks: Sequence[Mapping[str, Any]], *, classes: Sequence[Hashable]) -> np.ndarray:
        """Votes coded as indices into ``classes``; ABSTAIN (-1) where the function abstains."""
        index = {c: i for i, c in enumerate(classes)}
        out = np.full(len(tasks), ABSTAIN, dtype=np.int64)
        for i, vote in enumerate(self.votes(tasks)):
            if vote is None:
                continue
            try:
                out[i] = index[vote]
            except (KeyError, TypeError):
                raise LabelingFunctionError(
                    f"voted {vote!r}, which is not one of the labels {list(classes)!r}.",
                    function=self.name, field="label",
                ) from None
        return out


@dataclass(frozen=True)
class Keywords(LabelingFunction):
    """Votes ``label`` when the field contains any of ``keywords``.

    ``mode="word"`` matches whole words or phrases (``"my"`` does not match ``"mystery"``);
    ``mode="substring"`` matches anywhere (the Snorkel tutorial's ``"my" in text.lower()``).
    Matching ignores case unless ``case_sensitive``.
    """

    name: str
    label: Hashable
    keywords: tuple[str, ...]
    field: str = "text"
    mode: str = "word"
    case_sensitive: bool = False
    _regex: re.Pattern = _dc_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        given = (self.keywords,) if isinstance(self.keywords, str) else tuple(self.keywords)
        words = tuple(w for w in given if isinstance(w, str) and w.strip())
        if not words or len(words) != len(given):
            raise LabelingFunctionError("keywords must be a non-empty list of non-empty strings.",
                                        function=self.name, field="keywords")
        if self.mode not in ("word", "substring"):
            raise LabelingFunctionError(f"mode must be 'word' or 'substring', got {self.mode!r}.",
                                        function=self.name, field="mode")
        object.__setattr__(self, "keywords", words)
        alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        body = rf"(?<!\w)(?:{alternation})(?!\w)" if self.mode == "word" else alternation
        flags = 0 if self.case_sensitive else re.IGNORECASE
        object.__setattr__(self, "_regex", re.compile(body, flags))

    def votes(self, tasks: Sequence[Mapping[str, Any]]) -> list[Hashable | None]:
        search = self._regex.search
        out: list[Hashable | None] = []
        for data in tasks:
            text = _text(data, self.field)
            out.append(self.label if text is not None and search(text) else None)
        return out


@dataclass(frozen=True)
class Pattern(LabelingFunction):
    """Votes ``label`` when the regular expression ``pattern`` is found in the field (a search).

    ``time_budget`` seconds bound all of this function's searches together; ``max_chars``
    bounds the text one search sees.
    """

    name: str
    label: Hashable
    pattern: str
    field: str = "text"
    case_sensitive: bool = False
    max_chars: int = MAX_CHARS
    time_budget: float = TIME_BUDGET
    _regex: Any = _dc_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.pattern, str) or not self.pattern:
            raise LabelingFunctionError("pattern must be a non-empty string.",
                                        function=self.name, field="pattern")
        flags = regex.VERSION0 | (0 if self.case_sensitive else regex.IGNORECASE)
        try:
            compiled = regex.compile(self.pattern, flags)
        except (regex.error, TypeError) as exc:
            raise LabelingFunctionError(f"invalid regular expression {self.pattern!r}: {exc}.",
                                        function=self.name, field="pattern") from None
        if self.max_chars < 1 or self.time_budget <= 0:
            raise LabelingFunctionError("max_chars and time_budget must be positive.",
                                        function=self.name, field="max_chars")
        object.__setattr__(self, "_regex", compiled)

    def votes(self, tasks: Sequence[Mapping[str, Any]]) -> list[Hashable | None]:
        search, cap = self._regex.search, self.max_chars
        deadline = time.monotonic() + self.time_budget
        out: list[Hashable | None] = []
        for i, data in enumerate(tasks):
            text = _text(data, self.field)
            if text is None:
                out.append(None)
                continue
            try:
                hit = search(text[:cap], timeout=max(deadline - time.monotonic(), 1e-3))
            except TimeoutError:
                raise LabelingFunctionError(
                    f"the pattern {self.pattern!r} ran out of its {self.time_budget:g} s budget "
                    f"(at task {i}); it backtracks too much. Simplify it, e.g. avoid nested "
                    "repeats such as (a+)+.", function=self.name, field="pattern") from None
            out.append(self.label if hit else None)
        return out


@dataclass(frozen=True)
class FieldCondition(LabelingFunction):
    """Votes ``label`` when ``measure(field) op value`` holds; abstains when the field is missing.

    ``field`` is a dotted path into the task data (``"meta.stars"``, ``"items.0"``);
    ``measure`` is ``"value"`` (the field itself; numeric strings compare as numbers),
    ``"length"`` (characters of a string, items of a list) or ``"words"`` (word count of a
    string). Ops: ``eq ne lt le gt ge`` compare, ``in``/``not_in`` test membership in a list
    ``value``, ``contains`` tests a list or string field for ``value``, ``exists``/``missing``
    take no value.
    """

    name: str
    label: Hashable
    field: str
    op: str
    value: Any = None
    measure: str = "value"

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.field, str) or not self.field:
            raise LabelingFunctionError("field must be a non-empty path such as 'text' or "
                                        "'meta.stars'.", function=self.name, field="field")
        if self.op not in CONDITION_OPS:
            raise LabelingFunctionError(f"op must be one of {list(CONDITION_OPS)}, got {self.op!r}.",
                                        function=self.name, field="op")
        if self.measure not in _MEASURES:
            raise LabelingFunctionError(f"measure must be one of {list(_MEASURES)}, got "
                                        f"{self.measure!r}.", function=self.name, field="measure")
        numeric = self.op in ("lt", "le", "gt", "ge") or self.measure != "value"
        if self.op in ("in", "not_in"):
            if not isinstance(self.value, (list, tuple)):
                raise LabelingFunctionError(f"op {self.op!r} needs a list value.",
                                            function=self.name, field="value")
            object.__setattr__(self, "value", tuple(self.value))
        elif self.op in ("exists", "missing"):
            if self.value is not None:
                raise LabelingFunctionError(f"op {self.op!r} takes no value.",
                                            function=self.name, field="value")
        elif numeric and not _is_number(self.value):
            raise LabelingFunctionError(
                f"op {self.op!r} on measure {self.measure!r} needs a number, got {self.value!r}.",
                function=self.name, field="value")

    def votes(self, tasks: Sequence[Mapping[str, Any]]) -> list[Hashable | None]:
        return [self.label if self._holds(data) else None for data in tasks]

    def _holds(self, data: Mapping[str, Any]) -> bool:
        found, raw = _lookup(data, self.field)
        if self.op == "exists":
            return found and raw is not None
        if self.op == "missing":
            return not found or raw is None
        if not found or raw is None:
            return False
        x = _measure(raw, self.measure)
        if x is None:
            return False
        op, v = self.op, self.value
        if op == "contains":
            return isinstance(x, (str, list)) and (v in x if isinstance(x, list)
                                                   else isinstance(v, str) and v in x)
        if op in ("in", "not_in"):
            hit = any(_equal(x, item) for item in v)
            return hit if op == "in" else not hit
        if op in ("eq", "ne"):
            return _equal(x, v) == (op == "eq")
        num = _as_number(x)
        if num is None:
            return False
        return {"lt": num < v, "le": num <= v, "gt": num > v, "ge": num >= v}[op]


@dataclass(frozen=True)
class GivenVotes(LabelingFunction):
    """Votes computed elsewhere, one per task in order: a model's predictions, another
    project's labels, or a Python function the client ran through the SDK.

    ``None`` abstains. With ``scores`` and ``min_score``, a vote whose score is below
    ``min_score`` counts as an abstain (a model voting only where it is confident).
    """

    name: str
    votes_given: tuple
    source: str = "client"
    scores: tuple | None = None
    min_score: float | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        object.__setattr__(self, "votes_given", tuple(self.votes_given))
        if self.scores is not None:
            scores = tuple(self.scores)
            if len(scores) != len(self.votes_given):
                raise LabelingFunctionError(
                    f"got {len(scores)} scores for {len(self.votes_given)} votes.",
                    function=self.name, field="scores")
            object.__setattr__(self, "scores", scores)

    def votes(self, tasks: Sequence[Mapping[str, Any]]) -> list[Hashable | None]:
        if len(self.votes_given) != len(tasks):
            raise LabelingFunctionError(
                f"has {len(self.votes_given)} votes for {len(tasks)} tasks.",
                function=self.name, field="votes")
        if self.scores is None or self.min_score is None:
            return list(self.votes_given)
        return [v if s is not None and s >= self.min_score else None
                for v, s in zip(self.votes_given, self.scores)]


@dataclass(frozen=True)
class PythonFunction(LabelingFunction):
    """A Python callable ``fn(data) -> label | None``. Runs where it is called: the SDK runs it
    on the client and uploads the votes; the server never evaluates user-written code."""

    name: str
    fn: Callable[[Mapping[str, Any]], Hashable | None]

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not callable(self.fn):
            raise LabelingFunctionError("fn must be callable.", function=self.name, field="fn")

    def votes(self, tasks: Sequence[Mapping[str, Any]]) -> list[Hashable | None]:
        out: list[Hashable | None] = []
        for i, data in enumerate(tasks):
            try:
                out.append(self.fn(data))
            except Exception as exc:  # the user's code: report which task broke it, and how
                raise LabelingFunctionError(
                    f"raised {type(exc).__name__}: {exc} on task {i}.",
                    function=self.name, field="fn") from exc
        return out


def apply_functions(functions: Sequence[LabelingFunction], tasks: Sequence[Mapping[str, Any]], *,
                    classes: Sequence[Hashable]) -> np.ndarray:
    """The (n_tasks, n_functions) vote matrix: label indices into ``classes``, ABSTAIN = -1."""
    names = [f.name for f in functions]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise LabelingFunctionError(f"function names must be unique; repeated: {dupes}.",
                                    field="name")
    if len(set(classes)) != len(classes) or not classes:
        raise LabelingFunctionError("classes must be a non-empty list without repeats.",
                                    field="classes")
    tasks = list(tasks)
    out = np.full((len(tasks), len(functions)), ABSTAIN, dtype=np.int64)
    for j, f in enumerate(functions):
        out[:, j] = f.apply(tasks, classes=classes)
    return out


_KINDS: dict[str, tuple[type, set[str]]] = {
    "keywords": (Keywords, {"keywords", "field", "mode", "case_sensitive"}),
    "regex": (Pattern, {"pattern", "field", "case_sensitive"}),
    "condition": (FieldCondition, {"field", "op", "value", "measure"}),
}


def from_definition(definition: Mapping[str, Any]) -> LabelingFunction:
    """Build a rule from its stored JSON form ``{"name", "kind", "label", ...options}``.

    Kinds: ``keywords``, ``regex``, ``condition``. Unknown kinds or keys raise
    LabelingFunctionError naming the field.
    """
    name = definition.get("name")
    kind = definition.get("kind")
    if kind not in _KINDS:
        raise LabelingFunctionError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}.",
                                    function=name if isinstance(name, str) else None, field="kind")
    cls, options = _KINDS[kind]
    extra = set(definition) - options - {"name", "kind", "label"}
    if extra:
        raise LabelingFunctionError(f"unknown option(s) {sorted(extra)} for kind {kind!r}.",
                                    function=name if isinstance(name, str) else None,
                                    field=sorted(extra)[0])
    if "label" not in definition or definition["label"] is None:
        raise LabelingFunctionError("label is required.", function=name, field="label")
    if kind == "condition":
        for required in ("field", "op"):
            if required not in definition:
                raise LabelingFunctionError(f"{required} is required.", function=name,
                                            field=required)
    if kind == "keywords" and "keywords" not in definition:
        raise LabelingFunctionError("keywords is required.", function=name, field="keywords")
    if kind == "regex" and "pattern" not in definition:
        raise LabelingFunctionError("pattern is required.", function=name, field="pattern")
    kwargs = {k: v for k, v in definition.items() if k != "kind"}
    return cls(**kwargs)


def definition_hash(definition: Mapping[str, Any]) -> str:
    """SHA-256 of the definition's canonical JSON: votes stored under it stay valid until it changes."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise LabelingFunctionError("every labeling function needs a non-empty name.", field="name")


def _lookup(data: Any, path: str) -> tuple[bool, Any]:
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _text(data: Mapping[str, Any], path: str) -> str | None:
    found, value = _lookup(data, path)
    if not found or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


def _measure(raw: Any, measure: str) -> Any:
    if measure == "value":
        return raw
    if measure == "length":
        return len(raw) if isinstance(raw, (str, list)) else None
    return len(_WORD.findall(raw)) if isinstance(raw, str) else None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _as_number(x: Any) -> float | None:
    if _is_number(x):
        return x
    if isinstance(x, str):
        try:
            num = float(x)
        except ValueError:
            return None
        return num if math.isfinite(num) else None
    return None


def _equal(x: Any, v: Any) -> bool:
    if _is_number(v) and not _is_number(x):
        num = _as_number(x)
        return num is not None and num == v
    return x == v
