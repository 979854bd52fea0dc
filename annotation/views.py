"""Server-rendered pages and the health endpoint; the annotator workspace mounts on these."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from annotation.health import health_report
from annotation.models import Role
from annotation.range_serve import serve_with_range
from annotation.selectors import (
    clip_media_counts,
    has_role,
    project_for_user,
    projects_for_user,
    require_role,
)

CLIPS_PER_PAGE = 50


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    ok, report = health_report()
    return JsonResponse({"ok": ok, **report}, status=200 if ok else 503)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "annotation/home.html", {"projects": projects_for_user(request.user)})


@login_required
@require_GET
def project_clips(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug)
    page = Paginator(project.clips.order_by("id"), CLIPS_PER_PAGE).get_page(request.GET.get("page"))
    is_admin = has_role(request.user, project, Role.ADMIN)
    return render(
        request,
        "annotation/project_clips.html",
        {
            "project": project,
            "clips": page.object_list,
            "page": page,
            "counts": clip_media_counts(project),
            "releases": project.releases.order_by("-major", "-minor", "-patch") if is_admin else [],
        },
    )


@login_required
@require_GET
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Embedded mode's media server. Benchmark media is rarely redistributable: members only."""
    top, project_id, *_ = [*path.split("/"), "", ""]
    if top != "clips" or not project_id.isdigit():
        raise Http404
    if not projects_for_user(request.user).filter(pk=int(project_id)).exists():
        raise Http404
    return serve_with_range(request, Path(settings.MEDIA_ROOT), path)


@login_required
@require_GET
def workspace(request: HttpRequest, slug: str) -> HttpResponse:
    """The annotator workspace: one custom element that works through the REST API."""
    project = project_for_user(request.user, slug)
    require_role(request.user, project, Role.ANNOTATOR)
    return render(request, "annotation/work/workspace.html", {"project": project})
