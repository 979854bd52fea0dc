"""The domain's one error: which field is wrong, the message (an English msgid) and its
parameters. The Django side translates it (``annotation.schema``, ``annotation.payloads``)."""

from collections.abc import Callable, Mapping
from typing import Any


def _(message: str) -> str:
    """Marks a msgid for makemessages; translated where the error is shown, not here."""
    return message


class DomainError(ValueError):
    def __init__(self, field: str, message: str, params: Mapping[str, Any] | None = None) -> None:
        self.field = field
        self.message = message
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(f"{field}: {self.text()}")

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The message with its parameters, through ``translate`` (``gettext``) when given."""
        template = translate(self.message) if translate is not None else self.message
        return str(template % self.params) if self.params else str(template)


def require(
    condition: bool, field: str, message: str, params: Mapping[str, Any] | None = None
) -> None:
    if not condition:
        raise DomainError(field, message, params)
