"""The API's JSON parser: what reaches a view is a document the database can store.

DRF's own parser hands on whatever ``json`` decodes: a NUL (PostgreSQL's text and jsonb refuse
it), a lone surrogate (no database encoding holds it), a document nested 50,000 deep (a
``RecursionError`` in the first recursive code that touches it). Here the body is read up to
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413 past it), decoded by orjson (which refuses lone
surrogates, NaN and infinities and stops at 1,024 levels) and walked once without recursion:
a NUL anywhere — key or value — or nesting deeper than ``MAX_JSON_DEPTH`` is a 400 naming
where.
"""

from collections.abc import Mapping
from typing import IO, Any

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from annotation.errors import Invalid, TooLarge, body_too_large_message

# The widest value an IntegerField / PositiveIntegerField column holds on PostgreSQL (SQLite
# holds 64 bits): what an API field bound for such a column may accept.
MAX_POSITIVE_INT = 2**31 - 1

# The deepest legitimate document (a label schema: object, layers, layer, labels, label, title)
# is six levels; 32 leaves room and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 32


def _where(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_json_document(document: Any, *, max_depth: int = MAX_JSON_DEPTH, field: str = "") -> None:
    """Raise Invalid (naming the field) for a NUL in a key or string or too deep a nesting.

    Iterative: a hostile document cannot exhaust the interpreter's stack here."""
    stack: list[tuple[Any, int, str]] = [(document, 0, field)]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise Invalid(_("must not contain the NUL character"), field=path or None)
            continue
        if not isinstance(value, Mapping | list):
            continue
        if depth >= max_depth:
            raise Invalid(
                _("nested deeper than %(max)s levels") % {"max": max_depth}, field=path or None
            )
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and "\x00" in key:
                raise Invalid(_("must not contain the NUL character"), field=path or None)
            stack.append((item, depth + 1, _where(path, key)))


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            return None
        django_request = getattr((parser_context or {}).get("request"), "_request", None)
        if django_request is not None:
            # Through Django's cached body, not the stream: a view may read ``request.body``
            # after DRF parsed it (the trace chunks do; so does the CSRF check's request.POST).
            try:
                body = django_request.body
            except RequestDataTooBig as exc:
                raise TooLarge(body_too_large_message()) from exc
        else:
            body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise TooLarge(body_too_large_message())
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ParseError(_("not valid JSON (%(error)s)") % {"error": exc}) from exc
        check_json_document(document)
        return document
