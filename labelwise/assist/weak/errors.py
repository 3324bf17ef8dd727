"""The one error type the weak-supervision modules raise for a rule or vote matrix they cannot use."""

from __future__ import annotations


class LabelingFunctionError(ValueError):
    """A labeling function (or a vote matrix) that cannot be evaluated as given.

    ``function`` names the labeling function at fault (None for a matrix-level problem) and
    ``field`` the definition field that is wrong (``"pattern"``, ``"label"``, ...), so the API
    can answer 422 pointing at the field and the UI can highlight it.
    """

    def __init__(self, message: str, *, function: str | None = None, field: str | None = None):
        prefix = f"Labeling function {function!r}: " if function else ""
        super().__init__(prefix + message)
        self.function = function
        self.field = field
