from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from annotation.health import health_report
from annotation.models import Project


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    ok, report = health_report()
    return JsonResponse({"ok": ok, **report}, status=200 if ok else 503)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.none()
    if request.user.is_authenticated:
        projects = Project.objects.filter(memberships__user=request.user).distinct()
    return render(request, "annotation/home.html", {"projects": projects})
