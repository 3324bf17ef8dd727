"""Python labeling functions the administrator installs: importable modules named in the setting
`LABELWISE_LABELING_FUNCTION_MODULES` (comma-separated). Each function in them marked with
`@labeling_function` takes one task's data dict and returns a label or None (abstain); a project uses it
as a function of kind `python` with `{"function": "<module>:<name>"}`. Only these installed functions
run in the server; nothing from a request is ever imported or evaluated.

    # my_rules.py, installed next to labelwise
    from labelwise.core.weak.plugin_functions import labeling_function

    @labeling_function
    def shouting(data):
        "Votes spam when the text is mostly capitals."
        text = data.get("text", "")
        return "spam" if sum(c.isupper() for c in text) > len(text) / 2 else None
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Hashable, Mapping
from typing import Any

MARK = "__labelwise_labeling_function__"

Registry = Mapping[str, Callable[[Mapping[str, Any]], Hashable | None]]


def labeling_function(fn: Callable | None = None, *, name: str | None = None):
    """Mark `fn(data) -> label | None` as a labeling function (`@labeling_function` or
    `@labeling_function(name="...")`); it is registered as `<module>:<name or fn.__name__>`."""
    def mark(f: Callable) -> Callable:
        setattr(f, MARK, name or f.__name__)
        return f
    return mark(fn) if fn is not None else mark


def registry(modules: str | None) -> dict[str, Callable]:
    """The marked functions of the comma-separated importable `modules`, by `<module>:<name>`."""
    return dict(_load(tuple(m.strip() for m in (modules or "").split(",") if m.strip())))


@functools.lru_cache(maxsize=8)
def _load(modules: tuple[str, ...]) -> tuple[tuple[str, Callable], ...]:
    found: dict[str, Callable] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)  # a bad setting fails at start-up, loudly
        for _, value in inspect.getmembers(module, callable):
            if isinstance(getattr(value, MARK, None), str):
                found[f"{module_name}:{getattr(value, MARK)}"] = value
    return tuple(sorted(found.items()))


def describe(functions: Registry) -> list[dict[str, Any]]:
    """What the UI offers: each function's reference and the first line of its docstring."""
    return [{"function": key, "description": (inspect.getdoc(fn) or "").split("\n")[0]}
            for key, fn in functions.items()]
