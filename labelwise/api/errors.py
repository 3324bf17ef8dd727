"""Domain errors and request validation errors become JSON with a message that names the field.

Every error answer has one shape, `ErrorOut` (labelwise/api/schemas.py); labelwise/api/contract.py documents it
on every route."""

import errno
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InternalError, OperationalError
from starlette.exceptions import HTTPException

from labelwise.errors import (
    Conflict,
    Forbidden,
    Invalid,
    LabelwiseError,
    NotFound,
    TooLarge,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from labelwise.api.schemas import ErrorOut
from labelwise.quality.errors import QualityInputError

log = logging.getLogger("labelwise")
STATUS = {Invalid: 422, NotFound: 404, Conflict: 409, Forbidden: 403, Unauthorized: 401, TooLarge: 413,
          TooManyRequests: 429, Unavailable: 503}


def install(app: FastAPI) -> None:
    app.add_exception_handler(LabelwiseError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)  # no such route (404), method not allowed (405)
    app.add_exception_handler(QualityInputError, _quality_error)
    # Last walls for input no validator caught: numbers past 64 bits and text with lone surrogates
    # reach the database driver, which refuses them; the request is rolled back and answered with 422.
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(UnicodeEncodeError, _bad_unicode)
    # The server's own storage failing (disk full, read-only data folder, database gone) is not a bug to
    # answer with a bare 500: say what is wrong, with 507 or 503, so an operator can act.
    app.add_exception_handler(OSError, _storage_error)
    app.add_exception_handler(OperationalError, _storage_error)
    app.add_exception_handler(InternalError, _storage_error)


def error_body(message: str, **fields) -> dict:
    """The JSON of an error answer: `ErrorOut` with `detail` and `message` both the message, fields not given left out."""
    return ErrorOut(detail=message, message=message, **fields).model_dump(mode="json", exclude_unset=True)


def error_response(status: int, message: str, *, headers: dict[str, str] | None = None, **fields) -> JSONResponse:
    return JSONResponse(error_body(message, **fields), status_code=status, headers=headers)


def _status(exc: LabelwiseError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def _domain_error(_request: Request, exc: LabelwiseError) -> JSONResponse:
    fields = {k: v for k, v in exc.to_dict().items() if k != "message"}
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(_status(exc), exc.message, headers=headers, **fields)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(location) or None
    message = f"{field}: {first['msg']}" if field else first["msg"]
    return error_response(
        422, message, field=field,
        errors=[{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")} for e in errors],
    )


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(exc.status_code, str(exc.detail), headers=exc.headers)


async def _quality_error(_request: Request, exc: QualityInputError) -> JSONResponse:
    return error_response(422, str(exc))


async def _out_of_range(_request: Request, _exc: Exception) -> JSONResponse:
    message = "a number in the request is out of range (ids and counts are 64-bit integers)"
    return error_response(422, message)


async def _bad_unicode(_request: Request, _exc: UnicodeEncodeError) -> JSONResponse:
    message = "the request holds text that is not valid Unicode (a lone surrogate such as \\udbbb)"
    return error_response(422, message)


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_UNWRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
DISK_FULL = "the server's storage is full; nothing was saved. An administrator must free space, then retry"
READ_ONLY = ("the server cannot write its data (read-only or not permitted data folder or database); nothing was "
             "saved. An administrator must fix the data folder's permissions or mount, then retry")
DB_UNAVAILABLE = "the database is unavailable right now; nothing was saved. Retry in a moment"


def storage_status(exc: BaseException) -> tuple[int, str] | None:
    """(status, message) for a storage failure of the server itself, or None when `exc` is something else."""
    if isinstance(exc, OSError):
        if exc.errno in _DISK_FULL:
            return 507, DISK_FULL
        if exc.errno in _UNWRITABLE:
            return 503, READ_ONLY
        return None
    if isinstance(exc, OperationalError | InternalError):
        text = str(exc.orig).lower()
        state = getattr(exc.orig, "sqlstate", None) or ""
        if "database or disk is full" in text or "no space left" in text or state in ("53100", "53400"):
            return 507, DISK_FULL
        if "readonly database" in text or "read-only" in text or state == "25006":
            return 503, READ_ONLY
        if isinstance(exc, OperationalError):
            return 503, DB_UNAVAILABLE
    return None


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    found = storage_status(exc)
    if found is None:
        raise exc
    status, message = found
    log.error("%s %s: %s (%s)", request.method, request.url.path, message, exc)
    return error_response(status, message, headers={"Retry-After": "60"} if status == 503 else None)
