"""Where an ingest reads a clip's source (``Clip.source_uri``), so that any worker can take any
ingest: ``s3://bucket/key`` (an import staged it into the bucket, or it was there already),
``http(s)://…``, or a path on the local disk — the embedded mode, where web and worker are one
machine and the storage is that disk.
"""

import hashlib
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from annotation.models import Project
from annotation.storage import is_local, media_storage, put
from clips.media import MediaError

STAGED = "sources"
DOWNLOAD_TIMEOUT = 60  # seconds without a byte before a URL download gives up


def stage_source(*, project: Project, external_id: str, path: Path) -> str:
    """Put a local source into storage before its ingest is sent, and return its URI; on the
    file system (one machine) the path itself. Named by the clip, so importing the same file
    again overwrites its copy instead of adding one."""
    if is_local():
        return str(path)
    folder = hashlib.sha256(external_id.encode()).hexdigest()[:24]
    name = f"{STAGED}/{project.pk}/{folder}/{get_valid_filename(path.name)}"
    put(name, path)
    return f"s3://{settings.AWS_STORAGE_BUCKET_NAME}/{name}"


def _own_key(uri: str) -> str | None:
    """The storage name of an ``s3://`` URI in our bucket, else None."""
    parts = urlsplit(uri)
    if parts.scheme == "s3" and parts.netloc == settings.AWS_STORAGE_BUCKET_NAME:
        return parts.path.lstrip("/")
    return None


def fetch_source(uri: str, folder: Path) -> Path:
    """The source as a file on this disk: the path itself, or a copy downloaded into
    ``folder`` (the ingest's work folder, removed with it)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("s3", "http", "https"):
        path = Path(uri)
        if not path.is_file():
            raise MediaError(_("file not found: %(path)s") % {"path": path})
        return path
    target = folder / f"source{Path(parts.path).suffix.lower()}"
    try:
        if parts.scheme == "s3":
            key = _own_key(uri)
            if key is not None:
                with media_storage().open(key, "rb") as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
            else:  # another bucket on the same endpoint, with the same credentials
                client = media_storage().connection.meta.client  # type: ignore[attr-defined]
                client.download_file(parts.netloc, parts.path.lstrip("/"), str(target))
        else:
            with (
                urllib.request.urlopen(uri, timeout=DOWNLOAD_TIMEOUT) as src,
                target.open("wb") as out,
            ):
                shutil.copyfileobj(src, out, 1 << 20)
    except Exception as exc:  # OSError, or botocore's ClientError (no such key, no access)
        raise MediaError(_("file not found: %(path)s") % {"path": f"{uri} ({exc})"}) from exc
    return target


def drop_staged(uri: str) -> None:
    """Remove the copy an import staged, once its media is made (a failed one keeps it for
    ``--retry-failed``)."""
    key = _own_key(uri)
    if key is not None and key.startswith(f"{STAGED}/"):
        media_storage().delete(key)
