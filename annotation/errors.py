"""The application's error types. Services raise them; the API turns each into one error body
(`{"error": {"code", "message", "field"}}`) with the status below."""


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(ApplicationError):
    """The input breaks a rule (schema, range, order); ``field`` names where."""


class Conflict(ApplicationError):
    """The request clashes with the current state (already submitted, lease lost...)."""

    status = 409
    code = "conflict"


class NotAllowed(ApplicationError):
    status = 403
    code = "forbidden"


class TooLarge(ApplicationError):
    status = 413
    code = "too_large"
