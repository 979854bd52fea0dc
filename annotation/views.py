"""Server-rendered pages and the health endpoint; the annotator workspace mounts on these."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from annotation.errors import Invalid
from annotation.health import health_report
from annotation.media_access import media_file_for_user
from annotation.middleware import remember_language
from annotation.models import Role
from annotation.range_serve import serve_file_with_range
from annotation.schema import primary_label_text
from annotation.selectors import (
    annotations_of_user,
    catalogue_clips,
    clip_media_counts,
    current_annotations,
    project_for_user,
    projects_with_roles,
    roles_in,
)
from annotation.services.preferences import user_language_set
from clips.models import Clip

CLIPS_PER_PAGE = 50


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    ok, report = health_report()
    return JsonResponse({"ok": ok, **report}, status=200 if ok else 503)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "annotation/home.html", {"projects": projects_with_roles(request.user)})


@login_required
@require_GET
def project_clips(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug)
    roles = roles_in(request.user, project)
    clips = catalogue_clips(request.user, project)
    page = Paginator(clips, CLIPS_PER_PAGE).get_page(request.GET.get("page"))
    is_admin = Role.ADMIN in roles
    return render(
        request,
        "annotation/project_clips.html",
        {
            "project": project,
            "clips": page.object_list,
            "page": page,
            # Status words in the reader's language, not the stored values ("ready 6 个").
            "counts": {
                Clip.MediaStatus(status).label: n
                for status, n in clip_media_counts(project).items()
            },
            "releases": project.releases.order_by("-major", "-minor", "-patch") if is_admin else [],
            "roles": roles,
        },
    )


@login_required
@require_GET
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Embedded mode's media server. Benchmark media is rarely redistributable: each file
    goes only to those the clip or release it belongs to is open to (media_access)."""
    return serve_file_with_range(request, media_file_for_user(request.user, path))


def _role_page(request: HttpRequest, slug: str, role: str, template: str) -> HttpResponse:
    """A page that mounts one custom element working through the REST API."""
    project = project_for_user(request.user, slug)
    roles = roles_in(request.user, project)
    if role not in roles:
        raise PermissionDenied
    return render(request, template, {"project": project, "roles": roles})


@login_required
@require_GET
def workspace(request: HttpRequest, slug: str) -> HttpResponse:
    """The annotator workspace."""
    return _role_page(request, slug, Role.ANNOTATOR, "annotation/work/workspace.html")


@login_required
@require_GET
def my_labels(request: HttpRequest, slug: str) -> HttpResponse:
    """The annotator's labels in force in the project, each with a link to correct it."""
    project = project_for_user(request.user, slug)
    roles = roles_in(request.user, project)
    if Role.ANNOTATOR not in roles:
        raise PermissionDenied
    annotations = (
        current_annotations(request.user, project).select_related("clip").order_by("-submitted_at")
    )
    page = Paginator(annotations, CLIPS_PER_PAGE).get_page(request.GET.get("page"))
    language = get_language() or ""
    rows = [
        (annotation, primary_label_text(project.label_schema, annotation.payload, language))
        for annotation in page.object_list
    ]
    return render(
        request,
        "annotation/work/mine.html",
        {"project": project, "roles": roles, "rows": rows, "page": page},
    )


@login_required
@require_GET
def correct(request: HttpRequest, slug: str, annotation_id: int) -> HttpResponseBase:
    """The correction screen of one of the annotator's own annotations (404 for anyone else:
    not theirs to know about). An old revision's address leads to the current one."""
    project = project_for_user(request.user, slug)
    annotation = get_object_or_404(
        annotations_of_user(request.user).filter(clip__project=project), pk=annotation_id
    )
    if not annotation.is_current:
        current = get_object_or_404(
            current_annotations(request.user, project), clip_id=annotation.clip_id
        )
        return redirect("correct", slug=project.slug, annotation_id=current.pk)
    return render(
        request,
        "annotation/work/correct.html",
        {"project": project, "roles": roles_in(request.user, project), "annotation": annotation},
    )


@login_required
@require_GET
def adjudicate(request: HttpRequest, slug: str) -> HttpResponse:
    """The adjudicator workspace: the disputed queue and the decision."""
    return _role_page(request, slug, Role.ADJUDICATOR, "annotation/adjudicate.html")


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The admin dashboard: progress, agreement, annotators, routing, imports, settings."""
    return _role_page(request, slug, Role.ADMIN, "annotation/dashboard.html")


@login_required
@require_GET
def project_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Admins bring media (resumable uploads) and existing labels (with a preview)."""
    return _role_page(request, slug, Role.ADMIN, "annotation/import.html")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect back), and for a signed-in user the choice is
    kept on their profile so it follows them to other devices."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        try:
            user_language_set(user=request.user, language=language)
        except Invalid:
            return set_language(request)  # Django ignores an unknown language: so do we
        remember_language(request, language)
    return set_language(request)


# Browsers ask every site for /favicon.ico whatever the page says: a small SVG (a heart on a
# valence/arousal cross), served here rather than as a static file so that the one address
# every client tries answers, in the embedded mode and behind any proxy alike.
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#3558a8"/>'
    '<path d="M16 4v24M4 16h24" stroke="#9db4e6" stroke-width="2"/>'
    '<path d="M16 25s-8-5-8-10a4 4 0 0 1 8-1 4 4 0 0 1 8 1c0 5-8 10-8 10z" fill="#fff"/>'
    "</svg>"
)


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponse(FAVICON, content_type="image/svg+xml")
