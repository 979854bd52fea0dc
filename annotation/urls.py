from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from annotation import views

urlpatterns = [
    # First: the API takes the most requests (trace chunks, claims, submits), and Django tries
    # the patterns in order.
    path("api/", include("annotation.api_urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("projects/new", views.project_new, name="project-new"),
    path("projects/<slug:slug>/clips", views.project_clips, name="project-clips"),
    path("projects/<slug:slug>/clips/send", views.project_clips_send, name="project-clips-send"),
    path("projects/<slug:slug>/clips/<int:clip_id>", views.project_clip, name="project-clip"),
    path("projects/<slug:slug>/settings", views.project_settings, name="project-settings"),
    path("projects/<slug:slug>/archive", views.project_archive_page, name="project-archive"),
    path("projects/<slug:slug>/people", views.project_people, name="project-people"),
    path(
        "projects/<slug:slug>/people/<int:user_id>",
        views.project_member,
        name="project-member",
    ),
    path("projects/<slug:slug>/work", views.workspace, name="workspace"),
    path("projects/<slug:slug>/mine", views.my_labels, name="my-labels"),
    path(
        "projects/<slug:slug>/annotations/<int:annotation_id>/correct",
        views.correct,
        name="correct",
    ),
    path("projects/<slug:slug>/adjudicate", views.adjudicate, name="adjudicate"),
    path("projects/<slug:slug>/dashboard", views.dashboard, name="dashboard"),
    path("projects/<slug:slug>/import", views.project_import, name="project-import"),
    path("language", views.language_switch, name="set-language"),
    # The front end's text comes from the same gettext catalogue (domain "djangojs").
    path("jsi18n/", JavaScriptCatalog.as_view(domain="djangojs"), name="javascript-catalog"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            email_template_name="annotation/email/password_reset.txt",
            subject_template_name="annotation/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", views.media, name="media")]

# Under /api/ every error is the API's JSON error body; elsewhere the site's pages.
handler400 = "annotation.api_errors.bad_request"
handler403 = "annotation.api_errors.permission_denied"
handler404 = "annotation.api_errors.page_not_found"
handler500 = "annotation.api_errors.server_error"
