"""python manage.py import_labels FILES... --project SLUG --format emos-xlsx|emos-streaming|csv"""

from argparse import ArgumentParser
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotation.importers.labels import FILE_PATTERNS, LabelFileError, label_files
from annotation.models import Project
from annotation.services.label_import import labels_import_files
from annotation.services.projects import project_get_or_create
from clips.models import Clip, ImportJob


class Command(BaseCommand):
    help = (
        "Import existing first-layer labels (one file per annotator) into a project, created if "
        "missing; clips are created from the source ids when they do not exist yet, and clips "
        "with k labels are routed (accepted as gold or disputed)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders")
        parser.add_argument("--project", required=True)
        parser.add_argument("--format", required=True, choices=sorted(FILE_PATTERNS))
        parser.add_argument(
            "--annotator",
            default="emos",
            help="Annotator id for emos-streaming files (they name none)",
        )
        parser.add_argument("--batch", help="Batch name (default: the file's folder)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            project, created = project_get_or_create(slug=opts["project"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"Created project {project.slug}")
        try:
            files = label_files(opts["paths"], opts["format"])
            job = labels_import_files(
                project=project,
                files=tqdm(files, desc="reading", unit="file", disable=len(files) < 2),
                fmt=opts["format"],
                annotator=opts["annotator"],
                batch=opts["batch"],
            )
        except LabelFileError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(
                f"the import failed and nothing of it was kept ({type(exc).__name__}: {exc}); "
                "it is recorded as a failed import"
            ) from exc
        self._summary(job, project)

    def _summary(self, job: ImportJob, project: Project) -> None:
        report = job.report
        for line in report["skipped"] + report["rejected"]:
            self.stderr.write(self.style.WARNING(f"skipped: {line}"))
        for line in report["clamped"]:
            self.stderr.write(f"clamped: {line}")
        stages = Counter(project.clips.values_list("stage", flat=True))
        self.stdout.write(
            f"{job.total} labels read ({report['unlabelled_rows']} unlabelled rows, "
            f"{len(report['skipped'])} values/rows skipped) from annotators "
            f"{', '.join(report['annotators'])}: {report['created']} new, "
            f"{report['revised']} revised, {report['unchanged']} unchanged, "
            f"{len(report['rejected'])} rejected"
        )
        summary = ", ".join(f"{stages[s]} {s}" for s in Clip.Stage.values if stages[s])
        self.stdout.write(self.style.SUCCESS(f"Project {project.slug}: {summary}"))
