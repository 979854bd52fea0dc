"""How a stored file a member may have (``media_access``) leaves: a short-lived presigned URL
from object storage (302), an ``X-Accel-Redirect`` to nginx's ``internal`` location on the file
system (``MEDIA_ACCEL_REDIRECT``), or — embedded mode only — bytes streamed by Django with
HTTP ranges. The first two keep app workers free of video ranges and multi-GB downloads."""

import mimetypes
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from annotation.range_serve import serve_file_with_range
from annotation.storage import Presigning, media_storage


def deliver(request: HttpRequest, name: str, *, download_as: str | None = None) -> HttpResponseBase:
    """The stored file ``name``, already checked for this user; ``download_as`` makes it an
    attachment under that file name."""
    storage = media_storage()
    if isinstance(storage, Presigning):
        return HttpResponseRedirect(storage.presigned_url(name, download_as=download_as))
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT + quote(name)
        if download_as:
            response["Content-Disposition"] = content_disposition_header(True, download_as)
        return response
    path = Path(storage.path(name))
    if download_as:
        return FileResponse(path.open("rb"), as_attachment=True, filename=download_as)
    return serve_file_with_range(request, path)
