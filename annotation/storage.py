"""Every stored file (media, posters, waveforms, sources, label uploads, releases) goes through
Django's storage API: the local file system in the embedded mode, S3-compatible object storage
(django-storages, ``storage_s3.py``) with ``STORAGE_BACKEND=s3``, so web and workers on several
machines share only the database, the broker and the bucket.

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
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages


@runtime_checkable
class Presigning(Protocol):
    """A storage whose files browsers fetch from it directly (object storage): the app only
    signs the address."""

    def presigned_url(self, name: str, *, download_as: str | None = None) -> str: ...


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
