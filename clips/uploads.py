"""Media uploads from the browser: the server side of tus 1.0 (core, creation, termination).

Why our own and not a package: the Django tus servers on PyPI were looked at (December 2026).
``django-tus`` last released in 2020; ``drf-tus`` 2.0.3 is maintained but checks the offset
and writes without a lock (two requests on one upload both pass the check), reads each chunk
into memory (``request.body``; tus-js-client sends a whole file as one PATCH by default),
deletes the upload on any write error, and pins the archived ``django-fsm``. The protocol's
core is small; this module is it, on our job conventions.

State lives in the ``Upload`` row and the file on disk (``MEDIA_ROOT/uploads/<project>/<id>/``
under the file's own name), never in memory: an upload resumes on any web process and after
a restart. The parts stay on that disk even with object storage: tus writes any number of
bytes at an offset, which S3 cannot take (no appends; multipart parts are 5 MiB at least and
fixed once sent). So with several web machines an upload resumes on the one holding its
bytes (or on a shared ``MEDIA_ROOT``), and a finished file is put into the bucket before its
ingest is sent (``clips_import`` stages it) and then removed here: no worker reads a web
process's disk. A PATCH takes the upload by a conditional UPDATE (offset as the client says, and
no live writer), so of two requests only one writes; the writer stores its offset as it goes
(after an fdatasync, so the offset never runs ahead of the data) and beats. A request whose
client vanished without the server noticing (the connection cut mid-body) goes silent, and
after ``UPLOAD_WRITER_STALE_SECONDS`` the client's resumed PATCH takes over at the stored
offset; should the silent one wake, its fenced updates fail and it stops — the bytes it may
still write are the same bytes at the same place.

A finished file is imported like a file given to ``import_clips``: the media queue ingests it,
and a corrupt or duplicate file gets the ingest's reason on its clip. Duplicates are caught
before sending when possible: the browser sends a fingerprint (SHA-256 of the size and the
first and last MiB, cheap for a file of several GB where a full hash in the browser is not),
and a file whose fingerprint and size match a finished upload in the project is refused at
creation with the clip it duplicates. A full SHA-256 still decides at ingest.
"""

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.errors import ApplicationError, Conflict, Invalid, TooLarge
from annotation.models import Project
from annotation.services.jobs import stale_before
from annotation.storage import is_local
from clips.importers.manifest import MEDIA_EXTENSIONS
from clips.models import Clip, ImportJob, Upload
from clips.services import clips_import

READ_BLOCK = 1 << 20
# How often a writer stores its offset and shows it is alive: after this many bytes, or this
# many seconds, whichever first (each store costs an fdatasync and an UPDATE).
CHECKPOINT_BYTES = 64 << 20
CHECKPOINT_SECONDS = 2.0
HAS_MEDIA = [Clip.MediaStatus.PENDING, Clip.MediaStatus.PROCESSING, Clip.MediaStatus.READY]


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Locked(ApplicationError):
    """Another request is writing this upload (tus clients retry a 423)."""

    status = 423
    code = "locked"


class Duplicate(Conflict):
    code = "duplicate"


def upload_path(upload: Upload) -> Path:
    return (
        Path(settings.MEDIA_ROOT)
        / "uploads"
        / str(upload.project_id)
        / str(upload.pk)
        / (upload.filename)
    )


def _filename(raw: str) -> str:
    name = Path(raw.replace("\\", "/")).name.strip()
    if not name or name.startswith("."):
        raise Invalid(_("the file needs a name"), field="filename")
    if Path(name).suffix.lower() not in MEDIA_EXTENSIONS:
        raise Invalid(
            _("%(name)s: not a media file (expected one of %(extensions)s)")
            % {"name": name, "extensions": ", ".join(sorted(MEDIA_EXTENSIONS))},
            field="filename",
        )
    return name[:255]


def upload_duplicate_of(*, project: Project, fingerprint: str, length: int) -> Clip | None:
    """The clip of a finished upload of the same content, if any (see the module's note)."""
    if not fingerprint:
        return None
    earlier = (
        Upload.objects.filter(
            project=project,
            fingerprint=fingerprint,
            length=length,
            status=Upload.Status.COMPLETE,
            clip__isnull=False,
        )
        .exclude(clip__media_status=Clip.MediaStatus.FAILED)
        .select_related("clip")
        .order_by("created_at")
        .first()
    )
    return earlier.clip if earlier else None


def upload_create(
    *, project: Project, user: User, filename: str, length: int, fingerprint: str = ""
) -> Upload:
    """tus creation: a new upload of ``length`` bytes, with its (empty, sparse) file."""
    name = _filename(filename)
    if length < 1:
        raise Invalid(_("the file is empty"), field="Upload-Length")
    if length > settings.UPLOAD_MAX_BYTES:
        raise TooLarge(
            _("%(name)s is larger than the %(gib).1f GiB an upload may be")
            % {"name": name, "gib": settings.UPLOAD_MAX_BYTES / 1024**3}
        )
    taken = Clip.objects.filter(
        project=project, external_id=Path(name).stem, media_status__in=HAS_MEDIA
    ).exists()
    if taken:  # the import would keep the clip's media and ignore this file
        raise Conflict(
            _("%(name)s: clip %(clip)s has its media already")
            % {"name": name, "clip": Path(name).stem}
        )
    fingerprint = fingerprint if len(fingerprint) == 64 else ""
    original = upload_duplicate_of(project=project, fingerprint=fingerprint, length=length)
    if original is not None:
        raise Duplicate(
            _("%(name)s: same content as clip %(clip)s")
            % {"name": name, "clip": original.external_id}
        )
    upload = Upload.objects.create(
        project=project, created_by=user, filename=name, length=length, fingerprint=fingerprint
    )
    path = upload_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


@dataclass(slots=True)
class _Writer:
    upload: Upload
    token: uuid.UUID

    def store(self, **fields: object) -> None:
        """Record progress; raises ``Conflict`` if another request took the upload over."""
        mine = Upload.objects.filter(pk=self.upload.pk, writer=self.token)
        if not mine.update(writer_seen_at=timezone.now(), **fields):
            raise Conflict(_("another request took this upload over"))


def _take(upload: Upload, offset: int) -> _Writer:
    token = uuid.uuid4()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.UPLOAD_WRITER_STALE_SECONDS)
    taken = Upload.objects.filter(
        Q(writer__isnull=True) | Q(writer_seen_at__lt=stale),
        pk=upload.pk,
        status=Upload.Status.RECEIVING,
        offset=offset,
    ).update(writer=token, writer_seen_at=now)
    if taken:
        return _Writer(upload, token)
    upload.refresh_from_db()
    if upload.status != Upload.Status.RECEIVING:
        raise Conflict(_("this upload is complete"))
    if upload.offset != offset:
        raise Conflict(
            _("Upload-Offset %(offset)d does not match the %(stored)d bytes received")
            % {"offset": offset, "stored": upload.offset}
        )
    raise Locked(_("another request is writing this upload; try again shortly"))


def upload_write(
    *,
    upload: Upload,
    offset: int,
    body: Readable,
    body_length: int | None,
) -> Upload:
    """tus PATCH: write ``body`` at ``offset`` and store how far it got, even when the client
    goes away mid-body (the bytes received are kept for the resumed request)."""
    if body_length is not None and offset + body_length > upload.length:
        raise Invalid(_("the body runs past Upload-Length"), field="Content-Length")
    if not upload_path(upload).is_file():  # several web hosts, no shared MEDIA_ROOT
        raise Conflict(
            _(
                "this upload's bytes are on another web server: resume it there (send an "
                "upload's requests to one server, or share MEDIA_ROOT between them)"
            )
        )
    writer = _take(upload, offset)
    position = offset
    try:
        with upload_path(upload).open("r+b") as out:
            out.seek(offset)
            remaining = upload.length - offset if body_length is None else body_length
            stored_at, stored_time = position, time.monotonic()
            while remaining > 0:
                try:
                    block = body.read(min(READ_BLOCK, remaining))
                except OSError:  # the client went away
                    break
                if not block:
                    break
                out.write(block)
                position += len(block)
                remaining -= len(block)
                if (
                    position - stored_at >= CHECKPOINT_BYTES
                    or time.monotonic() - stored_time >= CHECKPOINT_SECONDS
                ):
                    out.flush()
                    os.fdatasync(out.fileno())
                    writer.store(offset=position)
                    stored_at, stored_time = position, time.monotonic()
            out.flush()
            os.fdatasync(out.fileno())
    finally:
        complete = position == upload.length
        try:
            writer.store(
                offset=position,
                writer=None,
                **({"status": Upload.Status.COMPLETE} if complete else {}),
            )
        except Conflict:
            complete = False  # taken over meanwhile: the other request finishes it
    upload.refresh_from_db()
    if complete:
        upload_import(upload=upload)
        upload.refresh_from_db()
    return upload


def upload_import(*, upload: Upload) -> ImportJob:
    """Hand a finished file to the media queue: an import of that one file (``clips_import``)."""
    path = upload_path(upload)
    job = clips_import(project=upload.project, paths=[path], actor=upload.created_by)
    clip = Clip.objects.get(project=upload.project, external_id=path.stem)
    Upload.objects.filter(pk=upload.pk).update(import_job=job, clip=clip)
    if not is_local():  # staged into the bucket by the import: this disk's copy is spent
        shutil.rmtree(path.parent, ignore_errors=True)
    return job


def upload_terminate(*, upload: Upload) -> None:
    """tus termination: an unfinished upload and its file go (a finished one is a clip now)."""
    if upload.status == Upload.Status.COMPLETE:
        raise Conflict(
            _("this upload is complete: it is clip %(clip)s now")
            % {"clip": upload.clip.external_id if upload.clip else "?"}
        )
    Upload.objects.filter(pk=upload.pk).delete()
    shutil.rmtree(upload_path(upload).parent, ignore_errors=True)


def uploads_sweep() -> dict[str, int]:
    """Periodic (``work_sweep``): import a finished file whose request died before handing it
    over, and remove uploads left unfinished for ``UPLOAD_EXPIRE_DAYS`` with their files."""
    now = timezone.now()
    orphans = Upload.objects.filter(
        status=Upload.Status.COMPLETE, import_job__isnull=True, updated_at__lt=stale_before()
    ).select_related("project", "created_by")
    imported = 0
    for upload in orphans[: settings.SWEEP_BATCH]:
        if not upload_path(upload).is_file():
            # Object storage: the file is on the disk of the web process that received it
            # (the module's note), not this worker's. Importing here would find no file and
            # fail the whole sweep; it waits for a shared MEDIA_ROOT or an operator.
            continue
        upload_import(upload=upload)
        imported += 1
    expired = Upload.objects.filter(
        status=Upload.Status.RECEIVING,
        updated_at__lt=now - timedelta(days=settings.UPLOAD_EXPIRE_DAYS),
    )
    removed = 0
    for upload in expired[: settings.SWEEP_BATCH]:
        upload_terminate(upload=upload)
        removed += 1
    return {"imported": imported, "expired": removed}
