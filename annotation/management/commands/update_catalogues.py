"""Collect every translatable string into the Chinese catalogues (locale/zh_Hans):
templates and Python (domain "django") and the TypeScript front end (domain "djangojs").
New strings arrive with an empty translation; the catalogue test fails until they have one."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

LOCALE = "zh_Hans"
# Never scanned: third-party code, build output, tests and their fixtures, data folders.
IGNORED = [
    ".venv",
    "node_modules",
    "frontend/dist",
    "tests",
    "docs",
    "var",
    "test-artifacts",
    "*.test.ts",
    "*.d.ts",
]


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        common = {"locale": [LOCALE], "ignore_patterns": IGNORED, "no_obsolete": True}
        call_command("makemessages", domain="django", verbosity=options["verbosity"], **common)
        call_command(
            "makemessages",
            domain="djangojs",
            extensions=["ts"],
            verbosity=options["verbosity"],
            **common,
        )
