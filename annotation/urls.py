from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.static import serve

from annotation import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("projects/<slug:slug>/clips", views.project_clips, name="project-clips"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Benchmark media is rarely redistributable: only signed-in users get it.
    urlpatterns += [
        re_path(
            r"^media/(?P<path>.*)$",
            login_required(serve),
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]
