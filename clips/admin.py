from django.contrib import admin
from django.http import HttpRequest

from clips.models import Clip, ImportJob, Segment, Upload


class SegmentInline(admin.TabularInline):
    model = Segment
    extra = 0


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "project",
        "kind",
        "language",
        "media_status",
        "stage",
        "layer1_count",
        "duration_s",
    ]
    list_filter = ["project", "kind", "language", "media_status", "stage"]
    search_fields = ["external_id", "title", "transcript"]
    readonly_fields = ["content_sha256", "probe", "ingested_at", "created_at", "updated_at"]
    inlines = [SegmentInline]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "status", "processed", "total", "failed", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["clip", "index", "start_s", "end_s", "text"]
    raw_id_fields = ["clip"]
    search_fields = ["text"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Read-only: the row is the tus protocol's state (offset, writer), which only the upload
    endpoints may change; abandoned uploads, files included, are removed by the sweeper."""

    list_display = ["filename", "project", "status", "offset", "length", "clip", "updated_at"]
    list_filter = ["status", "project"]
    search_fields = ["filename"]
    raw_id_fields = ["clip", "import_job"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
