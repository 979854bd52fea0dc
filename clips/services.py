"""Writes on clips: registering records from an import, and ingesting their media."""

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import orjson
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.models import Project
from annotation.services.audit import audit_record
from annotation.services.jobs import heartbeat, send, stale_before
from annotation.storage import delete_tree, is_local, put
from clips.importers.manifest import collect
from clips.importers.records import ClipRecord
from clips.importers.segments import SegmentRecord
from clips.media import MediaError, MediaToolMissing
from clips.media.probe import probe
from clips.media.tools import binary
from clips.models import Clip, ImportJob, Segment
from clips.selectors import WAITING
from clips.sources import drop_staged, fetch_source, stage_source

log = logging.getLogger(__name__)
INGEST_TASK = "clips.tasks.ingest_clip"

VIDEO_NAME = "video.mp4"
AUDIO_NAME = "audio.m4a"  # audio only: AAC in MP4, served as audio/mp4
POSTER_NAME = "poster.jpg"
WAVEFORM_NAME = "waveform.json"
BATCH_SIZE = 2000
# What a record describes: an empty value leaves the clip's as it is.
DESCRIBED = ("kind", "language", "title", "transcript", "speaker", "source_video", "batch")


@dataclass(slots=True)
class RegisterResult:
    created: int = 0
    updated: int = 0
    already_ingested: list[str] = field(default_factory=list)
    to_ingest: list[int] = field(default_factory=list)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _describe(clip: Clip, record: ClipRecord, *, attach_media: bool = True) -> None:
    for name in DESCRIBED:
        value = getattr(record, name)
        if value:
            setattr(clip, name, value)
    if record.meta:
        clip.meta = {**clip.meta, **record.meta}
    if attach_media and record.source is not None:
        # New media is hashed afresh: a duplicate keeping its old hash while pending would
        # collide with its original on ``clip_unique_content`` (re-importing a folder).
        clip.source_uri = str(record.source)
        clip.media_status = Clip.MediaStatus.PENDING
        clip.media_error = ""
        clip.content_sha256 = None
        clip.duplicate_of = None


@transaction.atomic
def clips_register(*, project: Project, records: Sequence[ClipRecord]) -> RegisterResult:
    """Create or update clip records in bulk, keyed by ``(project, external_id)``.

    A record that exists already (say, made by a label import before its media arrived) gets
    the new description and media source. A clip whose media is ingested keeps its media:
    importing the same folder twice does no media work twice. On PostgreSQL records without
    media go through ``COPY`` and one upsert (``_write_copy``); the rest, and everything on
    other databases, through the ORM in batches (``_write_orm``), with the same outcome.
    """
    result = RegisterResult()
    by_id = {record.external_id: record for record in records}
    copy = connection.vendor == "postgresql"
    touched = {
        **_write_orm(project, [r for r in by_id.values() if not copy or r.source], result),
        **_write_copy(project, [r for r in by_id.values() if copy and not r.source], result),
    }
    _replace_segments(
        [
            (touched[r.external_id][0], r.segments)
            for r in records
            if r.segments is not None and r.external_id in touched
        ]
    )
    result.to_ingest = [pk for pk, status in touched.values() if status == Clip.MediaStatus.PENDING]
    return result


# What a writer reports for each clip it touched, by external id: its pk and media status.
Touched = dict[str, tuple[int, str]]


def _write_orm(project: Project, records: Sequence[ClipRecord], result: RegisterResult) -> Touched:
    existing: dict[str, Clip] = {}
    for ids in _chunks([r.external_id for r in records], BATCH_SIZE):
        existing.update(
            (clip.external_id, clip)
            for clip in Clip.objects.filter(project=project, external_id__in=ids)
        )
    new_clips, changed = [], []
    for record in records:
        clip = existing.get(record.external_id)
        if clip is None:
            clip = Clip(project=project, external_id=record.external_id)
            _describe(clip, record)
            new_clips.append(clip)
        else:
            ingested = clip.media_status == Clip.MediaStatus.READY and record.source is not None
            if ingested:
                result.already_ingested.append(record.external_id)
            _describe(clip, record, attach_media=not ingested)
            changed.append(clip)
    Clip.objects.bulk_create(new_clips, batch_size=BATCH_SIZE)
    Clip.objects.bulk_update(
        changed,
        [
            *DESCRIBED,
            "meta",
            "source_uri",
            "media_status",
            "media_error",
            "content_sha256",
            "duplicate_of",
        ],
        batch_size=BATCH_SIZE,
    )
    result.created += len(new_clips)
    result.updated += len(changed)
    return {clip.external_id: (clip.pk, clip.media_status) for clip in [*new_clips, *changed]}


def _write_copy(project: Project, records: Sequence[ClipRecord], result: RegisterResult) -> Touched:
    """Records without media on PostgreSQL: ``COPY`` into a staging table, then one
    ``INSERT … ON CONFLICT`` that describes as ``_describe`` does — a new clip takes the model's
    defaults for what the record leaves empty, an existing one keeps its values there and
    merges ``meta`` — and returns which rows were new."""
    if not records:
        return {}
    table = connection.ops.quote_name(Clip._meta.db_table)
    template = Clip(project=project)
    now = timezone.now()
    template.created_at = template.updated_at = now
    columns, values, params = [], [], []
    for f in Clip._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(cast(str, f.column)))
        if f.name == "external_id":
            values.append("s.external_id")
        elif f.name == "meta":
            values.append("s.meta")
        else:
            typed = f"%s::{f.db_type(connection)}"  # a bare parameter has no type to infer
            values.append(
                f"COALESCE(NULLIF(s.{f.name}, ''), {typed})" if f.name in DESCRIBED else typed
            )
            params.append(f.get_db_prep_save(getattr(template, f.attname), connection))
    described = ", ".join(f"{name} text" for name in DESCRIBED)
    merge = ", ".join(  # the described fields are plain columns named as the fields
        f"{name} = COALESCE(NULLIF(EXCLUDED.{name}, ''), {table}.{name})" for name in DESCRIBED
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS clip_import_stage")
        cursor.execute(
            f"CREATE TEMP TABLE clip_import_stage (external_id text, {described}, meta jsonb) "
            "ON COMMIT DROP"
        )
        stage = f"COPY clip_import_stage (external_id, {', '.join(DESCRIBED)}, meta) FROM STDIN"
        with cursor.cursor.copy(stage) as copy:
            for r in records:
                described_values = [getattr(r, name) for name in DESCRIBED]
                copy.write_row([r.external_id, *described_values, orjson.dumps(r.meta).decode()])
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM clip_import_stage s "
            "ON CONFLICT (project_id, external_id) DO UPDATE SET "
            f"{merge}, meta = {table}.meta || EXCLUDED.meta "
            "RETURNING id, external_id, media_status, xmax = 0",
            params,
        )
        rows = cursor.fetchall()
    created = sum(1 for *_, new in rows if new)
    result.created += created
    result.updated += len(rows) - created
    return {external_id: (pk, status) for pk, external_id, status, _new in rows}


def _replace_segments(pairs: list[tuple[int, list[SegmentRecord]]]) -> None:
    if not pairs:
        return
    Segment.objects.filter(clip_id__in=[clip_id for clip_id, _segments in pairs]).delete()
    Segment.objects.bulk_create(
        [
            Segment(
                clip_id=clip_id,
                index=seg.index,
                start_s=seg.start_s,
                end_s=seg.end_s,
                text=seg.text,
                speaker=seg.speaker,
            )
            for clip_id, segments in pairs
            for seg in segments
        ],
        batch_size=BATCH_SIZE,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def clip_media_dir(clip: Clip) -> Path:
    return Path(f"clips/{clip.project_id}/{clip.pk}")


def clip_ingest_media(*, clip_id: int, takeover: bool = False) -> Clip:
    """Probe, make playable, poster and waveform for one clip; failures land on the clip.

    Safe to run again: a clip that is no longer pending (ready, failed, duplicate) is left
    alone, and one left ``processing`` by a dead worker — no heartbeat (``updated_at``) for
    ``JOB_STALE_SECONDS``, or a ``takeover`` by a redelivered message — is taken up again;
    one alive on another worker is not. Only the media fields are written, so labels arriving
    meanwhile are never overwritten.
    """
    processing = Q(media_status=Clip.MediaStatus.PROCESSING)
    if not takeover:
        processing &= Q(updated_at__lt=stale_before())
    claimed = (
        Clip.objects.filter(Q(media_status=Clip.MediaStatus.PENDING) | processing, pk=clip_id)
        .update(media_status=Clip.MediaStatus.PROCESSING, media_error="", updated_at=timezone.now())
    )  # fmt: skip
    clip = Clip.objects.get(pk=clip_id)
    if not claimed:
        return clip
    alive = Clip.objects.filter(pk=clip_id, media_status=Clip.MediaStatus.PROCESSING)
    try:
        with heartbeat(lambda: alive.update(updated_at=timezone.now())):
            fields = _ingest(clip)
    except MediaError as exc:
        fields = {"media_status": Clip.MediaStatus.FAILED, "media_error": str(exc)}
    except Exception as exc:  # one bad file never stops an import: record it, keep going
        log.exception("ingesting clip %s failed unexpectedly", clip_id)
        fields = {
            "media_status": Clip.MediaStatus.FAILED,
            "media_error": _("internal error: %(error)s") % {"error": exc},
        }
    try:
        with transaction.atomic():
            Clip.objects.filter(pk=clip_id).update(**fields, updated_at=timezone.now())
    except IntegrityError:
        # Same content ingested concurrently under another id: the constraint decided, and
        # the files this loser made are nobody's.
        _mark_duplicate(clip_id, fields["content_sha256"])
        delete_tree(clip_media_dir(clip).as_posix())
    clip.refresh_from_db()
    if clip.media_status in (Clip.MediaStatus.READY, Clip.MediaStatus.DUPLICATE):
        drop_staged(clip.source_uri)
    return clip


def _mark_duplicate(clip_id: int, sha256: str) -> None:
    clip = Clip.objects.get(pk=clip_id)
    original = (
        Clip.objects.filter(project_id=clip.project_id, content_sha256=sha256)
        .exclude(pk=clip_id)
        .exclude(media_status=Clip.MediaStatus.DUPLICATE)
        .first()
    )
    Clip.objects.filter(pk=clip_id).update(
        media_status=Clip.MediaStatus.DUPLICATE,
        content_sha256=sha256,
        duplicate_of=original,
        media_error=_("same content as clip %(clip)s")
        % {"clip": original.external_id if original else "?"},
        updated_at=timezone.now(),
    )


def _ingest(clip: Clip) -> dict[str, Any]:
    # Here, not at the top: ffmpeg-python and numpy load in the media worker only, not in
    # every process that imports this module to register records.
    from clips.media.poster import write_poster
    from clips.media.transcode import make_playable
    from clips.media.waveform import waveform

    tmp_root = Path(settings.MEDIA_ROOT) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    # Work in a private local folder (the source's copy, ffmpeg's output), then put the
    # results into storage: a crash never leaves half a file where the player would find it,
    # and the next attempt removes what a killed one left.
    for leftover in tmp_root.glob(f"ingest-{clip.pk}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=tmp_root, prefix=f"ingest-{clip.pk}-") as tmp:
        work = Path(tmp)
        source = fetch_source(clip.source_uri, work)
        sha256 = file_sha256(source)
        original = (
            Clip.objects.filter(project_id=clip.project_id, content_sha256=sha256)
            .exclude(pk=clip.pk)
            .exclude(media_status=Clip.MediaStatus.DUPLICATE)
            .only("pk", "external_id")
            .first()
        )
        if original is not None:
            return {
                "media_status": Clip.MediaStatus.DUPLICATE,
                "content_sha256": sha256,
                "duplicate_of": original,
                "media_error": _("same content as clip %(clip)s") % {"clip": original.external_id},
            }
        info = probe(source)
        media_name = VIDEO_NAME if info.has_video else AUDIO_NAME
        result = make_playable(source, work / media_name, info)
        names = [media_name, WAVEFORM_NAME]
        if result.has_video:  # audio only has no picture to show: no poster
            write_poster(work / media_name, work / POSTER_NAME, result.duration_s)
            names.append(POSTER_NAME)
        peaks = waveform(
            work / media_name,
            peaks_per_second=settings.WAVEFORM_PEAKS_PER_SECOND,
            has_audio=result.has_audio,
        )
        (work / WAVEFORM_NAME).write_bytes(orjson.dumps(peaks))
        for name in names:
            put(f"{clip_media_dir(clip).as_posix()}/{name}", work / name, move=True)
    rel = clip_media_dir(clip)
    return {
        "media_status": Clip.MediaStatus.READY,
        "media_error": "",
        "content_sha256": sha256,
        "media_file": str(rel / media_name),
        "poster": str(rel / POSTER_NAME) if result.has_video else "",
        "waveform": str(rel / WAVEFORM_NAME),
        "transcoded": not info.browser_playable,
        "probe": {"source": info.as_dict(), "output": result.as_dict()},
        "duration_s": result.duration_s,
        "fps": result.fps,
        # Display dimensions (rotation applied); none for audio only.
        "width": result.width or None,
        "height": result.height or None,
        "has_audio": result.has_audio,
        "ingested_at": timezone.now(),
    }


def clip_ingest_send(clip_id: int, *, mark_sent: bool = False) -> None:
    """Ingest on the media queue (the clip is committed); a broker that is down leaves the
    clip pending for ``clips_ingest_resend``."""

    def sent() -> None:  # the next sweep waits again from now
        Clip.objects.filter(pk=clip_id, media_status=Clip.MediaStatus.PENDING).update(
            updated_at=timezone.now()
        )

    send(INGEST_TASK, clip_id, sent=sent if mark_sent else None)


def clips_ingest_resend() -> int:
    """Ring again for media nobody is ingesting: pending longer than ``JOB_RESEND_SECONDS``
    (never sent, or the message was lost), or processing without a heartbeat."""
    resend_before = timezone.now() - timedelta(seconds=settings.JOB_RESEND_SECONDS)
    waiting = Clip.objects.filter(
        Q(media_status=Clip.MediaStatus.PENDING, updated_at__lt=resend_before)
        | Q(media_status=Clip.MediaStatus.PROCESSING, updated_at__lt=stale_before())
    )
    ids = list(waiting.order_by("pk").values_list("pk", flat=True)[: settings.SWEEP_BATCH])
    for clip_id in ids:
        clip_ingest_send(clip_id, mark_sent=True)
    return len(ids)


def clips_retry_failed(*, project: Project) -> list[int]:
    """Put failed clips back in the queue (after fixing a file or installing ffmpeg)."""
    failed = Clip.objects.filter(project=project, media_status=Clip.MediaStatus.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    failed.update(media_status=Clip.MediaStatus.PENDING, media_error="")
    return ids


def import_job_attach(*, job: ImportJob, clip_ids: Sequence[int]) -> None:
    """The clips this import ingests: its progress is theirs."""
    for ids in _chunks(list(clip_ids), BATCH_SIZE):
        Clip.objects.filter(pk__in=ids).update(import_job=job)


def clips_import(
    *,
    project: Project,
    paths: Sequence[Path],
    kind: str | None = None,
    language: str | None = None,
    retry_failed: bool = False,
    actor: User | None = None,
    on_sent: Callable[[int, int], None] | None = None,
) -> ImportJob:
    """Import media files, folders and CSV manifests (``collect``) into ``project``: register
    the clip records, record the import as a job and send the clips to the media queue. The
    job's report says what was skipped and why, and counts new, updated and already ingested
    records; its progress is its clips' (``import_job_settle``). Without ffmpeg the records
    are kept and the job is returned failed, with the reason in ``report["error"]``.

    Raises ``ManifestError`` for a manifest that cannot be read (nothing is written then).
    Call it outside a transaction: the workers must find the clips it sends.
    ``on_sent(n, total)`` follows the sending (with eager tasks: the ingestion).
    """
    collected = collect(paths, kind=kind, language=language)
    _stage_sources(project, collected.records)
    result = clips_register(project=project, records=collected.records)
    to_ingest = result.to_ingest
    if retry_failed:
        to_ingest = sorted({*to_ingest, *clips_retry_failed(project=project)})
    job = ImportJob.objects.create(
        project=project,
        kind=ImportJob.Kind.CLIPS,
        total=len(collected.records),
        created_by=actor,
        report={
            "problems": collected.problems,
            "already_ingested": result.already_ingested,
            "created": result.created,
            "updated": result.updated,
            "to_ingest": len(to_ingest),
        },
    )
    import_job_attach(job=job, clip_ids=to_ingest)
    audit_record(
        action="clips.imported",
        project=project,
        actor=actor,
        target=job,
        data={"created": result.created, "updated": result.updated},
    )
    if to_ingest:
        try:
            binary("ffmpeg"), binary("ffprobe")
        except MediaToolMissing as exc:
            error = _(
                "%(error)s. The %(n)d clip records are kept and will be ingested when the "
                "import is run again."
            ) % {"error": exc, "n": len(to_ingest)}
            job.status = ImportJob.Status.FAILED
            job.finished_at = timezone.now()
            job.report = {**job.report, "error": error}
            job.save(update_fields=["status", "finished_at", "report"])
            return job
    for n, clip_id in enumerate(to_ingest, 1):
        clip_ingest_send(clip_id)  # the records are committed: clips_register is atomic
        if on_sent is not None:
            on_sent(n, len(to_ingest))
    # Nothing to ingest, or ingested in-process (eager tasks): finished now.
    return import_job_settle(job_id=job.pk)


def _stage_sources(project: Project, records: Sequence[ClipRecord]) -> None:
    """Object storage: put each local source into the bucket before its record points at it,
    so the worker that ingests it needs no disk of ours (a clip ingested already keeps its
    media, and its source is not copied)."""
    if is_local():
        return
    local = [r for r in records if isinstance(r.source, Path)]
    ready: set[str] = set()
    for batch in _chunks([r.external_id for r in local], BATCH_SIZE):
        ready.update(
            Clip.objects.filter(
                project=project, external_id__in=batch, media_status=Clip.MediaStatus.READY
            ).values_list("external_id", flat=True)
        )
    for record in local:
        if record.external_id not in ready:
            path = cast(Path, record.source)
            record.source = stage_source(project=project, external_id=record.external_id, path=path)


def import_job_settle(*, job_id: int) -> ImportJob:
    """Finish a clip import once none of its clips waits for ingestion: by the worker that
    ingests the last one, or by the command that waited. Idempotent (a conditional update)."""
    job = ImportJob.objects.get(pk=job_id)
    clips = Clip.objects.filter(import_job_id=job_id)
    # Every ingest task asks: an index seek on (import_job, media_status), not a scan.
    if job.status != ImportJob.Status.RUNNING or clips.filter(media_status__in=WAITING).exists():
        return job
    counts = dict(
        clips.values_list("media_status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("media_status", "n")
    )
    failures = list(
        clips.filter(media_status__in=[Clip.MediaStatus.FAILED, Clip.MediaStatus.DUPLICATE])
        .order_by("pk")
        .values_list("external_id", "media_status", "media_error")
    )
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.DONE,
        processed=len(job.report.get("already_ingested", [])) + sum(counts.values()),
        failed=len(failures),
        finished_at=timezone.now(),
        report={
            **job.report,
            "media": counts,
            "failures": [{"clip": e, "status": s, "error": m} for e, s, m in failures],
        },
    )
    job.refresh_from_db()
    return job


def import_jobs_settle_stale() -> int:
    """Finish clip imports the ingest tasks could not: one whose command died before its
    clips were attached or sent, or whose last clip was settled elsewhere. Returns how many
    were finished (those with clips still waiting are left to the workers)."""
    running = ImportJob.objects.filter(
        kind=ImportJob.Kind.CLIPS, status=ImportJob.Status.RUNNING, created_at__lt=stale_before()
    )
    ids = list(running.order_by("pk").values_list("pk", flat=True)[: settings.SWEEP_BATCH])
    settled = [import_job_settle(job_id=job_id) for job_id in ids]
    return sum(job.status != ImportJob.Status.RUNNING for job in settled)
