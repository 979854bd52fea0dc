from django.contrib import admin

from exports.models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["project", "version", "status", "progress", "created_at", "published_at"]
    list_filter = ["status", "project"]
    readonly_fields = ["archive_path", "archive_sha256", "size_bytes", "published_at"]
