from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from annotation import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Embedded mode serves media itself; the real stack puts a web server or S3 in front.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
