"""python manage.py import_drafts FILES... --project SLUG --model NAME [--model-version V]
[--config ID] [--date YYYY-MM-DD]"""

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from annotation.errors import ApplicationError
from annotation.models import Project
from annotation.services.drafts import Provenance, drafts_import_files


class Command(BaseCommand):
    help = (
        "Import a model's predictions as drafts with their provenance: JSONL or CSV as the "
        "score command reads them, or EmoS <film>.emotion.json files (or film folders). "
        "All or nothing; the same run again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files or EmoS film folders")
        parser.add_argument("--project", required=True)
        parser.add_argument("--model", required=True, help="The model's name")
        parser.add_argument("--model-version", dest="model_version", default="")
        parser.add_argument("--config", default="", help="The prompt or config id")
        parser.add_argument("--date", type=date.fromisoformat, help="When the model ran")

    def handle(self, *args: Any, **opts: Any) -> None:
        project = Project.objects.filter(slug=opts["project"]).first()
        if project is None:
            raise CommandError(f"no project {opts['project']!r}")
        provenance = Provenance(opts["model"], opts["model_version"], opts["config"], opts["date"])
        try:
            run, created = drafts_import_files(
                project=project, paths=opts["paths"], provenance=provenance
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if not created:
            self.stdout.write(f"Run {run.pk} was imported already: nothing changed")
            return
        self.stdout.write(
            f"Run {run.pk}: {run.n_drafts} drafts imported, {run.n_unmatched} for clips the "
            f"project does not have"
        )
        for note in run.notes:
            self.stdout.write(f"  note: {note}")
