"""python manage.py import_labels FILES... --project SLUG --format emos-xlsx|emos-streaming|csv"""

from argparse import ArgumentParser
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotation.importers.labels import (
    LabelFileError,
    ParseResult,
    Vocabulary,
    read_emos_streaming,
    read_emos_xlsx,
    read_labels_csv,
)
from annotation.services.label_import import labels_import_recorded
from annotation.services.projects import project_get_or_create
from clips.models import Clip

PATTERNS = {"emos-xlsx": "*.xlsx", "emos-streaming": "*/*.emotion.json", "csv": "*.csv"}


class Command(BaseCommand):
    help = (
        "Import existing first-layer labels (one file per annotator) into a project, created if "
        "missing; clips are created from the source ids when they do not exist yet, and clips "
        "with k labels are routed (accepted as gold or disputed)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders")
        parser.add_argument("--project", required=True)
        parser.add_argument("--format", required=True, choices=sorted(PATTERNS))
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
        vocab = Vocabulary.from_schema(project.label_schema)
        files = self._files(opts["paths"], PATTERNS[opts["format"]])
        parsed = ParseResult()
        for path in tqdm(files, desc="reading", unit="file", disable=len(files) < 2):
            try:
                part = self._read(path, opts, vocab)
            except LabelFileError as exc:
                raise CommandError(str(exc)) from exc
            parsed.records += part.records
            parsed.unlabelled += part.unlabelled
            parsed.skipped += part.skipped
            parsed.clamped += part.clamped
        report = {
            "files": [str(f) for f in files],
            "unlabelled_rows": parsed.unlabelled,
            "skipped": parsed.skipped,
            "clamped": parsed.clamped,
        }
        try:
            _job, result = labels_import_recorded(
                project=project, records=parsed.records, source=opts["format"], report=report
            )
        except Exception as exc:
            raise CommandError(
                f"the import failed and nothing of it was kept ({type(exc).__name__}: {exc}); "
                "it is recorded as a failed import"
            ) from exc
        self._summary(parsed, result, project)

    def _files(self, paths: list[Path], pattern: str) -> list[Path]:
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                found = sorted(path.glob(pattern)) or sorted(path.glob(pattern.split("/")[-1]))
                if not found:
                    raise CommandError(f"{path}: no {pattern} files")
                files += found
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{path}: no such file or folder")
        return files

    def _read(self, path: Path, opts: dict[str, Any], vocab: Vocabulary) -> ParseResult:
        if opts["format"] == "emos-xlsx":
            return read_emos_xlsx(path, vocab, batch=opts["batch"])
        if opts["format"] == "emos-streaming":
            return read_emos_streaming(path, vocab, annotator=opts["annotator"])
        return read_labels_csv(path, vocab)

    def _summary(self, parsed: ParseResult, result: Any, project: Any) -> None:
        for line in parsed.skipped + result.rejected:
            self.stderr.write(self.style.WARNING(f"skipped: {line}"))
        for line in parsed.clamped + result.clamped:
            self.stderr.write(f"clamped: {line}")
        stages = Counter(project.clips.values_list("stage", flat=True))
        self.stdout.write(
            f"{len(parsed.records)} labels read ({parsed.unlabelled} unlabelled rows, "
            f"{len(parsed.skipped)} values/rows skipped) from annotators "
            f"{', '.join(result.annotators)}: {result.created} new, {result.revised} revised, "
            f"{result.unchanged} unchanged, {len(result.rejected)} rejected"
        )
        summary = ", ".join(f"{stages[s]} {s}" for s in Clip.Stage.values if stages[s])
        self.stdout.write(self.style.SUCCESS(f"Project {project.slug}: {summary}"))
