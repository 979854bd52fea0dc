"""Label files from the browser: kept with an import job that shows a preview of what the
import would do — nothing is written until an admin confirms — then imported by a worker
(``labels_import``), the report kept with the job.

The files are stored as ``uploads/labels/<job>/<folder>/<name>`` (annotation/storage.py: the
preview's web process and the importing worker need share no disk), the folder standing
for the one the command would be given: the batch for spreadsheets (a ``first-N``/``last-N``
batch name slices the sheet as the command does), the film for a streaming file.
"""

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from annotation.domain.schema import LabelSchema
from annotation.errors import Conflict, Invalid
from annotation.importers.labels import (
    EMOS_SUFFIX,
    LabelFileError,
    LabelRecord,
    ParseResult,
    Vocabulary,
    read_emos_streaming,
    read_emos_xlsx,
    read_labels_csv,
)
from annotation.models import Project
from annotation.payloads import validate_payload
from annotation.services.jobs import send, stale_before
from annotation.services.label_import import labels_import
from annotation.storage import delete_tree, local_copy, media_storage
from clips.models import Clip, ImportJob

log = logging.getLogger(__name__)
IMPORT_TASK = "annotation.tasks.label_upload_import"
FORMATS = {".xlsx": "emos-xlsx", ".json": "emos-streaming", ".csv": "csv"}


class UploadedFile(Protocol):
    name: str

    def chunks(self) -> Any: ...


@dataclass(slots=True)
class _Read:
    files: list[dict[str, Any]]
    parsed: ParseResult


def upload_names(name: str) -> tuple[str, str]:
    """(film, name) of an uploaded file: its name's last part (any folders dropped), and for
    an EmoS ``<film>.emotion.json`` its film, else "". The film is the folder the file is
    stored in, and its reader names the clip after that folder: both are kept as written
    (spaces and all; ``get_valid_filename`` would rename the clip), and refused (Invalid)
    when they name no file ("", ".", ".."). The storage refuses any other way out."""
    base = Path(name).name
    film = base.removesuffix(EMOS_SUFFIX) if base.endswith(EMOS_SUFFIX) else None
    try:
        for part in (base, film):
            if part is not None:
                validate_file_name(part)
    except SuspiciousFileOperation as exc:
        raise Invalid(
            _("%(name)s: not a usable file name") % {"name": name}, field="files"
        ) from exc
    return film or "", base


def _folder(job: ImportJob) -> str:
    return f"uploads/labels/{job.pk}"


def _format_of(name: str) -> str:
    suffix = ".json" if name.endswith(EMOS_SUFFIX) else Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise Invalid(
            _("%(name)s: not a label file (EmoS .xlsx sheets, <film>.emotion.json or .csv)")
            % {"name": name},
            field="files",
        )
    return FORMATS[suffix]


def _read(job: ImportJob, vocab: Vocabulary) -> _Read:
    """Each stored file parsed, with what the preview says about it."""
    fmt, annotator = job.report["format"], job.report["annotator"]
    out = _Read(files=[], parsed=ParseResult())
    for stored in job.report["files"]:
        with local_copy(stored) as path:
            try:
                if fmt == "emos-xlsx":
                    part = read_emos_xlsx(path, vocab, batch=job.report["batch"])
                elif fmt == "emos-streaming":
                    part = read_emos_streaming(path, vocab, annotator=annotator)
                else:
                    part = read_labels_csv(path, vocab)
            except LabelFileError as exc:  # the admin knows the file by its name, not our path
                raise LabelFileError(str(exc).replace(f"{path.parent.parent}/", "")) from exc
        out.files.append(
            {
                "name": path.name,
                "detected": part.detected,
                "columns": part.columns,
                "labels": len(part.records),
                "unlabelled": part.unlabelled,
                "skipped": len(part.skipped),
            }
        )
        out.parsed.records += part.records
        out.parsed.unlabelled += part.unlabelled
        out.parsed.skipped += part.skipped
        out.parsed.clamped += part.clamped
    return out


def _rejected(project: Project, records: list[LabelRecord]) -> list[str]:
    """What ``labels_import`` would reject against the schema (without writing)."""
    ids = {r.clip.external_id for r in records}
    known = {
        c.external_id: c
        for c in Clip.objects.filter(project=project, external_id__in=ids).only(
            "external_id", "kind", "duration_s"
        )
    }
    schema = LabelSchema.parse(project.label_schema)
    rejected = []
    for record in records:
        clip = known.get(record.clip.external_id)
        kind = clip.kind if clip else (record.clip.kind or Clip.Kind.STATIC)
        try:
            validate_payload(
                schema,
                record.payload,
                kind=kind,
                duration_s=clip.duration_s if clip else None,
                complete=False,
            )
        except Invalid as exc:
            rejected.append(f"{record.source_ref}: {exc.field}: {exc.message}")
    return rejected


def _preview(project: Project, read: _Read) -> dict[str, Any]:
    records = read.parsed.records
    ids = {r.clip.external_id for r in records}
    matched = Clip.objects.filter(project=project, external_id__in=ids).count()
    skipped = [*read.parsed.skipped, *_rejected(project, records)]
    return {
        "files": read.files,
        "annotators": [
            {"id": annotator, "labels": n}
            for annotator, n in sorted(Counter(r.annotator for r in records).items())
        ],
        "labels": len(records),
        "clips": {"total": len(ids), "matched": matched, "new": len(ids) - matched},
        "unlabelled_rows": read.parsed.unlabelled,
        "skipped": skipped,
    }


def label_upload_preview(
    *,
    project: Project,
    user: User,
    files: Sequence[UploadedFile],
    batch: str = "",
    annotator: str = "",
) -> ImportJob:
    """Store the files with a new import job in ``preview`` and say what importing would do.
    A file that cannot be read at all is refused (400) and nothing is kept."""
    if not files:
        raise Invalid(_("choose the label files to import"), field="files")
    names = [upload_names(f.name) for f in files]
    formats = {_format_of(name) for _, name in names}
    if len(formats) > 1:
        listed = ", ".join(sorted(formats))
        raise Invalid(_("one format per import: %(formats)s") % {"formats": listed}, field="files")
    fmt = formats.pop()
    job = ImportJob.objects.create(
        project=project, kind=ImportJob.Kind.LABELS, status=ImportJob.Status.PREVIEW,
        created_by=user,
    )  # fmt: skip
    batch = get_valid_filename(batch.strip()) if batch.strip() else f"upload-{job.pk}"
    stored = []
    try:
        for upload, (film, name) in zip(files, names, strict=True):
            folder = film if fmt == "emos-streaming" else batch
            stored.append(
                media_storage().save(f"{_folder(job)}/{folder}/{name}", upload)  # type: ignore[arg-type]
            )
        job.report = {
            "format": fmt, "files": stored, "batch": batch,
            "annotator": annotator.strip() or "emos",
        }  # fmt: skip
        read = _read(job, Vocabulary.from_schema(project.label_schema))
    except (LabelFileError, Invalid) as exc:
        delete_tree(_folder(job))
        job.delete()
        if isinstance(exc, Invalid):
            raise
        raise Invalid(str(exc), field="files") from exc
    job.total = len(read.parsed.records)
    job.report["preview"] = _preview(project, read)
    job.save(update_fields=["report", "total"])
    return job


def label_upload_confirm(*, job: ImportJob) -> ImportJob:
    """Start the import the preview described, once (a second confirm is a conflict)."""
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW).update(
        status=ImportJob.Status.RUNNING
    )
    if not started:
        raise Conflict(_("this import was confirmed already"))
    send(IMPORT_TASK, job.pk)
    job.refresh_from_db()
    return job


def label_upload_import(*, job_id: int) -> ImportJob:
    """The worker's part: read the stored files again and import them (``labels_import``);
    the outcome and the report (what was created, revised, unchanged, skipped and why) go on
    the job, beside the preview. The job's row stays locked while it runs, so a second message
    for it (redelivered, or the sweeper's) finds it taken, or finished, and does nothing."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("project", "created_by")
            .filter(pk=job_id, status=ImportJob.Status.RUNNING)
            .first()
        )
        if job is None:
            return ImportJob.objects.get(pk=job_id)
        return _import_locked(job)


def _import_locked(job: ImportJob) -> ImportJob:
    project = job.project
    try:
        read = _read(job, Vocabulary.from_schema(project.label_schema))
    except Exception as exc:  # the stored files changed or went since the preview
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(),
            report={**job.report, "error": f"{type(exc).__name__}: {exc}"},
        )  # fmt: skip
        job.refresh_from_db()
        return job
    parsed = read.parsed
    report = {**job.report, "unlabelled_rows": parsed.unlabelled, "skipped": parsed.skipped,
              "clamped": parsed.clamped}  # fmt: skip
    try:
        return labels_import(
            project=project, records=parsed.records, source=job.report["format"],
            report=report, actor=job.created_by, job=job,
        )  # fmt: skip
    except Exception:  # recorded on the job as failed, with the error
        log.exception("label import %s failed", job.pk)
        job.refresh_from_db()
        return job


def label_uploads_resend() -> int:
    """Send again the confirmed imports still running after the staleness timeout: their
    message was never taken (the broker was down at the confirm) or their worker died, which
    rolled the import back. One that is running holds its row, so the copy finds it taken.
    The confirm time is not kept: a preview confirmed long after it was made may be sent
    twice, which the lock makes harmless."""
    waiting = ImportJob.objects.filter(
        kind=ImportJob.Kind.LABELS,
        status=ImportJob.Status.RUNNING,
        created_at__lt=stale_before(),
    )
    ids = list(waiting.order_by("pk").values_list("pk", flat=True)[: settings.SWEEP_BATCH])
    for job_id in ids:
        send(IMPORT_TASK, job_id)
    return len(ids)
