"""Domain errors. `labelwise.api.errors` maps each to one HTTP status; the CLI prints the message."""


class LabelwiseError(Exception):
    """Base of every error a user can cause; `message` is written for that user."""

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.line = line

    def to_dict(self) -> dict:
        out: dict = {"message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.line is not None:
            out["line"] = self.line
        return out


class Invalid(LabelwiseError):
    """The input breaks a rule (schema, result shape, import row): HTTP 422."""


class ImportRejected(Invalid):
    """An import with bad rows: nothing was stored, and `errors` lists each bad row."""

    def __init__(self, errors: list[LabelwiseError], *, stopped_early: bool) -> None:
        listed = "; ".join(error.message for error in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        stop = ", stopped reading after that many" if stopped_early else ""
        super().__init__(
            f"nothing was imported: {len(errors)} bad row(s){stop}: {listed}{more}",
            line=errors[0].line,
            field=errors[0].field,
        )
        self.errors = errors

    def to_dict(self) -> dict:
        return {**super().to_dict(), "errors": [error.to_dict() for error in self.errors]}


class NotFound(LabelwiseError):
    """No such object, or the caller may not know it exists: HTTP 404."""


class Conflict(LabelwiseError):
    """The request clashes with stored state (duplicate id, stale revision): HTTP 409."""


class Forbidden(LabelwiseError):
    """The caller is known but their role does not allow this: HTTP 403."""


class Unauthorized(LabelwiseError):
    """No valid credentials: HTTP 401."""


class TooLarge(LabelwiseError):
    """An upload or a line over the configured limit: HTTP 413."""


class Unavailable(LabelwiseError):
    """A service the server depends on (an OpenID provider) cannot be reached: HTTP 503."""


class TooManyRequests(LabelwiseError):
    """Too many attempts (failed logins): HTTP 429, retry after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after

    def to_dict(self) -> dict:
        return {**super().to_dict(), "retry_after": self.retry_after}
