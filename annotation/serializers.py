"""Output shapes shared by the API views. Input is validated by small serializers in the views
and by the services (payloads against the project's schema)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import ExpressionWrapper, F, FloatField, Max
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from annotation.api_schemas import documented, free_object, ref
from annotation.domain.metrics import SUMMARY_KEYS, UTTERANCE_SUMMARY
from annotation.models import (
    AgreementReport,
    Annotation,
    Assignment,
    AuditEvent,
    ControlAnswer,
    GoldLabel,
    Project,
    Provenance,
    Qualification,
    Tier,
    Trace,
)
from clips.models import Clip, ImportJob, Segment


class ProjectSerializer(serializers.ModelSerializer):
    label_schema = documented("LabelSchema")
    routing_rule = documented("RoutingRule")
    overlap = documented("Overlap")
    trace_config = documented("TraceConfig")
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "slug", "name", "description", "label_schema", "overlap_k", "overlap",
            "routing_rule", "trace_config", "lease_minutes", "per_user_cap", "control_rate",
            "qualification_controls", "qualification_pass", "pause_floor", "pause_min_controls",
            "archived_at", "roles",
        ]  # fmt: skip

    def get_roles(self, project: Project) -> list[str]:
        user = self.context["request"].user
        roles = {m.role for m in project.memberships.all() if m.user_id == user.pk and m.is_active}
        if user.is_superuser:
            roles.add("admin")
        return sorted(roles)


_TEMPLATES: dict[type, "HotModelSerializer"] = {}


# A model serializer of a hot path (a claim's or a submit's answer). DRF makes a serializer's
# fields afresh for every instance: from the model, then deep copies of each declared field,
# then binds them (about a third of a claim's web CPU, in-process). ``represent`` keeps one
# bound instance per class and reads each object through its fields: they are not changed by
# reading (no state per object may live on the serializer; its context is empty, so no field
# may need the request). A comment, not a docstring: the OpenAPI schema would take it as the
# description of subclasses without one.
class HotModelSerializer(serializers.ModelSerializer):
    @classmethod
    def represent(cls, instance: Any) -> dict[str, Any]:
        """``cls(instance).data``, as a plain dict."""
        template = _TEMPLATES.get(cls)
        if template is None:
            template = cls()
            template.fields  # noqa: B018 (a cached property: made and bound here, once)
            _TEMPLATES[cls] = template
        return template.to_representation(instance)


class SegmentSerializer(HotModelSerializer):
    class Meta:
        model = Segment
        fields = ["index", "start_s", "end_s", "text", "speaker"]


class ClipSerializer(HotModelSerializer):
    """What an annotator working on the clip may see: media and text, never others' labels."""

    video_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    waveform_url = serializers.SerializerMethodField()
    has_video = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id", "external_id", "kind", "language", "title", "transcript", "speaker",
            "duration_s", "fps", "width", "height", "has_audio", "has_video", "media_status",
            "video_url", "poster_url", "waveform_url", "segments",
        ]  # fmt: skip

    def _url(self, field: Any) -> str | None:
        return field.url if field else None

    def get_video_url(self, clip: Clip) -> str | None:
        return self._url(clip.media_file)

    def get_poster_url(self, clip: Clip) -> str | None:
        return self._url(clip.poster)

    def get_waveform_url(self, clip: Clip) -> str | None:
        return self._url(clip.waveform)

    def get_has_video(self, clip: Clip) -> bool:
        """False for ingested audio only (a speech corpus's clip): the player shows its
        waveform instead of a picture."""
        return clip.media_status != Clip.MediaStatus.READY or clip.width is not None

    @extend_schema_field(SegmentSerializer(many=True))
    def get_segments(self, clip: Clip) -> list[dict[str, Any]]:
        """In order; none asked for when the statement that read the clip found it has none
        (a claim's), and from the prefetch when a list read them with its clips."""
        if clip.segments_none:
            return []
        return [SegmentSerializer.represent(segment) for segment in clip.segments.all()]


class ClipAdminSerializer(ClipSerializer):
    """For admins and adjudicators: workflow state too."""

    class Meta(ClipSerializer.Meta):
        fields = [
            *ClipSerializer.Meta.fields,
            "stage", "layer1_count", "layer1_open", "media_error", "batch", "source_video",
            "transcoded",
        ]  # fmt: skip


class AnnotationSerializer(HotModelSerializer):
    payload = documented("Payload")

    class Meta:
        model = Annotation
        fields = [
            "id",
            "clip",
            "status",
            "revision",
            "is_current",
            "payload",
            "submitted_at",
            "trace_coverage",
            "trace_coverage_confirmed",
            "updated_at",
        ]


class AnnotationDetailSerializer(AnnotationSerializer):
    """One annotation with its clip as its annotator sees it: what the correction screen shows."""

    clip_detail = ClipSerializer(source="clip", read_only=True)

    class Meta(AnnotationSerializer.Meta):
        fields = [*AnnotationSerializer.Meta.fields, "clip_detail"]


class GoldSerializer(serializers.ModelSerializer):
    rationale = serializers.CharField(
        source="adjudication.rationale", default=None, allow_null=True
    )
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)
    payload = documented("Payload")

    class Meta:
        model = GoldLabel
        fields = [
            "version", "is_current", "payload", "provenance", "confidence", "tier", "rationale",
            "decided_by", "created_at",
        ]  # fmt: skip


class ControlAnswerSerializer(HotModelSerializer):
    """An answer on a control item, shaped as a submitted annotation: the annotator's screen
    does not tell it apart (the workspace offers no correction of it: the assignment names no
    annotation)."""

    clip = serializers.IntegerField(source="control.clip_id")
    status = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField()
    is_current = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(source="created_at")
    trace_coverage = serializers.SerializerMethodField()
    trace_coverage_confirmed = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = ControlAnswer
        fields = AnnotationSerializer.Meta.fields

    def get_status(self, _answer: ControlAnswer) -> str:
        return Annotation.Status.SUBMITTED

    def get_revision(self, _answer: ControlAnswer) -> int:
        return 1

    def get_is_current(self, _answer: ControlAnswer) -> bool:
        return True

    def get_trace_coverage(self, _answer: ControlAnswer) -> float | None:
        return None

    def get_trace_coverage_confirmed(self, _answer: ControlAnswer) -> bool:
        return False


class AssignmentSerializer(HotModelSerializer):
    """``draft_updated_at`` tells a tab whether the draft is its own last save or a newer one
    from another tab or device; ``annotation``, once submitted (anywhere), is the labels'
    current revision: what a correction starts from."""

    clip = ClipSerializer(read_only=True)
    draft = serializers.SerializerMethodField()
    draft_updated_at = serializers.SerializerMethodField()
    annotation = serializers.SerializerMethodField()
    model_draft = documented(
        "Payload",
        read_only=True,
        allow_null=True,
        help_text="A model's draft to pre-fill the form with (the project shows drafts)",
    )

    class Meta:
        model = Assignment
        fields = [
            "id", "layer", "status", "created_at", "expires_at", "clip", "draft",
            "draft_updated_at", "annotation", "model_draft",
        ]  # fmt: skip

    def _draft(self, assignment: Assignment) -> Annotation | None:
        # Read once per assignment object, for the two fields that show it (kept on the object:
        # a serializer holds no state per object, see HotModelSerializer).
        if assignment.claimed_now:
            return None
        if not assignment.open_draft_read:
            assignment.open_draft = assignment.annotations.filter(
                status=Annotation.Status.DRAFT
            ).first()
            assignment.open_draft_read = True
        return assignment.open_draft

    @extend_schema_field({"allOf": [ref("Payload")], "nullable": True})
    def get_draft(self, assignment: Assignment) -> dict[str, Any] | None:
        draft = self._draft(assignment)
        return draft.payload if draft else None

    def get_draft_updated_at(self, assignment: Assignment) -> datetime | None:
        draft = self._draft(assignment)
        return draft.updated_at if draft else None

    def get_annotation(self, assignment: Assignment) -> int | None:
        from annotation.selectors import assignment_annotation_id

        return assignment_annotation_id(assignment)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, allow_null=True, help_text="None: the system"
    )
    # (a field called "data" shadows Serializer.data for the type checker; DRF takes it as a field)
    data = free_object()  # type: ignore[assignment]

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "target_type", "target_id", "data"]


class DisputeSerializer(ClipAdminSerializer):
    """A clip in the disputed queue, with its agreement and why it is there."""

    agreement = serializers.SerializerMethodField()
    why = serializers.SerializerMethodField()
    in_progress = serializers.BooleanField(read_only=True, help_text="An adjudicator has it open")
    yours = serializers.BooleanField(read_only=True, help_text="You are the one who has it open")

    class Meta(ClipAdminSerializer.Meta):
        fields = [*ClipAdminSerializer.Meta.fields, "agreement", "why", "in_progress", "yours"]

    @extend_schema_field({"allOf": [ref("ClipAgreement")], "nullable": True})
    def get_agreement(self, clip: Clip) -> dict[str, Any] | None:
        from annotation.selectors import clip_agreement

        return clip_agreement(clip)

    def get_why(self, clip: Clip) -> list[str]:
        from annotation.selectors.review import dispute_why

        return dispute_why(getattr(clip, "agreement", None), self.context["project"])


class Layer1LabelSerializer(serializers.Serializer):
    annotator = serializers.CharField(help_text="Pseudonym, stable per clip")
    revision = serializers.IntegerField()
    payload = documented("Payload")
    submitted_at = serializers.DateTimeField()
    trace = documented(
        "Layer1Trace", allow_null=True, help_text="Finalised trace id and gap report"
    )


class TraceSerializer(serializers.ModelSerializer):
    """``max_seq`` and ``resume_at_s`` let a browser without its local copy (another device,
    cleared storage) continue after the highest chunk stored, at the media time it ended."""

    config = documented(
        "TraceConfig", help_text="Rate and dimensions, copied from the project at start."
    )
    gap_report = documented("GapReport")
    max_seq = serializers.SerializerMethodField()
    resume_at_s = serializers.SerializerMethodField()

    class Meta:
        model = Trace
        fields = [
            "id", "clip", "revision", "is_current", "status", "config", "acked_seq",
            "max_seq", "resume_at_s", "sample_count", "gap_report", "created_at", "finalised_at",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_chunks: dict[int, dict[str, Any]] = {}

    def _last(self, trace: Trace) -> dict[str, Any]:
        cache = self._last_chunks
        if trace.pk not in cache:
            end = ExpressionWrapper(
                F("t0") + F("n_samples") / float(trace.config["rate_hz"]),
                output_field=FloatField(),
            )
            cache[trace.pk] = trace.chunks.aggregate(seq=Max("seq"), end=Max(end))
        return cache[trace.pk]

    def get_max_seq(self, trace: Trace) -> int:
        seq = self._last(trace)["seq"]
        return -1 if seq is None else int(seq)

    def get_resume_at_s(self, trace: Trace) -> float:
        return round(self._last(trace)["end"] or 0.0, 4)


class ReviewMixin(serializers.Serializer):
    """What an adjudicator decides on (schema only: the views fill these fields; an
    assignment has them for layer 2 only)."""

    layer1 = Layer1LabelSerializer(many=True, required=False)
    agreement = documented("ClipAgreement", allow_null=True, required=False)
    why = serializers.ListField(
        child=serializers.CharField(), help_text="Why it is disputed", required=False
    )
    gold_history = GoldSerializer(many=True, required=False)


class AssignmentDetailSerializer(ReviewMixin, AssignmentSerializer):
    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "layer1", "agreement", "why", "gold_history"]


class ClipDetailSerializer(ReviewMixin, ClipAdminSerializer):
    class Meta(ClipAdminSerializer.Meta):
        fields = [*ClipAdminSerializer.Meta.fields, "layer1", "agreement", "why", "gold_history"]


class AgreementReportSerializer(serializers.ModelSerializer):
    report = documented("AgreementReportBody")

    class Meta:
        model = AgreementReport
        fields = [
            "id",
            "status",
            "processed",
            "total",
            "error",
            "created_at",
            "finished_at",
            "report",
        ]


class AgreementReportSummarySerializer(serializers.ModelSerializer):
    """For the history: the headline figures of each report, not the whole body."""

    summary = serializers.SerializerMethodField()

    class Meta:
        model = AgreementReport
        fields = ["id", "status", "processed", "total", "created_at", "finished_at", "summary"]

    @extend_schema_field(ref("ReportSummary"))
    def get_summary(self, report: AgreementReport) -> dict[str, Any]:
        layers = (report.report or {}).get("layers", {})
        monologues = (report.report or {}).get("monologues")
        return {
            name: {
                key: value
                for key, value in {**layer.get("overall", {}), **layer}.items()
                if key in SUMMARY_KEYS
            }
            | ({"ds_tiers": layer["dawid_skene"]["tiers"]} if "dawid_skene" in layer else {})
            for name, layer in layers.items()
        } | ({"monologues": self._monologue_summary(monologues)} if monologues else {})

    @staticmethod
    def _monologue_summary(monologues: dict[str, Any]) -> dict[str, Any]:
        return {
            f"{role}.{key}": monologues[role].get(key)
            for role, keys in UTTERANCE_SUMMARY.items()
            if role in monologues
            for key in keys
        }


# --- schema only: answers the views build by hand ---------------------------------------------


def _counts(help_text: str = "", **kwargs: Any) -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(), help_text=help_text, **kwargs)


def _counts_of(name: str, keys: Iterable[str], help_text: str) -> serializers.Serializer:
    """A count for each of ``keys``, every one of them present (zero included)."""
    fields: dict[str, serializers.Field] = {key: serializers.IntegerField() for key in keys}
    return inline_serializer(name, fields, help_text=help_text)


class YourProgressSerializer(serializers.Serializer):
    done_today = serializers.IntegerField()
    done_total = serializers.IntegerField()
    remaining_for_you = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    """Annotators get ``you``; adjudicators and admins ``stages`` and ``media``."""

    you = YourProgressSerializer(required=False)
    stages = _counts("Clips per stage", required=False)
    media = _counts("Clips per media state", required=False)


class ThroughputSerializer(serializers.Serializer):
    days = serializers.ListField(child=serializers.DateField())
    annotations = serializers.ListField(child=serializers.IntegerField())
    gold = serializers.ListField(child=serializers.IntegerField())
    adjudicated = serializers.ListField(child=serializers.IntegerField())


class DashboardProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    ready = serializers.IntegerField()
    stages = _counts_of(
        "StageCounts",
        (stage for stage in Clip.Stage.values if stage != Clip.Stage.CONTROL),
        "Clips per stage (control items are not counted)",
    )
    media = _counts("Clips per media state")
    throughput = ThroughputSerializer(help_text="Per day, oldest first")


class LabelledKeySerializer(serializers.Serializer):
    key = serializers.CharField()
    # (a field called "label" shadows Field.label for the type checker; DRF takes it as a field)
    label = serializers.CharField(help_text="In the reader's language")  # type: ignore[assignment]


class AgreementPointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When it finished (a finished job is stamped)")
    values = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Per figure key; null: undefined"
    )
    ds_tiers = serializers.DictField(
        child=documented("TierShares"),
        help_text="Dawid–Skene tier shares per single layer",
    )


class AgreementPairSerializer(serializers.Serializer):
    layer = serializers.CharField(help_text="The layer's title in the reader's language")
    a = serializers.CharField()
    b = serializers.CharField()
    n_items = serializers.IntegerField(help_text="Clips both labelled")
    figure = serializers.CharField(help_text="Cohen κ (single layer) or mean Jaccard (multi)")
    value = serializers.FloatField(allow_null=True, help_text="null: undefined")


class DsConfidenceSerializer(serializers.Serializer):
    layer = serializers.CharField(help_text="The layer's title in the reader's language")
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True)


class DashboardAgreementSerializer(serializers.Serializer):
    figures = LabelledKeySerializer(many=True)
    layers = serializers.DictField(
        child=serializers.CharField(), help_text="Title of each single layer, by name"
    )
    reports = AgreementPointSerializer(many=True, help_text="Oldest first")
    pairs = AgreementPairSerializer(many=True, help_text="The latest report, per annotator pair")
    confidence = DsConfidenceSerializer(
        many=True, help_text="The latest report's Dawid–Skene confidence per single layer"
    )


class ReportRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When it finished (a finished job is stamped)")


class ClassLabelSerializer(serializers.Serializer):
    value = serializers.CharField()
    en = serializers.CharField(allow_null=True)
    zh = serializers.CharField(allow_null=True)


class PauseSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    reason = serializers.CharField()
    floor = serializers.FloatField()


class AnnotatorRowSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    submitted = serializers.IntegerField()
    last_7_days = serializers.IntegerField()
    accuracy_vs_aggregate = serializers.FloatField(allow_null=True)
    kappa_vs_gold = serializers.FloatField(allow_null=True)
    entropy_normalised = serializers.FloatField(allow_null=True)
    unsure_share = serializers.FloatField(allow_null=True)
    label_distribution = serializers.DictField(child=serializers.FloatField())
    controls = serializers.IntegerField(help_text="Control items answered")
    controls_correct = serializers.IntegerField()
    control_accuracy = serializers.FloatField(allow_null=True)
    control_interval = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="95 % Wilson interval",
    )
    live_agreement = serializers.FloatField(
        allow_null=True, help_text="Current labels equal to their clip's aggregate"
    )
    live_entropy = serializers.FloatField(allow_null=True, help_text="Normalised, 0–1")
    median_seconds = serializers.FloatField(allow_null=True, help_text="Per control answer")
    ds_accuracy = serializers.FloatField(
        allow_null=True, help_text="Expected accuracy under the project's Dawid–Skene model"
    )
    ds_confusion = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        allow_null=True,
        help_text="Dawid–Skene confusion: rows the true class, columns the label given",
    )
    paused = PauseSerializer(allow_null=True)


class RadarSerializer(serializers.Serializer):
    axes = LabelledKeySerializer(many=True)
    values = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="Per annotator, one 0–1 value per axis; null: no value yet",
    )


class DashboardAnnotatorsSerializer(serializers.Serializer):
    report = ReportRefSerializer(allow_null=True, help_text="The report the figures come from")
    layer = serializers.CharField()
    layer_title = serializers.CharField(help_text="In the reader's language")
    classes = ClassLabelSerializer(many=True)
    annotators = AnnotatorRowSerializer(many=True)
    radar = RadarSerializer()


class DashboardRoutingSerializer(serializers.Serializer):
    rule = documented("RoutingRule", help_text="The project's routing rule")
    tiers = _counts_of("TierCounts", Tier.values, "Clips per agreement tier")
    provenance = _counts_of(
        "ProvenanceCounts", Provenance.values, "Current gold labels per provenance"
    )
    disputed = serializers.IntegerField()
    in_adjudication = serializers.IntegerField()


class ImportJobRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    status = serializers.ChoiceField(
        choices=[c for c in ImportJob.Status.choices if c[0] != ImportJob.Status.PREVIEW],
        help_text="A preview (nothing imported yet) is not listed",
    )
    total = serializers.IntegerField()
    processed = serializers.IntegerField()
    failed = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    summary = serializers.CharField()


class DashboardImportsSerializer(serializers.Serializer):
    jobs = ImportJobRowSerializer(many=True, help_text="Newest first")


class QualificationSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username")
    score = serializers.FloatField(allow_null=True, read_only=True)

    class Meta:
        model = Qualification
        fields = [
            "user", "round", "status", "controls", "needed", "answered", "correct", "score",
            "started_at", "finished_at",
        ]  # fmt: skip
