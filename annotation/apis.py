"""The REST API: thin views. Each validates its input, calls one service or selector, and
serialises. Scoping: a project you are not a member of, or an object that is not yours,
is a 404; a member without the needed role gets a 403."""

from typing import Any

import orjson
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors
from annotation.api_schemas import documented, ref
from annotation.errors import Conflict, NotAllowed, TooLarge
from annotation.models import (
    AgreementReport,
    Annotation,
    Assignment,
    AuditEvent,
    ControlAnswer,
    Project,
    Role,
)
from annotation.parsers import MAX_POSITIVE_INT
from annotation.payloads import MAX_TEXT
from annotation.schema import (
    default_label_schema,
    validate_label_schema,
    validate_overlap,
    validate_routing_rule,
    validate_trace_config,
)
from annotation.selectors.clips import project_clips
from annotation.selectors.history import (
    agreement_report,
    agreement_reports,
    audit_events,
    gold_history,
)
from annotation.selectors.people import project_members
from annotation.selectors.quality import qualification_block
from annotation.selectors.review import clip_trace_overlay, dispute_why
from annotation.selectors.traces import own_trace, trace_samples
from annotation.serializers import (
    AgreementReportSerializer,
    AgreementReportSummarySerializer,
    AnnotationDetailSerializer,
    AnnotationSerializer,
    AssignmentDetailSerializer,
    AssignmentSerializer,
    AuditEventSerializer,
    ClipAdminSerializer,
    ClipDetailSerializer,
    ControlAnswerSerializer,
    DisputeSerializer,
    GoldSerializer,
    ProgressSerializer,
    ProjectSerializer,
    TraceSerializer,
)
from annotation.services.adjudication import adjudication_decide, clip_send_to_adjudication
from annotation.services.agreement import agreement_report_request
from annotation.services.assignment import (
    adjudication_next,
    assignment_next,
    assignment_release,
)
from annotation.services.drafts import draft_serve
from annotation.services.people import member_add, member_roles_set
from annotation.services.projects import (
    PRESETS,
    project_archive,
    project_create,
    project_settings_update,
)
from annotation.services.submission import (
    annotation_correct,
    annotation_save_draft,
    annotation_submit,
)
from annotation.services.traces import (
    trace_finalise,
    trace_start,
    trace_store_chunks,
)
from annotation.trace_chunks import decode_body
from clips.models import Clip

STAFF = (Role.ADJUDICATOR, Role.ADMIN)


class AuthedRequest(Request):
    """Every API view requires a signed-in user (REST_FRAMEWORK settings)."""

    user: User


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _project(request: Request, slug: str, *roles: str) -> Project:
    project = selectors.project_for_user(request.user, slug)
    if roles:
        selectors.require_role(request.user, project, *roles)
    return project


class PayloadIn(serializers.Serializer):
    payload = documented("Payload")


class SubmitIn(PayloadIn):
    rationale = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT
    )
    confirm_low_coverage = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Submit a streaming clip whose trace covers less than the project's minimum.",
    )


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


NextOut = inline_serializer(
    "NextAssignment",
    {
        "assignment": AssignmentSerializer(allow_null=True),
        "reason": serializers.CharField(),
        # The quality rules hold the user back (qualification): clips may still wait.
        "blocked": serializers.BooleanField(),
    },
)


# --- projects -------------------------------------------------------------------------------


class SettingsIn(serializers.Serializer):
    """A project's settings, as the dashboard's settings panel and the project pages send
    them; ``project`` in the context is the project being edited (none when creating)."""

    name = serializers.CharField(required=False, max_length=200)
    slug = serializers.SlugField(required=False, max_length=64)
    label_schema = documented("LabelSchema", required=False)
    overlap_k = serializers.IntegerField(required=False, min_value=1, max_value=50)
    routing_rule = documented("RoutingRule", required=False)
    overlap = documented("Overlap", required=False)
    trace_config = documented("TraceConfig", required=False)
    lease_minutes = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60)
    per_user_cap = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_POSITIVE_INT, allow_null=True
    )
    control_rate = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        help_text="One claim in N is a control; 0: off.",
    )
    qualification_controls = serializers.IntegerField(
        required=False, min_value=0, max_value=1000, help_text="Controls before real clips; 0: off"
    )
    qualification_pass = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="Share of them to answer right"
    )
    pause_floor = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="Control accuracy floor; 0: off"
    )
    pause_min_controls = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="Controls before the rule judges"
    )

    def validate_slug(self, value: str) -> str:
        taken = Project.objects.filter(slug=value)
        if (project := self.context.get("project")) is not None:
            taken = taken.exclude(pk=project.pk)
        if taken.exists():
            raise serializers.ValidationError(_("a project with this slug exists already"))
        return value

    def validate_label_schema(self, value: Any) -> Any:
        validate_label_schema(value)
        return value

    def validate_routing_rule(self, value: Any) -> Any:
        validate_routing_rule(value)
        return value

    def validate_trace_config(self, value: Any) -> Any:
        validate_trace_config(value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The overlap setting against the label schema it will work with (either may be
        the one changing)."""
        project = self.context.get("project")
        if "overlap" in attrs or (project is not None and "label_schema" in attrs):
            validate_overlap(
                attrs.get("overlap", project.overlap if project else None),
                attrs.get("overlap_k", project.overlap_k if project else 3),
                attrs.get("label_schema", project.label_schema if project else None)
                or default_label_schema(),
            )
        return attrs


class ProjectIn(SettingsIn):
    # Plain strings checked here rather than an enum in the schema: the API fuzzer's schema
    # validator cannot hold a lone surrogate compared against an enum.
    preset = serializers.CharField(
        default="emos-static", help_text=f"One of {', '.join(sorted(PRESETS))}"
    )
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=64)

    def validate_preset(self, value: str) -> str:
        if value not in PRESETS:
            raise serializers.ValidationError(
                _("must be one of %(choices)s") % {"choices": ", ".join(sorted(PRESETS))}
            )
        return value


class ProjectListApi(ListAPIView):
    pagination_class = Pages
    serializer_class = ProjectSerializer

    def get_queryset(self) -> QuerySet[Project]:
        projects = selectors.projects_for_user(self.request.user)
        return projects.prefetch_related("memberships").order_by("slug")

    @extend_schema(request=ProjectIn, responses={201: ProjectSerializer})
    def post(self, request: AuthedRequest) -> Response:
        """Create a project from a preset (needs the ``annotation.add_project`` permission,
        as in the Django admin); its creator becomes its admin."""
        if not request.user.has_perm("annotation.add_project"):
            raise NotAllowed(_("creating projects needs the permission to add projects"))
        data = ProjectIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        preset, slug, name = values.pop("preset"), values.pop("slug"), values.pop("name")
        project = project_create(
            actor=request.user, preset=preset, slug=slug, name=name, settings=values
        )
        body = ProjectSerializer(project, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectSerializer)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug)
        return Response(ProjectSerializer(project, context={"request": request}).data)


class ProjectSettingsApi(APIView):
    @extend_schema(request=SettingsIn, responses=ProjectSerializer)
    def patch(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        data = SettingsIn(data=request.data, context={"project": project})
        data.is_valid(raise_exception=True)
        project_settings_update(
            project=project, actor=request.user, changes=dict(data.validated_data)
        )
        return Response(ProjectSerializer(project, context={"request": request}).data)


class ArchiveIn(serializers.Serializer):
    archived = serializers.BooleanField()


class ProjectArchiveApi(APIView):
    """Archive a project (no new claims; only its admins still see it), or bring it back."""

    @extend_schema(request=ArchiveIn, responses=ProjectSerializer)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        data = ArchiveIn(data=request.data)
        data.is_valid(raise_exception=True)
        project_archive(
            project=project, actor=request.user, archived=data.validated_data["archived"]
        )
        return Response(ProjectSerializer(project, context={"request": request}).data)


# --- people -----------------------------------------------------------------------------------


class RolesIn(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.CharField(max_length=16),
        max_length=len(Role.values),
        help_text=f"Any of {', '.join(Role.values)}; none deactivates",
    )

    def validate_roles(self, value: list[str]) -> list[str]:
        if set(value) - set(Role.values):
            raise serializers.ValidationError(
                _("must be one of %(choices)s") % {"choices": ", ".join(Role.values)}
            )
        return value


class MemberIn(RolesIn):
    who = serializers.CharField(max_length=254, help_text="A username or an e-mail address")

    def validate_roles(self, value: list[str]) -> list[str]:
        if not value:
            raise serializers.ValidationError(_("give at least one role"))
        return super().validate_roles(value)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email")
    name = serializers.CharField(source="user.get_full_name")
    roles = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    last_activity = serializers.DateTimeField(allow_null=True)
    labels = serializers.IntegerField()
    labels_7_days = serializers.IntegerField()
    decisions = serializers.IntegerField()


class MembersApi(APIView):
    """A project's people (its admins only): list, and add by username or e-mail (an unknown
    address gets an account and an invitation e-mail to set its password)."""

    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        return Response(MemberSerializer(project_members(project), many=True).data)

    @extend_schema(
        request=MemberIn,
        responses={
            201: inline_serializer(
                "MemberAdded",
                {"member": MemberSerializer(), "invited": serializers.BooleanField()},
            )
        },
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        data = MemberIn(data=request.data)
        data.is_valid(raise_exception=True)
        user, invited = member_add(
            project=project, actor=request.user, who=data.validated_data["who"],
            roles=data.validated_data["roles"], site_url=request.build_absolute_uri("/"),
        )  # fmt: skip
        row = next(m for m in project_members(project) if m.user.pk == user.pk)
        return Response(
            {"member": MemberSerializer(row).data, "invited": invited},
            status=status.HTTP_201_CREATED,
        )


class MemberApi(APIView):
    """Set a member's roles in the project; no role deactivates them there."""

    @extend_schema(request=RolesIn, responses=MemberSerializer)
    def patch(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        project = _project(request, slug, Role.ADMIN)
        rows = {m.user.pk: m for m in project_members(project)}
        if user_id not in rows:
            raise Http404
        data = RolesIn(data=request.data)
        data.is_valid(raise_exception=True)
        member_roles_set(
            project=project, actor=request.user, user=rows[user_id].user,
            roles=data.validated_data["roles"],
        )  # fmt: skip
        row = next(m for m in project_members(project) if m.user.pk == user_id)
        return Response(MemberSerializer(row).data)


class ProgressApi(APIView):
    @extend_schema(responses=ProgressSerializer)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug)
        body: dict[str, Any] = {}
        if selectors.has_role(request.user, project, Role.ANNOTATOR):
            body["you"] = selectors.annotator_progress(request.user, project)
        if selectors.has_role(request.user, project, *STAFF):
            body["stages"] = selectors.project_stage_counts(project)
            body["media"] = selectors.clip_media_counts(project)
        return Response(body)


# --- work: layer 1 and layer 2 ----------------------------------------------------------------


def _next_response(assignment: Assignment | None, empty: str, *, blocked: bool = False) -> Response:
    if assignment is None:
        return Response({"assignment": None, "reason": empty, "blocked": blocked})
    data = AssignmentSerializer.represent(assignment)
    return Response({"assignment": data, "reason": "", "blocked": False})


class NextClipApi(APIView):
    @extend_schema(request=None, responses=NextOut)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug)  # the role: checked as the claim locks it
        assignment = assignment_next(user=request.user, project=project)
        if assignment is not None:
            assignment.model_draft = draft_serve(assignment=assignment, project=project)
        blocked = None if assignment else qualification_block(request.user, project)
        empty = blocked or (
            ngettext(
                "you have labelled your share of this project (%(cap)s clip)",
                "you have labelled your share of this project (%(cap)s clips)",
                project.per_user_cap or 0,
            )
            % {"cap": project.per_user_cap}
            if assignment is None and selectors.cap_reached(request.user, project)
            else _("no clip is waiting for you in this project")
        )
        return _next_response(assignment, empty, blocked=blocked is not None)


class ClaimIn(serializers.Serializer):
    clip = serializers.IntegerField(required=False, help_text="A clip picked from the queue")
    resume = serializers.BooleanField(
        default=False, help_text="Only the clip you already have open; never claim a new one"
    )


class NextDisputeApi(APIView):
    """Your open layer-2 clip, else the oldest disputed one (or the one you picked)."""

    @extend_schema(request=ClaimIn, responses=NextOut)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADJUDICATOR)
        data = ClaimIn(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["resume"]:
            assignment = selectors.open_assignment(request.user, project, layer=2)
            return _next_response(assignment, _("you have no clip open"))
        assignment = adjudication_next(
            user=request.user, project=project, clip_id=data.validated_data.get("clip")
        )
        return _next_response(assignment, _("no disputed clip is waiting for you"))


def _review(clip: Clip) -> dict[str, Any]:
    """What adjudicators and admins see of a clip's layer-1 work (pseudonymous)."""
    return {
        "layer1": selectors.clip_layer1_labels(clip),
        "agreement": selectors.clip_agreement(clip),
        "why": dispute_why(getattr(clip, "agreement", None), clip.project),
        "gold_history": GoldSerializer(gold_history(clip), many=True).data,
    }


class AssignmentDetailApi(APIView):
    """Your assignment; for a layer-2 one, also what the adjudicator decides on."""

    @extend_schema(responses=AssignmentDetailSerializer)
    def get(self, request: AuthedRequest, assignment_id: int) -> Response:
        assignment = selectors.assignment_for_user(request.user, assignment_id, with_clip=True)
        assignment.model_draft = draft_serve(assignment=assignment, project=assignment.clip.project)
        body = AssignmentSerializer.represent(assignment)
        if assignment.layer == 2:
            if not selectors.may_review(request.user, assignment.clip):
                raise Http404  # labels came in under the lease: the decision is not theirs
            body.update(_review(assignment.clip))
        return Response(body)


class DraftApi(APIView):
    @extend_schema(request=PayloadIn, responses=AnnotationSerializer)
    def put(self, request: AuthedRequest, assignment_id: int) -> Response:
        assignment = selectors.assignment_for_user(request.user, assignment_id)
        data = PayloadIn(data=request.data)
        data.is_valid(raise_exception=True)
        if assignment.layer != 1:
            raise Conflict(_("drafts are for layer-1 work"))
        draft = annotation_save_draft(
            assignment_id=assignment.pk, user=request.user, payload=data.validated_data["payload"]
        )
        return Response(AnnotationSerializer.represent(draft))


class SubmitApi(APIView):
    @extend_schema(
        request=SubmitIn,
        responses={
            # A control item's answer is shaped as an annotation (the annotator's screen does
            # not tell them apart), so the Annotation schema documents it: listing its own
            # serializer too would make every annotation match two of the oneOf.
            201: PolymorphicProxySerializer(
                component_name="Submission",
                serializers=[AnnotationSerializer, GoldSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def post(self, request: AuthedRequest, assignment_id: int) -> Response:
        assignment = selectors.assignment_for_user(request.user, assignment_id)
        data = SubmitIn(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data["payload"]
        if assignment.layer == 2:
            gold = adjudication_decide(
                assignment_id=assignment.pk,
                user=request.user,
                payload=payload,
                rationale=data.validated_data["rationale"],
            )
            return Response(GoldSerializer(gold).data, status=status.HTTP_201_CREATED)
        annotation = annotation_submit(
            assignment_id=assignment.pk,
            user=request.user,
            payload=payload,
            confirm_low_coverage=data.validated_data["confirm_low_coverage"],
        )
        shaped = (
            ControlAnswerSerializer
            if isinstance(annotation, ControlAnswer)
            else AnnotationSerializer
        )
        return Response(shaped.represent(annotation), status=status.HTTP_201_CREATED)


class ReleaseApi(APIView):
    @extend_schema(request=None, responses=AssignmentSerializer)
    def post(self, request: AuthedRequest, assignment_id: int) -> Response:
        assignment = selectors.assignment_for_user(request.user, assignment_id)
        assignment = assignment_release(assignment_id=assignment.pk, user=request.user)
        return Response(AssignmentSerializer.represent(assignment))


# --- annotations ----------------------------------------------------------------------------


class MyAnnotationsApi(ListAPIView):
    pagination_class = Pages
    serializer_class = AnnotationSerializer

    def get_queryset(self) -> QuerySet[Annotation]:
        return selectors.annotations_of_user(self.request.user).order_by("-pk")


class AnnotationDetailApi(APIView):
    @extend_schema(responses=AnnotationDetailSerializer)
    def get(self, request: AuthedRequest, annotation_id: int) -> Response:
        annotation = selectors.annotation_for_user(request.user, annotation_id)
        return Response(AnnotationDetailSerializer(annotation).data)


class CorrectionApi(APIView):
    @extend_schema(request=PayloadIn, responses={201: AnnotationSerializer})
    def post(self, request: AuthedRequest, annotation_id: int) -> Response:
        annotation = selectors.own_annotation(request.user, annotation_id)
        data = PayloadIn(data=request.data)
        data.is_valid(raise_exception=True)
        new = annotation_correct(
            annotation_id=annotation.pk, user=request.user, payload=data.validated_data["payload"]
        )
        return Response(AnnotationSerializer.represent(new), status=status.HTTP_201_CREATED)


# --- staff views: clips, disputes, audit --------------------------------------------------------


class StageIn(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Clip.Stage.choices, required=False)


@extend_schema(parameters=[StageIn])
class ProjectClipsApi(ListAPIView):
    """Admins: the project's clips, optionally one stage (``?stage=disputed``)."""

    pagination_class = Pages
    serializer_class = ClipAdminSerializer

    def get_queryset(self) -> QuerySet[Clip]:
        project = _project(self.request, self.kwargs["slug"], Role.ADMIN)
        query = StageIn(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return project_clips(project, query.validated_data.get("stage"))


class DisputesApi(ListAPIView):
    """The disputed queue and why each clip is in it (tier, confidence, reason)."""

    pagination_class = Pages
    serializer_class = DisputeSerializer

    def get_queryset(self) -> QuerySet[Clip]:
        return selectors.disputed_clips(self._project, self.request.user).prefetch_related(
            "segments"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "project": self._project}

    @cached_property
    def _project(self) -> Project:
        return _project(self.request, self.kwargs["slug"], *STAFF)


class ClipDetailApi(APIView):
    """Adjudicators and admins: a clip with its layer-1 labels, agreement and gold history."""

    @extend_schema(responses=ClipDetailSerializer)
    def get(self, request: AuthedRequest, clip_id: int) -> Response:
        clip = selectors.clip_for_staff(request.user, clip_id)
        return Response({**ClipAdminSerializer(clip).data, **_review(clip)})


class ClipTracesApi(APIView):
    """Adjudicators and admins: the clip's traces overlaid (pseudonymous, binned), each
    annotator's reaction lag, the EWE aggregate and the CCC figures."""

    @extend_schema(responses={200: ref("TraceOverlay")})
    def get(self, request: AuthedRequest, clip_id: int) -> Response:
        clip = selectors.clip_for_staff(request.user, clip_id)
        return Response(clip_trace_overlay(clip))


class ClipReopenApi(APIView):
    """Admins: send any clip to adjudication (a gold one is reopened; versions are kept)."""

    @extend_schema(request=ReasonIn, responses=ClipAdminSerializer)
    def post(self, request: AuthedRequest, clip_id: int) -> Response:
        clip = selectors.clip_for_admin(request.user, clip_id)
        data = ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        clip = clip_send_to_adjudication(
            clip_id=clip.pk, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(ClipAdminSerializer(clip).data)


class AuditApi(ListAPIView):
    """Admins: who did what, when, with before/after."""

    pagination_class = Pages
    serializer_class = AuditEventSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        project = _project(self.request, self.kwargs["slug"], Role.ADMIN)
        return audit_events(project)


# --- traces ---------------------------------------------------------------------------------

MAX_CHUNK_BODY = 512 * 1024


class TraceStartIn(serializers.Serializer):
    restart = serializers.BooleanField(default=False)


class TraceFinaliseIn(serializers.Serializer):
    allow_gaps = serializers.BooleanField(default=False)


class TraceStartApi(APIView):
    """Start or resume the trace for a leased streaming clip (a reload resumes from acked_seq)."""

    @extend_schema(request=TraceStartIn, responses=TraceSerializer)
    def post(self, request: AuthedRequest, assignment_id: int) -> Response:
        assignment = selectors.assignment_for_user(request.user, assignment_id)
        data = TraceStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        trace = trace_start(
            assignment_id=assignment.pk,
            user=request.user,
            restart=data.validated_data["restart"],
        )
        return Response(TraceSerializer(trace).data)


class TraceChunksApi(APIView):
    """One chunk ``{seq, t0, samples}`` or ``{"chunks": [...]}``; answers the acked sequence.

    The body is read with orjson and checked as numpy arrays, not per sample by a serializer.
    """

    @extend_schema(
        request=inline_serializer(
            "TraceChunk",
            {
                "seq": serializers.IntegerField(),
                "t0": serializers.FloatField(),
                "samples": serializers.ListField(
                    child=serializers.ListField(child=serializers.FloatField()),
                    help_text="One row per sample: a value per dimension",
                ),
            },
        ),
        responses=inline_serializer(
            "TraceAck",
            {
                "trace": serializers.IntegerField(),
                "acked_seq": serializers.IntegerField(),
                "stored": serializers.ListField(child=serializers.IntegerField()),
                "duplicates": serializers.ListField(child=serializers.IntegerField()),
            },
        ),
    )
    def post(self, request: AuthedRequest, trace_id: int) -> Response:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_CHUNK_BODY:
            raise TooLarge(
                _("a chunk request may carry at most %(kib)s KiB") % {"kib": MAX_CHUNK_BODY // 1024}
            )
        ack = trace_store_chunks(  # someone else's trace: DoesNotExist, a 404
            trace_id=trace_id, user=request.user, raw_chunks=decode_body(request.body)
        )
        return Response(ack)


class TraceFinaliseApi(APIView):
    @extend_schema(request=TraceFinaliseIn, responses=TraceSerializer)
    def post(self, request: AuthedRequest, trace_id: int) -> Response:
        own_trace(request.user, trace_id)
        data = TraceFinaliseIn(data=request.data)
        data.is_valid(raise_exception=True)
        trace = trace_finalise(
            trace_id=trace_id, user=request.user, allow_gaps=data.validated_data["allow_gaps"]
        )
        return Response(TraceSerializer(trace).data)


class TraceDetailApi(APIView):
    @extend_schema(responses=TraceSerializer)
    def get(self, request: AuthedRequest, trace_id: int) -> Response:
        return Response(TraceSerializer(selectors.trace_for_user(request.user, trace_id)).data)


class TraceSamplesApi(APIView):
    """The trace on its grid (null where nothing was recorded): a finalised one for overlays;
    the recorder's own while recording (the chunks stored so far), so that a browser without
    its local copy shows, resumes and submits what the server holds."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "TraceSamples",
                {
                    "rate_hz": serializers.FloatField(),
                    "dimensions": serializers.ListField(child=serializers.CharField()),
                    "status": serializers.CharField(),
                    "samples": serializers.ListField(
                        child=serializers.ListField(
                            child=serializers.FloatField(), allow_null=True
                        ),
                        help_text="One row per grid step; null where nothing was recorded",
                    ),
                },
            ),
        }
    )
    def get(self, request: AuthedRequest, trace_id: int) -> HttpResponse:
        # Someone else's trace while it is recorded, or any trace one may not review: a 404.
        trace = selectors.trace_for_user(request.user, trace_id)
        # orjson writes float32 in its shortest form (0.6, not 0.6000000238418579): a
        # 10-minute trace at 25 Hz is one answer of about 300 KiB, not 600.
        return HttpResponse(
            orjson.dumps(trace_samples(trace), option=orjson.OPT_SERIALIZE_NUMPY),
            content_type="application/json",
        )


# --- agreement --------------------------------------------------------------------------------


class AgreementReportsApi(ListAPIView):
    """Admins: the dated agreement reports (newest first) — agreement followed over time; POST
    asks a worker for a fresh one (one at a time per project)."""

    pagination_class = Pages
    serializer_class = AgreementReportSummarySerializer

    def get_queryset(self) -> QuerySet[AgreementReport]:
        project = _project(self.request, self.kwargs["slug"], Role.ADMIN)
        return agreement_reports(project)

    @extend_schema(request=None, responses={202: AgreementReportSerializer})
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        report = agreement_report_request(project=project)
        return Response(AgreementReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class AgreementReportApi(APIView):
    """Admins: one report with its progress; ``latest`` is the newest finished one."""

    @extend_schema(responses=AgreementReportSerializer)
    def get(self, request: AuthedRequest, slug: str, report_id: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        return Response(AgreementReportSerializer(agreement_report(project, report_id)).data)
