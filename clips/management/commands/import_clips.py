"""python manage.py import_clips PATH... --project SLUG [--kind K] [--language L]"""

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotation.services.audit import audit_record
from annotation.services.projects import project_get_or_create
from clips.importers.manifest import KINDS, LANGUAGES, ManifestError, collect
from clips.media import MediaToolMissing
from clips.media.tools import binary
from clips.models import ImportJob
from clips.selectors import TERMINAL, media_status_counts
from clips.services import (
    clip_ingest_send,
    clips_register,
    clips_retry_failed,
    import_job_attach,
    import_job_settle,
)

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "Import clips from media files, folders or CSV manifests into a project (created if "
        "missing), then ingest their media on the 'media' queue with a progress bar."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files, folders or .csv manifests")
        parser.add_argument("--project", required=True, help="Project slug")
        parser.add_argument("--kind", choices=KINDS, help="Default: stream when segments come")
        parser.add_argument("--language", choices=LANGUAGES, help="Default: from input, else en")
        parser.add_argument(
            "--retry-failed", action="store_true", help="Also re-ingest the project's failed clips"
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="With a broker: enqueue and return at once"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            collected = collect(opts["paths"], kind=opts["kind"], language=opts["language"])
            project, created = project_get_or_create(slug=opts["project"])
        except (ManifestError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"Created project {project.slug}")
        for problem in collected.problems:
            self.stderr.write(self.style.WARNING(f"skipped: {problem}"))

        result = clips_register(project=project, records=collected.records)
        to_ingest = result.to_ingest
        if opts["retry_failed"]:
            to_ingest = sorted({*to_ingest, *clips_retry_failed(project=project)})
        job = ImportJob.objects.create(
            project=project,
            kind=ImportJob.Kind.CLIPS,
            total=len(collected.records),
            report={"problems": collected.problems, "already_ingested": result.already_ingested},
        )
        import_job_attach(job=job, clip_ids=to_ingest)
        audit_record(
            action="clips.imported",
            project=project,
            target=job,
            data={"created": result.created, "updated": result.updated},
        )
        self.stdout.write(
            f"{len(collected.records)} clip records: {result.created} new, {result.updated} "
            f"updated, {len(result.already_ingested)} already ingested; "
            f"{len(to_ingest)} to ingest"
        )
        if to_ingest:
            try:
                binary("ffmpeg"), binary("ffprobe")
            except MediaToolMissing as exc:
                job.status = ImportJob.Status.FAILED
                job.save(update_fields=["status"])
                raise CommandError(
                    f"{exc}. The {len(to_ingest)} clip records are kept and will be ingested "
                    "when the import is run again."
                ) from exc
            self._ingest(to_ingest, wait=not opts["no_wait"])
        self._finish(job)

    def _ingest(self, clip_ids: list[int], *, wait: bool) -> None:
        bar = tqdm(total=len(clip_ids), unit="clip", desc="ingesting", file=sys.stderr)
        for clip_id in clip_ids:
            clip_ingest_send(clip_id)  # the records are committed: clips_register is atomic
            if settings.CELERY_TASK_ALWAYS_EAGER:
                bar.update()  # eager: the task ran in-process just now
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            if not wait:
                bar.close()
                self.stdout.write("Enqueued on the 'media' queue; follow progress in the admin.")
                return
            done = 0
            while done < len(clip_ids):
                time.sleep(POLL_SECONDS)
                counts = media_status_counts(clip_ids)
                now_done = sum(counts[s] for s in TERMINAL)
                bar.update(now_done - done)
                done = now_done
        bar.close()

    def _finish(self, job: ImportJob) -> None:
        job = import_job_settle(job_id=job.pk)
        if job.status == ImportJob.Status.RUNNING:  # --no-wait: the workers finish it
            return
        for failure in job.report["failures"]:
            self.stderr.write(
                self.style.ERROR(f"{failure['status']}: {failure['clip']}: {failure['error']}")
            )
        counts = job.report["media"]
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Import finished: {summary or 'no media'}"))
