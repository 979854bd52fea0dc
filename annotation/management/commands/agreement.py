"""python manage.py agreement SLUG [--format markdown|json|emos] [--out DIR]: compute the
project's agreement report now."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError

from annotation.agreement.emos import emos_summaries
from annotation.agreement.markdown import render_markdown
from annotation.models import AgreementReport, Project
from annotation.services.agreement import agreement_report_run


class Command(BaseCommand):
    help = "Compute and print a project's agreement report (stored as a dated report too)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--format",
            choices=["markdown", "json", "emos"],
            default="markdown",
            help="markdown tables, the full report as JSON, or EmoS's summary files "
            "(<layer>/analysis_summary.json, <layer>/goemotion_summary.json)",
        )
        parser.add_argument("--json", action="store_true", help="Same as --format json")
        parser.add_argument("--out", type=Path, help="With --format emos: write the files here")

    def handle(self, *args: Any, **opts: Any) -> None:
        project = Project.objects.filter(slug=opts["slug"]).first()
        if project is None:
            raise CommandError(f"no project {opts['slug']!r}")
        report = agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
        style = "json" if opts["json"] else opts["format"]
        if style == "emos":
            summaries = emos_summaries(report.report)
            if opts["out"] is None:
                self.stdout.write(orjson.dumps(summaries, option=orjson.OPT_INDENT_2).decode())
                return
            for name, summary in summaries.items():
                path = opts["out"] / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
                self.stdout.write(str(path))
        elif style == "json":
            self.stdout.write(orjson.dumps(report.report, option=orjson.OPT_INDENT_2).decode())
        else:
            title = f"Agreement: {project.name} ({report.finished_at:%Y-%m-%d %H:%M} UTC)"
            self.stdout.write(render_markdown(report.report, title=title))
