"""HTTP Range for media served by Django (embedded mode): players seek with it."""

import mimetypes
import re
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class _Slice:
    """A file object limited to ``length`` bytes from ``start`` (for FileResponse)."""

    def __init__(self, path: Path, start: int, length: int) -> None:
        self._file = path.open("rb")
        self._file.seek(start)
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size < 0 else min(size, self._left)
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()


def serve_file_with_range(request: HttpRequest, path: Path) -> HttpResponseBase:
    """The file at ``path`` (already checked by the caller); ``Range: bytes=a-b`` gets a 206
    with that slice, an unsatisfiable range a 416."""
    if not path.is_file():
        raise Http404
    size = path.stat().st_size
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    match = RANGE.match(request.headers.get("Range", "").strip())
    if not match or not any(match.groups()):
        response: HttpResponseBase = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # "bytes=-N": the last N bytes
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    response = FileResponse(
        _Slice(path, start, end - start + 1), content_type=content_type, status=206
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response
