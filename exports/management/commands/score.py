"""python manage.py score RELEASE_DIR PREDICTIONS [--split test] [--json]"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError

from exports.pipeline.evaluation import score


class Command(BaseCommand):
    help = (
        "Score model predictions (JSONL or CSV) against a release split: accuracy, macro-F1, "
        "weighted-F1, per-class F1 (answers outside the label set count as wrong), CCC for traces."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("release_dir", type=Path)
        parser.add_argument("predictions", type=Path)
        parser.add_argument("--split", default="test", choices=["train", "validation", "test"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = score(opts["release_dir"], opts["predictions"], split=opts["split"])
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
            return
        for key, value in result.items():
            self.stdout.write(f"{key}: {value}")
