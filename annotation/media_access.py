"""Which stored file a member may fetch from ``/media/``. Access is decided on the object the
file belongs to — a clip or a published release, looked up in the database — never on how
the URL is spelled: the path must name a stored file exactly (no ``.``/``..``/empty segment,
no backslash or NUL), and on the file system the file found must lie where that object keeps
its files (symlinks resolved). The answer is a storage name; how its bytes leave is
``media_delivery``'s business."""

import os
import re

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from annotation.models import Assignment, Project, Role
from annotation.selectors import roles_in, user_id
from annotation.storage import is_local, media_storage
from clips.models import Clip
from exports.models import Release

CLIP_FILE = re.compile(r"clips/(?P<project>\d{1,18})/(?P<clip>\d{1,18})/[^/]+")
RELEASE_FILE = re.compile(
    r"releases/(?P<slug>[-\w]{1,64})/(?:(?P<archive>[-\w]+-\d+\.\d+\.\d+\.tar\.gz)"
    r"|(?P<major>\d{1,9})\.(?P<minor>\d{1,9})\.(?P<patch>\d{1,9})/.+)"
)


def _exact_name(path: str) -> str:
    """The path as a storage name, or 404 for any spelling that is not one."""
    if "\\" in path or "\x00" in path or any(part in ("", ".", "..") for part in path.split("/")):
        raise Http404
    return path


def _inside(folder: str, name: str) -> str:
    """``name`` if it lies under ``folder``. On the file system: resolved (symlinks too), still
    inside it, and a file. Object storage has no links, and its keys were matched exactly."""
    if not is_local():
        return name
    storage = media_storage()
    root = os.path.realpath(storage.path(folder))
    target = os.path.realpath(storage.path(name))
    if os.path.commonpath([root, target]) != root or not os.path.isfile(target):
        raise Http404
    return os.path.relpath(target, storage.path("")).replace(os.sep, "/")


def _clip_file(user: User | AnonymousUser, name: str, clip_id: int, project_id: int) -> str:
    """Admins and adjudicators get any clip of their project; an annotator only a clip they
    hold or held (the clip they are labelling, or labelled)."""
    clip = Clip.objects.select_related("project").filter(pk=clip_id, project_id=project_id).first()
    if clip is None or name not in {clip.media_file.name, clip.poster.name, clip.waveform.name}:
        raise Http404
    roles = roles_in(user, clip.project)
    allowed = bool(roles & {Role.ADMIN, Role.ADJUDICATOR}) or (
        Role.ANNOTATOR in roles
        and Assignment.objects.filter(clip=clip, user_id=user_id(user), layer=1).exists()
    )
    if not allowed:
        raise Http404
    return _inside("clips", name)


def _release_file(user: User | AnonymousUser, name: str, match: re.Match[str]) -> str:
    """A published release's archive or one of its files, for the project's admins only."""
    project = Project.objects.filter(slug=match["slug"]).first()
    if project is None or Role.ADMIN not in roles_in(user, project):
        raise Http404
    published = Release.objects.filter(project=project, status=Release.Status.PUBLISHED)
    if match["archive"]:
        if not published.filter(archive_path=name).exists():
            raise Http404
        return _inside(f"releases/{project.slug}", name)
    version = (int(match["major"]), int(match["minor"]), int(match["patch"]))
    if not published.filter(major=version[0], minor=version[1], patch=version[2]).exists():
        raise Http404
    return _inside(f"releases/{project.slug}/{'.'.join(map(str, version))}", name)


def media_file_for_user(user: User | AnonymousUser, path: str) -> str:
    """The storage name of the file ``path`` names, if the user may have it; 404 (not yours to
    know about) for anything else."""
    name = _exact_name(path)
    if match := CLIP_FILE.fullmatch(name):
        return _clip_file(user, name, int(match["clip"]), int(match["project"]))
    if match := RELEASE_FILE.fullmatch(name):
        return _release_file(user, name, match)
    raise Http404
