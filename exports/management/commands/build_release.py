"""python manage.py build_release SLUG --version X.Y.Z [options]"""

import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotation.errors import ApplicationError
from annotation.models import Project
from exports.models import Release
from exports.pipeline.data import MAX_CITATION, MAX_DESCRIPTION
from exports.services import release_create, release_name

TERMINAL = {Release.Status.PUBLISHED, Release.Status.FAILED}


class Command(BaseCommand):
    help = "Build a versioned release of a project on the export queue and follow its progress."

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        # Django's own --version (print Django's version) would shadow the release version.
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--version", required=True, help="Semantic version, above the last")
        parser.add_argument(
            "--description", default="", help=f"At most {MAX_DESCRIPTION} characters"
        )
        parser.add_argument(
            "--license", default="other", help="A license identifier (cc-by-4.0) or http(s) URL"
        )
        parser.add_argument(
            "--citation", default="", help=f"How to cite it, at most {MAX_CITATION} characters"
        )
        parser.add_argument("--homepage", default="", help="An http:// or https:// URL")
        parser.add_argument("--tiers", default="high,medium,low", help="Gold tiers to include")
        parser.add_argument(
            "--provenances",
            default="unanimous,majority,model_confident,adjudicated",
            help="Gold provenances to include",
        )
        parser.add_argument("--split", default="0.8,0.1,0.1", help="train,validation,test")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--media", choices=["reference", "include", "none"], default="reference"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        project = Project.objects.filter(slug=opts["slug"]).first()
        if project is None:
            raise CommandError(f"no project {opts['slug']!r}")
        options = {
            "tiers": opts["tiers"].split(","),
            "provenances": opts["provenances"].split(","),
            "split_ratios": [float(x) for x in opts["split"].split(",")],
            "seed": opts["seed"],
            "media": opts["media"],
            "license": opts["license"],
            "citation": opts["citation"],
            "homepage": opts["homepage"],
        }
        try:
            release = release_create(
                project=project,
                version=opts["version"],
                description=opts["description"],
                options=options,
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.field + ': ' if exc.field else ''}{exc.message}") from exc
        bar = tqdm(total=100, unit="%", desc=f"release {release.version}", file=sys.stderr)
        while True:
            release.refresh_from_db()
            bar.n = round(release.progress * 100)
            bar.set_postfix_str(release.progress_message)
            bar.refresh()
            if release.status in TERMINAL:
                break
            time.sleep(0.5)
        bar.close()
        if release.status == Release.Status.FAILED:
            raise CommandError(f"release {release.version} failed: {release.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Published {project.slug} {release.version}: {release_name(release)}/ and "
                f"{release.archive_path} in {settings.STORAGE_BACKEND} storage "
                f"(sha256 {release.archive_sha256})"
            )
        )
