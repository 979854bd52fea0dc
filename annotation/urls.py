from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from annotation import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("projects/<slug:slug>/clips", views.project_clips, name="project-clips"),
    path("projects/<slug:slug>/work", views.workspace, name="workspace"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("annotation.api_urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", views.media, name="media")]
