"""The application's error types. Services raise them; the API turns each into one error body
(`{"error": {"code", "message", "field"}}`) with the status below.

Messages are translated where they are built (``gettext``: the request's language is active
then). A lazy message is turned into text when the error is made, so ``message`` is always a
plain ``str`` and serialises as one.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from annotation.domain.errors import DomainError


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        text = str(message)
        super().__init__(text)
        self.message: str = text
        self.field = field


class Invalid(ApplicationError):
    """The input breaks a rule (schema, range, order); ``field`` names where."""

    @classmethod
    def of(cls, error: DomainError) -> "Invalid":
        """A rule of the typed domain (``annotation.domain``), in the request's language."""
        return cls(error.text(_), field=error.field)


class Conflict(ApplicationError):
    """The request clashes with the current state (already submitted, lease lost...)."""

    status = 409
    code = "conflict"


class CoverageLow(Conflict):
    """A streaming clip's trace covers less than the project asks: submit again confirmed."""

    code = "trace_coverage_low"


class NotAllowed(ApplicationError):
    status = 403
    code = "forbidden"


class Paused(ApplicationError):
    """The pause rule stopped the annotator's claims; the message gives the numbers."""

    status = 403
    code = "paused"


class TooLarge(ApplicationError):
    status = 413
    code = "too_large"


def body_too_large_message() -> str:
    """Why a request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return _("the request body is larger than %(kib)s KiB") % {"kib": limit // 1024}


# The states that error messages name ("this assignment is expired"). In English the stored
# value itself; other languages get a word for it.
_STATE_WORDS: dict[str, Promise] = {
    # assignments
    "active": pgettext_lazy("state", "active"),
    "submitted": pgettext_lazy("state", "submitted"),
    "released": pgettext_lazy("state", "released"),
    "expired": pgettext_lazy("state", "expired"),
    # clip stages
    "layer1": pgettext_lazy("state", "layer1"),
    "aggregating": pgettext_lazy("state", "aggregating"),
    "disputed": pgettext_lazy("state", "disputed"),
    "gold": pgettext_lazy("state", "gold"),
    # releases
    "pending": pgettext_lazy("state", "pending"),
    "building": pgettext_lazy("state", "building"),
    "published": pgettext_lazy("state", "published"),
    "failed": pgettext_lazy("state", "failed"),
}


def state_word(value: str) -> str:
    """A status/stage value as a message shows it, in the active language."""
    word = _STATE_WORDS.get(str(value))
    return str(word) if word is not None else str(value)


_ROLE_WORDS = {
    "annotator": pgettext_lazy("role", "annotator"),
    "adjudicator": pgettext_lazy("role", "adjudicator"),
    "admin": pgettext_lazy("role", "admin"),
}


def roles_words(roles: Iterable[str]) -> str:
    """Role values as a message names them, in the active language ("annotator or admin")."""
    return str(_(" or ")).join(str(_ROLE_WORDS.get(str(r), r)) for r in roles)
