"""Where the file-system storage (the embedded default, and the tests') keeps a published
release: what the tests open to check it."""

from pathlib import Path

from django.conf import settings

from exports.models import Release
from exports.services import release_archive_name, release_name


def release_dir(release: Release) -> Path:
    return Path(settings.MEDIA_ROOT) / release_name(release)


def release_archive(release: Release) -> Path:
    return Path(settings.MEDIA_ROOT) / release_archive_name(release)
