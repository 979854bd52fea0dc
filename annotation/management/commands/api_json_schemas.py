"""Print the JSON Schemas of the API's JSON fields (``annotation.api_schemas.COMPONENTS``) as
one JSON object: the front end checks settings with them (``npm run api-types`` writes them to
``frontend/src/api/json-schemas.json``)."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from annotation.api_schemas import COMPONENTS


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(COMPONENTS, indent=2, sort_keys=True, ensure_ascii=False))
