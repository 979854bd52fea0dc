"""Releases: create (versions only go up), build in a private local folder, publish by putting
the files into storage and then pointing the Release row at them (one conditional UPDATE:
until it says published, nobody is given the files)."""

import hashlib
import logging
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from annotation.errors import Conflict, Invalid, state_word
from annotation.models import Project
from annotation.parsers import MAX_POSITIVE_INT
from annotation.services.audit import audit_record
from annotation.services.jobs import (
    JobLost,
    heartbeat,
    job_beat,
    job_claim,
    job_enqueue,
    job_finish,
)
from annotation.storage import delete_tree, fetch, local_tree, media_storage, put, put_tree
from exports import pipeline  # its writers load on first use: the web imports this module
from exports.models import Release
from exports.pipeline.data import (
    PreviousRelease,
    ReleaseData,
    ReleaseFieldError,
    ReleaseOptions,
    check_description,
)
from exports.pipeline.messages import error_kind, message_text
from exports.selectors import release_data, release_options

log = logging.getLogger(__name__)
BUILD_TASK = "exports.tasks.release_build_task"
# ASCII digits only (``\d`` takes any script's), at most ten per part: int() never sees a
# 5,000-digit number, and each part must then fit its column (MAX_POSITIVE_INT).
SEMVER = re.compile(r"^(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})$")


def release_name(release: Release) -> str:
    """The release's folder in storage."""
    return f"releases/{release.project.slug}/{release.version}"


def release_archive_name(release: Release) -> str:
    return f"releases/{release.project.slug}/{release.project.slug}-{release.version}.tar.gz"


def releases_root(project: Project) -> Path:
    """Where this process builds a project's releases (``.build-<id>-<attempt>``); on the
    file system also where they are published."""
    return Path(settings.MEDIA_ROOT) / "releases" / project.slug


def release_create(
    *, project: Project, version: str, description: str = "", options: dict[str, Any] | None = None,
    actor: User | None = None,
) -> Release:  # fmt: skip
    """A pending release, built by a worker on the export queue after commit."""
    match = SEMVER.match(version.strip())
    if not match:
        raise Invalid(
            _("must be a semantic version such as %(example)s") % {"example": "1.0.0"},
            field="version",
        )
    parts = tuple(int(p) for p in match.groups())
    if max(parts) > MAX_POSITIVE_INT:
        raise Invalid(
            _("each part of the version must be at most %(max)s") % {"max": MAX_POSITIVE_INT},
            field="version",
        )
    if not isinstance(options, dict | None):
        raise Invalid(_("must be an object"), field="options")
    try:
        check_description(description)
        cleaned = ReleaseOptions(**release_options(options or {}))
        cleaned.validate()
    except ReleaseFieldError as exc:  # what people write: lengths, http(s) links only
        raise Invalid(message_text(exc, _), field=exc.field) from exc
    except (TypeError, ValueError) as exc:
        raise Invalid(message_text(exc, _), field="options") from exc
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)  # one creator at a time
        latest = Release.objects.filter(project=project).order_by("-major", "-minor", "-patch")
        newest = latest.first()
        if newest is not None and parts <= (newest.major, newest.minor, newest.patch):
            raise Conflict(
                _("versions only go up: the latest is %(version)s") % {"version": newest.version}
            )
        previous = latest.filter(status=Release.Status.PUBLISHED).first()
        release = Release.objects.create(
            project=project,
            major=parts[0], minor=parts[1], patch=parts[2],
            description=description,
            options=cleaned.as_json(),
            previous=previous,
            created_by=actor,
        )  # fmt: skip
        audit_record(
            action="release.created", project=project, actor=actor, target=release,
            data={"version": release.version, "options": release.options},
        )  # fmt: skip
        job_enqueue(release, BUILD_TASK)
    return release


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _published_before(release: Release) -> Release | None:
    ours = (release.major, release.minor, release.patch)
    published = Release.objects.filter(project=release.project_id, status=Release.Status.PUBLISHED)
    earlier = [r for r in published if (r.major, r.minor, r.patch) < ours]
    return max(earlier, key=lambda r: (r.major, r.minor, r.patch), default=None)


def _unpublish(folder: str, archive_name: str) -> None:
    delete_tree(folder)
    media_storage().delete(archive_name)


def _previous(release: Release) -> PreviousRelease | None:
    """What the build needs of the release before (its tables, splits and changelog)."""
    if release.previous is None:
        return None
    with local_tree(release_name(release.previous), skip=("media",)) as folder:
        return pipeline.read_previous(folder)


def _media_here(data: ReleaseData, folder: Path) -> ReleaseData:
    """``media: include`` copies each clip's media into the release: it must be on this disk
    (downloaded into ``folder`` from object storage). A file storage lacks stays missing, and
    the build says which."""
    if data.options.media != "include":
        return data
    clips = []
    for clip in data.clips:
        if clip.media_path:
            clip = replace(clip, media_path=str(fetch(clip.media_path, folder)))
        clips.append(clip)
    return replace(data, clips=clips)


def release_build(*, release_id: int, takeover: bool = False) -> Release:
    """Build and publish if the release is claimable (pending, or building with a dead
    worker). Safe to run again: a published release, or one alive on another worker, is left
    alone; anything a killed or failed build left behind is thrown away. Nothing is visible
    as published until both the folder and the archive are in place."""
    claimed = job_claim(Release, release_id, takeover=takeover, progress=0.0)
    if claimed is None:
        return Release.objects.select_related("project").get(pk=release_id)
    release = Release.objects.select_related("project").get(pk=release_id)
    # The predecessor is decided when the build starts, not when the release was asked for:
    # releases requested together each follow the one published just before them.
    release.previous = _published_before(release)
    Release.objects.filter(pk=release_id).update(previous=release.previous)
    root = releases_root(release.project)
    work = root / f".build-{release.pk}-{release.attempts}"  # one folder per attempt
    folder, archive_name = release_name(release), release_archive_name(release)

    def progress(fraction: float, message: str) -> None:
        """``message`` is one of the pipeline's texts marked for the catalogue: stored as is
        (the English) and translated where it is shown, in the reader's language."""
        job_beat(release, progress=max(0.0, min(1.0, fraction)), progress_message=message[:200])

    try:
        with heartbeat(lambda: job_beat(release)):
            _unpublish(folder, archive_name)  # never published: the status says so
            for leftover in root.glob(f".build-{release.pk}-*"):  # dead attempts' folders
                shutil.rmtree(leftover, ignore_errors=True)
            (work / "release").mkdir(parents=True)
            data = _media_here(release_data(release, _previous(release)), work / "sources")
            pipeline.build_release(data, work / "release", progress)
            archive = work / Path(archive_name).name
            pipeline.make_archive(work / "release", archive)
            sha256, size = _sha256(archive), archive.stat().st_size
            job_beat(release)  # still ours: a worker presumed dead must not publish
            put_tree(work / "release", folder, move=True)
            put(archive_name, archive, move=True)
    except JobLost:
        return Release.objects.get(pk=release_id)  # the worker that took over cleans up
    except Exception as exc:
        log.exception("building release %s failed", release_id)
        error = f"{error_kind(exc)}: {message_text(exc, _)}"
        if job_finish(release, Release.FAILED, error=error):  # else the new owner's files
            _unpublish(folder, archive_name)
        return Release.objects.get(pk=release_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with transaction.atomic():
        published = job_finish(
            release,
            Release.DONE,
            published_at=timezone.now(),
            progress=1.0,
            progress_message=gettext_noop("published"),
            archive_path=archive_name,
            archive_sha256=sha256,
            size_bytes=size,
        )
        if published:
            audit_record(
                action="release.published", project=release.project, target=release,
                data={"version": release.version},
            )  # fmt: skip
    release.refresh_from_db()
    return release


def release_retry(*, release: Release, actor: User | None) -> Release:
    if release.status != Release.Status.FAILED:
        raise Conflict(
            _("only a failed release can be retried (this one is %(status)s)")
            % {"status": state_word(release.status)}
        )
    Release.objects.filter(pk=release.pk).update(status=Release.Status.PENDING)
    audit_record(action="release.retried", project=release.project, actor=actor, target=release)
    job_enqueue(release, BUILD_TASK)
    release.refresh_from_db()
    return release
