"""Domain errors. Each carries a stable code, an HTTP status and a message a citizen can read."""

from __future__ import annotations

from intake.catalogue import text


class HotlineError(Exception):
    """Base of every error the service reports on purpose; the API renders them all alike."""

    code = "error"
    status_code = 400
    message_key = "error.generic"

    def __init__(self, detail: str = "", **params: str) -> None:
        self.detail = detail
        self.message = text(self.message_key, **params)
        super().__init__(detail or self.message)


class NotFound(HotlineError):
    code = "not_found"
    status_code = 404
    message_key = "error.not_found"


class TicketNotFound(NotFound):
    # An unknown number and someone else's ticket give exactly this, so numbers cannot be probed.
    code = "ticket_not_found"
    message_key = "error.ticket_not_found"


class IllegalTransition(HotlineError):
    code = "illegal_transition"
    status_code = 409
    message_key = "error.illegal_transition"


class Conflict(HotlineError):
    code = "conflict"
    status_code = 409
    message_key = "error.conflict"


class UsernameTaken(Conflict):
    code = "username_taken"
    message_key = "error.username_taken"


class InvalidInput(HotlineError):
    code = "invalid_input"
    status_code = 422
    message_key = "error.invalid_input"


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    message_key = "error.invalid_phone"


class IdempotencyConflict(HotlineError):
    code = "idempotency_conflict"
    status_code = 409
    message_key = "error.idempotency_conflict"


class Unauthorized(HotlineError):
    code = "unauthorized"
    status_code = 401
    message_key = "error.unauthorized"


class Forbidden(HotlineError):
    code = "forbidden"
    status_code = 403
    message_key = "error.forbidden"


class RateLimited(HotlineError):
    code = "rate_limited"
    status_code = 429
    message_key = "error.rate_limited"
