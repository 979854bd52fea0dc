"""Server-rendered pages and the health endpoint; the annotator workspace mounts on these."""

import json
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language
from rest_framework.serializers import Serializer

from annotation.apis import MemberIn, ProjectIn, ReasonIn, RolesIn, SettingsIn
from annotation.domain.schema import LabelSchema
from annotation.errors import ApplicationError, Invalid
from annotation.health import health_report
from annotation.media_access import media_file_for_user
from annotation.media_delivery import deliver
from annotation.middleware import remember_language
from annotation.models import Project, Role
from annotation.schema import primary_label_text
from annotation.selectors import (
    annotations_of_user,
    clip_media_counts,
    current_annotations,
    project_for_user,
    projects_with_roles,
    roles_in,
)
from annotation.selectors.clips import (
    ClipFilter,
    clip_filter_choices,
    clip_record,
    clip_stage_counts,
    filtered_clips,
)
from annotation.selectors.people import project_members
from annotation.services.adjudication import clips_send_to_adjudication
from annotation.services.people import member_add, member_roles_set
from annotation.services.preferences import user_language_set
from annotation.services.projects import (
    PRESETS,
    preset_settings,
    project_archive,
    project_create,
    project_settings_update,
)
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
    is_admin = Role.ADMIN in roles
    spec = ClipFilter.from_query(request.GET)
    clips = filtered_clips(request.user, project, spec)
    page = Paginator(clips, CLIPS_PER_PAGE).get_page(request.GET.get("page"))
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
            **(_browser_context(project, spec, clips) if is_admin else {}),
        },
    )


def _browser_context(project: Project, spec: ClipFilter, clips: QuerySet[Clip]) -> dict[str, Any]:
    """What the admin's list adds: the filter, its choices, what it matched, and the query
    string that keeps it across pages and to a clip and back."""
    return {
        "filter": spec,
        "choices": clip_filter_choices(project),
        "stage_counts": clip_stage_counts(clips),
        "query": urlencode(spec.query()),
    }


@login_required
@require_GET
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Members' media. Benchmark media is rarely redistributable: each file goes only to
    those the clip or release it belongs to is open to (media_access), by presigned URL,
    X-Accel-Redirect or Django's own range serving (media_delivery)."""
    return deliver(request, media_file_for_user(request.user, path))


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
    schema = LabelSchema.parse(project.label_schema)
    rows = [
        (annotation, primary_label_text(schema, annotation.payload, language))
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


# --- managing a project: its settings and its people (the API's services and validation) ----


class AuthedHttpRequest(HttpRequest):
    """A page behind ``login_required``."""

    user: User


EDITABLE = (
    "name", "slug", "overlap_k", "lease_minutes", "per_user_cap", "control_rate",
    "qualification_controls", "qualification_pass", "pause_floor", "pause_min_controls",
    "routing_rule",
)  # fmt: skip


def _admin_project(request: AuthedHttpRequest, slug: str) -> tuple[Project, set[str]]:
    project = project_for_user(request.user, slug)
    roles = roles_in(request.user, project)
    if Role.ADMIN not in roles:
        raise PermissionDenied
    return project, roles


def _number(text: str) -> float | str | None:
    """A number typed in a form, or the text itself for validation to name."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _settings_from_form(post: QueryDict) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings a project form sends, shaped as the API takes them, and what could not
    even be read (keyed by field)."""
    data: dict[str, Any] = {key: post[key] for key in ("name", "slug") if key in post}
    data.update({key: post.get(key) or None for key in ("overlap_k", "lease_minutes")})
    data["per_user_cap"] = post.get("per_user_cap") or None
    for key in ("control_rate", "qualification_controls", "pause_min_controls"):
        if key in post:
            data[key] = post[key] or 0
    for key in ("qualification_pass", "pause_floor"):
        if key in post:
            data[key] = _number(post.get(key, "")) or 0
    data["routing_rule"] = {
        "aggregator": post.get("aggregator", ""),
        "accept_unanimous": "accept_unanimous" in post,
        "min_confidence": _number(post.get("min_confidence", "")),
        "medium_confidence": _number(post.get("medium_confidence", "")),
        "min_trace_ccc": _number(post.get("min_trace_ccc", "")),
    }
    errors: dict[str, str] = {}
    if "label_schema" in post:
        try:
            data["label_schema"] = json.loads(post.get("label_schema", ""))
        except ValueError as exc:
            errors["label_schema"] = _("not valid JSON: %(error)s") % {"error": exc}
    return data, errors


def _validated(form: Serializer) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The serializer's data, or its errors as one message per field (dotted names, as the
    API's errors)."""
    try:
        if form.is_valid():
            return dict(form.validated_data), {}
    except ApplicationError as exc:  # the schema validators name a nested field
        return None, {exc.field or "": exc.message}
    return None, {key: " ".join(map(str, value)) for key, value in form.errors.items()}


def _form_values(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "label_schema": json.dumps(values.get("label_schema"), indent=2)}


@login_required
def project_new(request: AuthedHttpRequest) -> HttpResponse:
    """A new project from a preset; its creator becomes its admin and goes on to its people."""
    if not request.user.has_perm("annotation.add_project"):
        raise PermissionDenied
    preset = request.POST.get("preset") or request.GET.get("preset") or "emos-static"
    if preset not in PRESETS:
        preset = "emos-static"
    values: dict[str, Any] = {"name": "", "slug": "", **preset_settings(preset)}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = _settings_from_form(request.POST)
        values.update(data)
        valid, more = _validated(ProjectIn(data={**data, "preset": preset}))
        errors.update(more)
        if valid is not None and not errors:
            preset, slug, name = valid.pop("preset"), valid.pop("slug"), valid.pop("name")
            try:
                project = project_create(
                    actor=request.user, preset=preset, slug=slug, name=name, settings=valid
                )
            except ApplicationError as exc:
                errors[exc.field or ""] = exc.message
            else:
                messages.success(request, _("Project %(name)s created.") % {"name": name})
                return redirect("project-people", slug=project.slug)
    return render(
        request,
        "annotation/project_form.html",
        {
            "presets": [(key, p.title) for key, p in PRESETS.items()],
            "preset": preset,
            "custom_schema": PRESETS[preset].custom_schema,
            "values": _form_values(values),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def project_settings(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Edit a project's name, slug, k, lease, cap and routing rule; archive it."""
    project, roles = _admin_project(request, slug)
    values = {key: getattr(project, key) for key in EDITABLE}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = _settings_from_form(request.POST)
        values.update(data)
        valid, more = _validated(SettingsIn(data=data, context={"project": project}))
        errors.update(more)
        if valid is not None and not errors:
            changes = {k: v for k, v in valid.items() if getattr(project, k) != v}
            if changes:
                project_settings_update(project=project, actor=request.user, changes=changes)
            messages.success(request, _("Settings saved."))
            return redirect("project-settings", slug=project.slug)
    return render(
        request,
        "annotation/project_settings.html",
        {"project": project, "roles": roles, "values": values, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def project_archive_page(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project, _roles = _admin_project(request, slug)
    archived = request.POST.get("archived") == "1"
    project_archive(project=project, actor=request.user, archived=archived)
    messages.success(request, _("Project archived.") if archived else _("Project restored."))
    return redirect("project-settings", slug=project.slug)


@login_required
def project_people(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """The project's people: who holds which roles, their last activity and throughput;
    add someone by username or e-mail (an unknown address is invited)."""
    project, roles = _admin_project(request, slug)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = MemberIn(
            data={"who": request.POST.get("who", ""), "roles": request.POST.getlist("roles")}
        )
        valid, errors = _validated(form)
        if valid is not None:
            try:
                user, invited = member_add(
                    project=project, actor=request.user, who=valid["who"], roles=valid["roles"],
                    site_url=request.build_absolute_uri("/"),
                )  # fmt: skip
            except ApplicationError as exc:
                errors[exc.field or ""] = exc.message
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": user.email}
                    if invited
                    else _("%(user)s added.") % {"user": user.username},
                )
                return redirect("project-people", slug=project.slug)
    return render(
        request,
        "annotation/project_people.html",
        {
            "project": project,
            "roles": roles,
            "members": project_members(project),
            "role_choices": Role.choices,
            "who": request.POST.get("who", ""),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def project_member(request: AuthedHttpRequest, slug: str, user_id: int) -> HttpResponse:
    """Set one member's roles (none: deactivated)."""
    project, _roles = _admin_project(request, slug)
    member = next((m for m in project_members(project) if m.user.pk == user_id), None)
    if member is None:
        raise Http404
    wanted = [] if "deactivate" in request.POST else request.POST.getlist("roles")
    valid, errors = _validated(RolesIn(data={"roles": wanted}))
    if valid is not None:
        try:
            member_roles_set(
                project=project, actor=request.user, user=member.user, roles=valid["roles"]
            )
        except ApplicationError as exc:
            errors[exc.field or ""] = exc.message
    for message in errors.values():
        messages.error(request, f"{member.user.username}: {message}")
    if not errors:
        messages.success(request, _("Roles of %(user)s saved.") % {"user": member.user.username})
    return redirect("project-people", slug=project.slug)


@login_required
@require_GET
def project_clip(request: AuthedHttpRequest, slug: str, clip_id: int) -> HttpResponse:
    """One clip for its admins: media, labels by name, gold history, traces, agreement,
    audit events, and the actions."""
    project, roles = _admin_project(request, slug)
    return render(
        request,
        "annotation/project_clip.html",
        {
            "project": project,
            "roles": roles,
            "query": urlencode(ClipFilter.from_query(request.GET).query()),
            **clip_record(request.user, project, clip_id),
        },
    )


@login_required
@require_POST
def project_clips_send(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Send clips to adjudication (gold ones are reopened): the clips ticked, or all those the
    filter matches. Several clips are confirmed first with their number, and again should
    the filter match another number by the time the admin confirms."""
    project, roles = _admin_project(request, slug)
    spec = ClipFilter.from_query(request.POST)
    scope_all = request.POST.get("scope") == "all"
    if scope_all:  # the filter travels, not the ids: thousands of fields are refused
        chosen = filtered_clips(request.user, project, spec)
    else:
        ticked = [int(v) for v in request.POST.getlist("clip") if v.isdigit()]
        chosen = Clip.objects.filter(project=project, pk__in=ticked).order_by("pk")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("project-clips", args=[project.slug])
    ids = list(chosen.values_list("pk", flat=True))
    reason = request.POST.get("reason", "").strip()
    valid, errors = _validated(ReasonIn(data={"reason": reason}))
    if not ids or valid is None:
        messages.error(
            request, _("Choose at least one clip.") if not ids else errors.get("reason", "")
        )
        return redirect(back)
    confirmed = "confirmed" in request.POST and request.POST.get("count") == str(len(ids))
    if len(ids) > 1 and not confirmed:
        return render(
            request,
            "annotation/clips_send_confirm.html",
            {
                "project": project,
                "roles": roles,
                "count": len(ids),
                "scope": "all" if scope_all else "selected",
                "fields": spec.query() if scope_all else {},
                "ids": [] if scope_all else ids,
                "reason": reason,
                "next": back,
            },
        )
    outcomes = clips_send_to_adjudication(clip_ids=ids, actor=request.user, reason=reason)
    tally = Counter(outcomes.values())
    for outcome, n in sorted(tally.items()):
        messages.success(
            request,
            ngettext("%(n)d clip: %(outcome)s.", "%(n)d clips: %(outcome)s.", n)
            % {"n": n, "outcome": outcome.label},
        )
    return redirect(back)


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
