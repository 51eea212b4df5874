"""One hierarchy of domain errors; ``textlabel.web`` maps each to an HTTP status once.

Domain code raises these and never thinks about HTTP. Each carries a stable ``code``
(for API clients), a human message that says what and where, and optional ``details``.
"""

from __future__ import annotations

from typing import Any


class TextlabelError(Exception):
    """Base class: ``status`` is the HTTP status the web layer answers with."""

    status = 400
    code = "bad_request"
    retry_after: int | None = None  # seconds, sent as Retry-After (429, 503)

    def __init__(
        self, message: str, *, details: Any = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if retry_after is not None:
            self.retry_after = retry_after


class InvalidInput(TextlabelError):
    """The request is well-formed but its content is wrong (bad span, unknown label...)."""

    status = 422
    code = "invalid"


class BadFormat(TextlabelError):
    """An uploaded file cannot be read; the message names file and row / line / page."""

    status = 422
    code = "bad_format"


class UnsupportedFormat(TextlabelError):
    """The file's format is not one textlabel reads."""

    status = 415
    code = "unsupported_format"


class TooLarge(TextlabelError):
    """An upload or a document exceeds a configured limit."""

    status = 413
    code = "too_large"


class NotAuthenticated(TextlabelError):
    status = 401
    code = "not_authenticated"


class Forbidden(TextlabelError):
    status = 403
    code = "forbidden"


class NotFound(TextlabelError):
    status = 404
    code = "not_found"


class Conflict(TextlabelError):
    """A stale version or a duplicate name: the client must reload or rename."""

    status = 409
    code = "conflict"


class RateLimited(TextlabelError):
    status = 429
    code = "rate_limited"


class NotImplementedYet(TextlabelError):
    status = 501
    code = "not_implemented"


class ReportLost(TextlabelError):
    """The work was done, but the answer that reports it was lost (an import's process died
    while publishing: the file is in the project whole, its counts and warnings are gone). A
    server failure, not to be retried: doing it again would do it twice."""

    status = 500
    code = "report_lost"


class Busy(TextlabelError):
    """The database stayed busy (a long write held its lock) past the wait allowed: the
    client may retry after ``retry_after`` seconds; nothing was changed."""

    status = 503
    code = "busy"
    retry_after = 2
