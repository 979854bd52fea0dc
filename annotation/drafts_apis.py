"""Model drafts over the API (admins): a project's runs and its drafts setting, importing a
run from uploaded files, and the human–model report."""

from datetime import date

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.api_schemas import documented
from annotation.apis import AuthedRequest, _project
from annotation.errors import Invalid, TooLarge
from annotation.models import DraftsMode, ModelRun, Role
from annotation.selectors.drafts import drafts_report, model_runs, run_provenance
from annotation.selectors.history import ROW_ID
from annotation.services.drafts import Provenance, drafts_import_uploads, project_drafts_set


class RunOut(serializers.Serializer):
    """A run's provenance (``selectors.drafts.run_provenance``)."""

    id = serializers.IntegerField()
    model_name = serializers.CharField()
    model_version = serializers.CharField()
    config_id = serializers.CharField()
    run_date = serializers.DateField(allow_null=True)
    source_name = serializers.CharField()
    n_drafts = serializers.IntegerField()
    n_unmatched = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(allow_null=True)


class DraftsSettingIn(serializers.Serializer):
    drafts = serializers.ChoiceField(choices=DraftsMode.choices)
    run = serializers.IntegerField(required=False, allow_null=True, default=None)
    share = serializers.FloatField(required=False, min_value=0, max_value=1, default=1.0)


class RunIn(serializers.Serializer):
    model_name = serializers.CharField(max_length=200)
    model_version = serializers.CharField(max_length=100, required=False, default="")
    config_id = serializers.CharField(max_length=200, required=False, default="")
    run_date = serializers.DateField(required=False, allow_null=True, default=None)
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)


def _setting(project_drafts: str, run_id: int | None, share: float) -> dict[str, object]:
    return {"drafts": project_drafts, "run": run_id, "share": share}


class RunsOut(serializers.Serializer):
    runs = RunOut(many=True)
    setting = DraftsSettingIn()


class ComparisonOut(serializers.Serializer):
    """One rater against the model on one layer: percent agreement and Cohen's κ (single and
    ordinal layers) or mean Jaccard and exact-match share (multi-label layers)."""

    n = serializers.IntegerField()
    agreement = serializers.FloatField(required=False, allow_null=True)
    kappa = serializers.FloatField(required=False, allow_null=True)
    jaccard = serializers.FloatField(required=False, allow_null=True)
    exact = serializers.FloatField(required=False, allow_null=True)


class AnchoringOut(serializers.Serializer):
    """Agreement with the model with drafts shown vs hidden (``quality.anchoring``)."""

    n_shown = serializers.IntegerField()
    n_hidden = serializers.IntegerField()
    agree_shown = serializers.FloatField(allow_null=True)
    agree_hidden = serializers.FloatField(allow_null=True)
    effect = serializers.FloatField(allow_null=True)
    effect_interval = serializers.ListField(child=serializers.FloatField(allow_null=True))
    adoption = serializers.FloatField(allow_null=True)
    adoption_interval = serializers.ListField(child=serializers.FloatField(allow_null=True))
    level = serializers.FloatField()


class LayerReportOut(serializers.Serializer):
    type = serializers.CharField()
    title = documented("LocalText")
    annotators = serializers.DictField(child=ComparisonOut())
    aggregate = ComparisonOut()
    anchoring = AnchoringOut(allow_null=True)


class DraftsReportOut(serializers.Serializer):
    """``run`` null (and nothing else) when the project has no run yet."""

    run = RunOut(allow_null=True)
    drafts_mode = serializers.ChoiceField(choices=DraftsMode.choices, required=False)
    draft_share = serializers.FloatField(required=False)
    annotations = serializers.IntegerField(required=False)
    shown = serializers.IntegerField(required=False)
    accepted = serializers.IntegerField(required=False)
    layers = serializers.DictField(child=LayerReportOut(), required=False)


class ModelRunsApi(APIView):
    """Admins: the project's model runs and its drafts setting; POST imports a run from
    JSONL/CSV predictions or EmoS ``<film>.emotion.json`` files (all or nothing)."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses=RunsOut)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        return Response(
            {
                "runs": model_runs(project),
                "setting": _setting(project.drafts, project.draft_run_id, project.draft_share),
            }
        )

    @extend_schema(request=RunIn, responses={201: RunOut, 200: RunOut})
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.LABEL_UPLOAD_MAX_BYTES:
            raise TooLarge(
                _("draft files may come to %(mib)s MiB at most")
                % {"mib": settings.LABEL_UPLOAD_MAX_BYTES >> 20}
            )
        data = RunIn(data={**request.POST.dict(), "files": request.FILES.getlist("files")})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        run_date: date | None = values["run_date"]
        run, created = drafts_import_uploads(
            project=project,
            files=values["files"],
            provenance=Provenance(
                values["model_name"], values["model_version"], values["config_id"], run_date
            ),
            actor=request.user,
        )
        return Response(
            run_provenance(run), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DraftsSettingApi(APIView):
    """Admins: hide drafts, or pre-fill the form with a run's on a random share of claims."""

    @extend_schema(request=DraftsSettingIn, responses=DraftsSettingIn)
    def put(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        data = DraftsSettingIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        project_drafts_set(
            project=project, actor=request.user, mode=v["drafts"], run_id=v["run"],
            share=v["share"],
        )  # fmt: skip
        return Response(_setting(project.drafts, project.draft_run_id, project.draft_share))


class DraftsReportApi(APIView):
    """Admins: how the people agree with a model run (default: the latest), and anchoring."""

    @extend_schema(
        parameters=[OpenApiParameter("run", int, required=False)],
        responses=DraftsReportOut,
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        runs = ModelRun.objects.filter(project=project).select_related("created_by")
        raw = request.query_params.get("run")
        if raw is not None:
            if not ROW_ID.fullmatch(raw):
                raise Invalid(_("must be a run id"), field="run")
            run = get_object_or_404(runs, pk=int(raw))
        else:
            latest = runs.order_by("-pk").first()
            if latest is None:
                return Response({"run": None})
            run = latest
        return Response(drafts_report(project, run))
