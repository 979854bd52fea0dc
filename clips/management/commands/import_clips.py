"""python manage.py import_clips PATH... --project SLUG [--kind K] [--language L]"""

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotation.services.projects import project_get_or_create
from clips.importers.manifest import KINDS, LANGUAGES, ManifestError
from clips.models import ImportJob
from clips.selectors import TERMINAL, media_status_counts
from clips.services import clips_import, import_job_settle

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
            project, created = project_get_or_create(slug=opts["project"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"Created project {project.slug}")
        eager = settings.CELERY_TASK_ALWAYS_EAGER
        bar = tqdm(unit="clip", desc="ingesting", file=sys.stderr, disable=not eager)

        def sent(n: int, total: int) -> None:  # eager: the task ran in-process just now
            bar.total = total
            bar.update()

        try:
            job = clips_import(
                project=project,
                paths=opts["paths"],
                kind=opts["kind"],
                language=opts["language"],
                retry_failed=opts["retry_failed"],
                on_sent=sent,
            )
        except ManifestError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        report = job.report
        for problem in report["problems"]:
            self.stderr.write(self.style.WARNING(f"skipped: {problem}"))
        self.stdout.write(
            f"{job.total} clip records: {report['created']} new, {report['updated']} "
            f"updated, {len(report['already_ingested'])} already ingested; "
            f"{report['to_ingest']} to ingest"
        )
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(report["error"])
        if not eager and report["to_ingest"]:
            self._wait(job, wait=not opts["no_wait"])
        self._finish(job)

    def _wait(self, job: ImportJob, *, wait: bool) -> None:
        clip_ids = list(job.clips.values_list("pk", flat=True))
        bar = tqdm(total=len(clip_ids), unit="clip", desc="ingesting", file=sys.stderr)
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
