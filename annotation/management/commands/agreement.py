"""python manage.py agreement SLUG [--json]: compute the project's agreement report now."""

from argparse import ArgumentParser
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError

from annotation.agreement.markdown import render_markdown
from annotation.models import AgreementReport, Project
from annotation.services.agreement import agreement_report_run


class Command(BaseCommand):
    help = "Compute and print a project's agreement report (stored as a dated report too)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        project = Project.objects.filter(slug=opts["slug"]).first()
        if project is None:
            raise CommandError(f"no project {opts['slug']!r}")
        report = agreement_report_run(report_id=AgreementReport.objects.create(project=project).pk)
        if opts["json"]:
            self.stdout.write(orjson.dumps(report.report, option=orjson.OPT_INDENT_2).decode())
        else:
            title = f"Agreement: {project.name} ({report.finished_at:%Y-%m-%d %H:%M} UTC)"
            self.stdout.write(render_markdown(report.report, title=title))
