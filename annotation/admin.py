from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy

from annotation import models
from annotation.errors import ApplicationError
from annotation.services.controls import control_from_gold, control_mark


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "slug", "name", "overlap_k", "lease_minutes", "per_user_cap", "control_rate", "created_at"
    ]  # fmt: skip
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role", "is_active"]
    list_filter = ["role", "is_active", "project"]
    search_fields = ["user__username", "project__slug"]
    raw_id_fields = ["user"]


@admin.register(models.Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["clip", "user", "layer", "status", "created_at", "expires_at"]
    list_filter = ["layer", "status"]
    raw_id_fields = ["clip", "user"]


@admin.register(models.Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["clip", "annotator", "revision", "status", "is_current", "source"]
    list_filter = ["status", "is_current", "source"]
    raw_id_fields = ["clip", "annotator", "assignment", "supersedes"]


class TraceChunkInline(admin.TabularInline):
    model = models.TraceChunk
    fields = ("seq", "t0", "n_samples", "received_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(models.Trace)
class TraceAdmin(admin.ModelAdmin):
    list_display = ["clip", "annotator", "revision", "status", "acked_seq", "sample_count"]
    list_filter = ["status"]
    raw_id_fields = ["clip", "annotator", "annotation"]
    exclude = ["data"]
    inlines = [TraceChunkInline]


@admin.register(models.TraceChunk)
class TraceChunkAdmin(admin.ModelAdmin):
    list_display = ["trace", "seq", "t0", "n_samples", "received_at"]
    exclude = ["samples"]
    raw_id_fields = ["trace"]


@admin.register(models.ClipAgreement)
class ClipAgreementAdmin(admin.ModelAdmin):
    list_display = ["clip", "n_annotations", "tier", "confidence", "computed_at"]
    list_filter = ["tier"]
    raw_id_fields = ["clip"]


@admin.register(models.AgreementReport)
class AgreementReportAdmin(admin.ModelAdmin):
    list_display = ["project", "status", "processed", "total", "created_at", "finished_at"]
    list_filter = ["status", "project"]


@admin.register(models.Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["clip", "adjudicator", "created_at"]
    raw_id_fields = ["clip", "adjudicator", "assignment"]


@admin.register(models.GoldLabel)
class GoldLabelAdmin(admin.ModelAdmin):
    list_display = ["clip", "version", "is_current", "provenance", "tier", "created_at"]
    list_filter = ["provenance", "tier", "is_current"]
    raw_id_fields = ["clip", "adjudication", "decided_by"]


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "project", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["target_id", "action"]

    def has_change_permission(self, request, obj=None):
        return False  # the audit log is append-only


@admin.register(models.UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["user__username"]


class ControlItemForm(forms.ModelForm):
    """Marks a clip through the service (validated answer, the clip out of the workflow); no
    answer: the clip's current gold is promoted."""

    answer = forms.JSONField(
        required=False, help_text=gettext_lazy("Leave empty to promote the clip's current gold.")
    )

    class Meta:
        model = models.ControlItem
        fields = ["clip", "answer"]

    user: User | None = None  # the admin acting: set on the class ``get_form`` makes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clip = data.get("clip")
        if clip is None or self.errors:
            return data
        try:
            if data.get("answer") in (None, "", {}):
                self.instance = control_from_gold(clip=clip, actor=self.user)
            else:
                self.instance = control_mark(clip=clip, answer=data["answer"], actor=self.user)
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
        return data


@admin.register(models.ControlItem)
class ControlItemAdmin(admin.ModelAdmin):
    list_display = ["clip", "from_gold", "created_by", "created_at"]
    raw_id_fields = ["clip"]
    form = ControlItemForm

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return ["clip", "answer", "from_gold"] if obj is not None else []

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        """Saved by the form's service call already (an answer is never edited)."""


@admin.register(models.ControlAnswer)
class ControlAnswerAdmin(admin.ModelAdmin):
    list_display = ["control", "user", "correct", "seconds", "created_at"]
    list_filter = ["correct"]
    raw_id_fields = ["control", "user", "assignment"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(models.Qualification)
class QualificationAdmin(admin.ModelAdmin):
    """Read-only: rounds are decided by answers; a new round is opened from the API."""

    list_display = ["project", "user", "round", "status", "correct", "answered", "controls"]
    list_filter = ["status", "project"]
    raw_id_fields = ["user", "opened_by"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(models.AnnotatorPause)
class AnnotatorPauseAdmin(admin.ModelAdmin):
    """Read-only: the rule pauses; an admin lifts a pause from the API (audited)."""

    list_display = ["project", "user", "correct", "controls", "floor", "created_at", "lifted_at"]
    list_filter = ["project"]
    raw_id_fields = ["user", "lifted_by"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by services only (an import, a claim, the beat): the admin shows them."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(models.OverlapFit)
class OverlapFitAdmin(ReadOnlyAdmin):
    """Adaptive overlap's model, refitted by the beat."""

    list_display = ["project", "n_labels", "fitted_at"]


@admin.register(models.ModelRun)
class ModelRunAdmin(ReadOnlyAdmin):
    """Imported by ``import_drafts`` or the API; one run's provenance is never edited."""

    list_display = ["project", "model_name", "model_version", "config_id", "run_date", "n_drafts"]
    list_filter = ["project"]
    raw_id_fields = ["created_by"]


@admin.register(models.ModelDraft)
class ModelDraftAdmin(ReadOnlyAdmin):
    list_display = ["run", "clip", "source_ref"]
    raw_id_fields = ["run", "clip"]


@admin.register(models.DraftShown)
class DraftShownAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "draft", "created_at"]
    raw_id_fields = ["assignment", "draft"]
