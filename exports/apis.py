"""Releases through the API: admins create, follow, retry, download, and score against them."""

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors
from annotation.api_schemas import documented, ref
from annotation.apis import AuthedRequest, Pages
from annotation.errors import Conflict, Invalid, state_word
from annotation.media_delivery import deliver
from annotation.models import Role
from annotation.storage import local_tree
from exports.models import Release
from exports.pipeline.data import MAX_DESCRIPTION
from exports.pipeline.evaluation import score
from exports.pipeline.messages import message_text
from exports.services import release_create, release_name, release_retry


class ReleaseSerializer(serializers.ModelSerializer):
    version = serializers.CharField(read_only=True)
    progress_message = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    options = documented("ReleaseOptions")

    class Meta:
        model = Release
        fields = [
            "id", "version", "description", "options", "status", "progress", "progress_message",
            "error", "attempts", "archive_sha256", "size_bytes", "created_at", "published_at",
            "download_url",
        ]  # fmt: skip

    def get_progress_message(self, release: Release) -> str:
        """Stored as the English text the build marked; shown in the reader's language."""
        return _(release.progress_message) if release.progress_message else ""

    def get_download_url(self, release: Release) -> str | None:
        if release.status != Release.Status.PUBLISHED:
            return None
        return f"/api/releases/{release.pk}/download/"


class ReleaseIn(serializers.Serializer):
    version = serializers.CharField(max_length=40)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_DESCRIPTION
    )
    options = documented("ReleaseOptions", serializers.DictField, required=False, default=dict)


class ScoreIn(serializers.Serializer):
    predictions = serializers.FileField()
    split = serializers.ChoiceField(choices=["train", "validation", "test"], default="test")


def _release(request: Request, release_id: int) -> Release:
    release = get_object_or_404(
        Release.objects.select_related("project"),
        pk=release_id,
        project__in=selectors.projects_for_user(request.user),
    )
    selectors.require_role(request.user, release.project, Role.ADMIN)
    return release


class ReleasesApi(ListAPIView):
    """Admins: the project's releases; POST starts a new one (a worker builds it)."""

    pagination_class = Pages
    serializer_class = ReleaseSerializer

    def get_queryset(self) -> QuerySet[Release]:
        project = selectors.project_for_user(self.request.user, self.kwargs["slug"])
        selectors.require_role(self.request.user, project, Role.ADMIN)
        return Release.objects.filter(project=project).order_by("-major", "-minor", "-patch")

    @extend_schema(request=ReleaseIn, responses={202: ReleaseSerializer})
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = selectors.project_for_user(request.user, slug)
        selectors.require_role(request.user, project, Role.ADMIN)
        data = ReleaseIn(data=request.data)
        data.is_valid(raise_exception=True)
        release = release_create(project=project, actor=request.user, **data.validated_data)
        release.refresh_from_db()
        return Response(ReleaseSerializer(release).data, status=status.HTTP_202_ACCEPTED)


class ReleaseDetailApi(APIView):
    @extend_schema(responses=ReleaseSerializer)
    def get(self, request: AuthedRequest, release_id: int) -> Response:
        return Response(ReleaseSerializer(_release(request, release_id)).data)


class ReleaseRetryApi(APIView):
    @extend_schema(request=None, responses={202: ReleaseSerializer})
    def post(self, request: AuthedRequest, release_id: int) -> Response:
        release = release_retry(release=_release(request, release_id), actor=request.user)
        release.refresh_from_db()
        return Response(ReleaseSerializer(release).data, status=status.HTTP_202_ACCEPTED)


class ReleaseDownloadApi(APIView):
    @extend_schema(
        responses={
            (200, "application/gzip"): bytes,
            302: OpenApiResponse(description="To a short-lived URL in object storage"),
            409: OpenApiResponse(description="The release is not published (yet)"),
        }
    )
    def get(self, request: AuthedRequest, release_id: int) -> HttpResponseBase:
        """The archive: a redirect to object storage, nginx's X-Accel, or streamed by Django
        in the embedded mode (``media_delivery``)."""
        release = _release(request, release_id)
        if release.status != Release.Status.PUBLISHED:
            raise Conflict(
                _("the release is %(status)s, not published")
                % {"status": state_word(release.status)}
            )
        name = release.archive_path
        return deliver(request, name, download_as=name.rsplit("/", 1)[-1])


class ReleaseScoreApi(APIView):
    """Score model predictions (JSONL or CSV upload) against a published release's split."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=ScoreIn, responses={200: ref("Scores")})
    def post(self, request: AuthedRequest, release_id: int) -> Response:
        release = _release(request, release_id)
        if release.status != Release.Status.PUBLISHED:
            raise Conflict(
                _("the release is %(status)s, not published")
                % {"status": state_word(release.status)}
            )
        data = ScoreIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["predictions"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".jsonl", ".csv"):
            raise Invalid(_("predictions must be a .jsonl or .csv file"), field="predictions")
        target = (
            Path(settings.MEDIA_ROOT)
            / "tmp"
            / f"predictions-{release.pk}-{request.user.pk}{suffix}"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            with local_tree(release_name(release), skip=("media",)) as folder:
                result = score(folder, target, split=data.validated_data["split"])
        except ValueError as exc:
            raise Invalid(message_text(exc, _), field="predictions") from exc
        finally:
            target.unlink(missing_ok=True)
        return Response(result)
