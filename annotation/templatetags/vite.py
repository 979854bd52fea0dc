"""Script tags for the Vite build, resolved through its manifest (hashed file names)."""

from functools import lru_cache
from pathlib import Path

import orjson
from django import template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@lru_cache(maxsize=4)
def _manifest(path: Path, mtime_ns: int) -> dict:
    return orjson.loads(path.read_bytes())


def manifest() -> dict:
    path = Path(settings.VITE_MANIFEST)
    try:
        return _manifest(path, path.stat().st_mtime_ns)
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(
            f"The front end is not built ({path} is missing): run `make setup`, "
            "or `npm ci && npm run build` in frontend/."
        ) from exc


@register.simple_tag
def vite_entry(name: str = "src/main.ts") -> SafeString:
    entry = manifest()[name]
    styles = format_html_join(
        "", '<link rel="stylesheet" href="{}">', ((static(css),) for css in entry.get("css", []))
    )
    return format_html('{}<script type="module" src="{}"></script>', styles, static(entry["file"]))
