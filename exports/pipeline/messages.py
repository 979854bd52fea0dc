"""Texts the pipeline shows to people, translatable without importing Django.

The pipeline stays pure: it marks its texts with ``gettext_noop`` (makemessages collects that
name into the catalogue) and raises errors that keep the text and its values apart. The Django
side renders them in the request's language with ``message_text(exc, gettext)``; ``str()`` of
such an error is the English, as before.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Translate = Callable[[str], str]


def gettext_noop(text: str) -> str:
    """Mark ``text`` for the catalogue; it is returned as is (translated where it is shown)."""
    return text


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True)
class Message:
    """A text with ``%(name)s`` placeholders and their values (which may be Messages)."""

    text: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Translate = _as_is) -> str:
        if not self.values:
            return translate(self.text)
        values = {
            key: value.render(translate) if isinstance(value, Message) else value
            for key, value in self.values.items()
        }
        return translate(self.text) % values

    def __str__(self) -> str:
        return self.render()


class Translatable(Exception):
    """An error whose message people read: ``message`` keeps the text and its values."""

    def __init__(self, text: str, /, **values: Any) -> None:
        self.message = Message(text, values)
        super().__init__(self.message.render())


class PipelineError(Translatable, ValueError):
    """Options, predictions or data that a release or a score cannot be made from."""


class MediaNotFound(Translatable, FileNotFoundError):
    """A clip's media file is missing where the release should copy it from."""


def message_text(exc: BaseException, translate: Translate = _as_is) -> str:
    """The error's message, translated when the pipeline made it translatable."""
    return exc.message.render(translate) if isinstance(exc, Translatable) else str(exc)


def error_kind(exc: BaseException) -> str:
    """The name failure reports give the error: a pipeline error goes by its built-in kind
    (``ValueError``, ``FileNotFoundError``), as it did before it became translatable."""
    if not isinstance(exc, Translatable):
        return type(exc).__name__
    return next(c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins")
