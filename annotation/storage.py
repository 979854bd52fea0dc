"""Every stored file (media, posters, waveforms, sources, label uploads, releases) goes through
Django's storage API: the local file system in the embedded mode, S3-compatible object storage
(django-storages) with ``STORAGE_BACKEND=s3``, so web and workers on several machines share
only the database, the broker and the bucket.

What a process needs as a file on its own disk (ffmpeg's input, a release being built, label
sheets to parse) is a local copy in a scratch folder (``MEDIA_ROOT/tmp``), removed afterwards;
on the file system the stored file itself is used, as there is nothing to copy.
"""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils.encoding import filepath_to_uri
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage


class MediaS3Storage(S3Storage):
    """S3 whose ``url()`` is the app's members-only ``/media/`` view (as on the file system):
    templates and serializers never hand out a bucket URL; the view checks membership and then
    redirects to ``presigned_url``."""

    def url(
        self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        return f"{settings.MEDIA_URL}{filepath_to_uri(name)}"

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """A ``.gz`` is stored as what it is: django-storages would guess "tar" with
        ``Content-Encoding: gzip``, and browsers and HTTP clients would then unpack a release
        archive on download (its SHA-256 no longer matching)."""
        params: dict[str, Any] = super().get_object_parameters(name)
        if name.endswith(".gz"):
            params = {**params, "ContentType": "application/gzip"}
        return params

    @cached_property
    def _public_client(self) -> Any:
        """A client for the address browsers use (``AWS_S3_PUBLIC_ENDPOINT_URL``), when the
        one the servers use (``AWS_S3_ENDPOINT_URL``, say ``http://minio:9000``) is private.
        Signing is local: this client never connects."""
        return self._create_session().client(
            "s3",
            region_name=self.region_name,
            endpoint_url=settings.AWS_S3_PUBLIC_ENDPOINT_URL,
            config=self.client_config,
        )

    def presigned_url(self, name: str, *, download_as: str | None = None) -> str:
        """A GET URL valid for ``AWS_QUERYSTRING_EXPIRE`` seconds; ``download_as`` makes the
        browser save the file under that name."""
        params = {"Bucket": self.bucket_name, "Key": self._normalize_name(name)}
        if download_as:
            params["ResponseContentDisposition"] = content_disposition_header(True, download_as)
        client = (
            self._public_client
            if settings.AWS_S3_PUBLIC_ENDPOINT_URL
            else self.connection.meta.client
        )
        url: str = client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.querystring_expire
        )
        return url


class _Move(File):
    """A local file the file-system storage may move into place (a rename, atomic and free)
    instead of copying; other storages read it."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def media_storage() -> Storage:
    return storages["default"]


def is_local() -> bool:
    """Whether stored files are files on this machine's disk (the embedded mode)."""
    try:
        media_storage().path("")
    except NotImplementedError:
        return False
    return True


def scratch(prefix: str) -> Path:
    """A new private folder on this process's disk, under ``MEDIA_ROOT/tmp``."""
    root = Path(settings.MEDIA_ROOT) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root, prefix=prefix))


def put(name: str, local: Path, *, move: bool = False) -> None:
    """Store the local file as ``name`` (replacing it). ``move`` lets the file system take the
    file itself (the caller's copy is gone then)."""
    with local.open("rb") as handle:
        content = _Move(handle, name=str(local)) if move else File(handle, name=local.name)
        stored = media_storage().save(name, content)
    if stored != name:  # both backends are configured to overwrite, never to rename
        raise RuntimeError(f"stored as {stored}, not {name}")


def put_tree(local: Path, prefix: str, *, move: bool = False) -> None:
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        put(f"{prefix}/{path.relative_to(local).as_posix()}", path, move=move)


def delete_tree(prefix: str) -> None:
    storage = media_storage()
    if is_local():
        shutil.rmtree(storage.path(prefix), ignore_errors=True)
        return
    for name in list(_walk(prefix)):
        storage.delete(name)


def fetch(name: str, folder: Path) -> Path:
    """The stored file on this disk: itself on the file system, else a download to
    ``folder/name`` (nothing there when storage has no such file)."""
    if is_local():
        return Path(media_storage().path(name))
    target = folder / name
    if media_storage().exists(name):
        _download(name, target)
    return target


def _download(name: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with media_storage().open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)


@contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """The stored file as a path on this disk, in a folder named as its own (readers take
    meaning from it: a batch, a film), for as long as the block runs."""
    if is_local():
        yield Path(media_storage().path(name))
        return
    folder = scratch("copy-")
    try:
        target = folder / Path(name).parent.name / Path(name).name
        _download(name, target)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _walk(prefix: str) -> Iterator[str]:
    dirs, files = media_storage().listdir(prefix)
    yield from (f"{prefix}/{name}" for name in files)
    for sub in dirs:
        yield from _walk(f"{prefix}/{sub}")


@contextmanager
def local_tree(prefix: str, *, skip: tuple[str, ...] = ()) -> Iterator[Path]:
    """A stored folder as a folder on this disk (without the top-level ``skip`` folders when
    it has to be copied), for as long as the block runs."""
    if is_local():
        yield Path(media_storage().path(prefix))
        return
    folder = scratch("tree-")
    try:
        for name in _walk(prefix):
            relative = name[len(prefix) + 1 :]
            if relative.split("/", 1)[0] not in skip:
                _download(name, folder / relative)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_storage() -> dict[str, Any]:
    """``/healthz``: write, read back and remove a small file in the configured storage."""
    storage = media_storage()
    # One name per check: the threads of a web process check at the same time.
    name = storage.save(f"healthz/{os.uname().nodename}-{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with storage.open(name, "rb") as handle:
            if handle.read() != b"ok":
                raise OSError("read back something else")
    finally:
        storage.delete(name)
    return {"ok": True, "backend": settings.STORAGE_BACKEND}
