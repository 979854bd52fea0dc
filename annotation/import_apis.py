"""Label import from the browser (``services.label_upload``), for project admins:
``POST /api/projects/{slug}/label-imports/`` (multipart ``files``, optional ``batch`` and
``annotator``) stores the files and answers the preview; ``POST /api/label-imports/{id}/confirm/``
starts the import; ``GET /api/label-imports/{id}/`` follows it and keeps its report."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors
from annotation.api_schemas import free_object
from annotation.errors import TooLarge
from annotation.models import Role
from annotation.services.label_upload import label_upload_confirm, label_upload_preview
from clips.models import ImportJob


class LabelImportSerializer(serializers.ModelSerializer):
    report = free_object()

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "status", "total", "processed", "failed", "report",
                  "created_at", "finished_at"]  # fmt: skip


def _job(request: Request, job_id: int) -> ImportJob:
    job = get_object_or_404(
        ImportJob.objects.select_related("project"), pk=job_id, kind=ImportJob.Kind.LABELS
    )
    project = selectors.project_for_user(request.user, job.project.slug)  # else 404
    selectors.require_role(request.user, project, Role.ADMIN)
    return job


class LabelImportsApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request=inline_serializer(
            "LabelFiles",
            {
                "files": serializers.ListField(child=serializers.FileField()),
                "batch": serializers.CharField(required=False),
                "annotator": serializers.CharField(required=False),
            },
        ),
        responses={201: LabelImportSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        project = selectors.project_for_user(request.user, slug)
        selectors.require_role(request.user, project, Role.ADMIN)
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.LABEL_UPLOAD_MAX_BYTES:
            raise TooLarge(
                _("label files may come to %(mib)s MiB at most")
                % {"mib": settings.LABEL_UPLOAD_MAX_BYTES >> 20}
            )
        job = label_upload_preview(
            project=project,
            user=request.user,  # type: ignore[arg-type]  # signed in: the API requires it
            files=request.FILES.getlist("files"),
            batch=str(request.POST.get("batch", "")),
            annotator=str(request.POST.get("annotator", "")),
        )
        return Response(LabelImportSerializer(job).data, status=status.HTTP_201_CREATED)


class LabelImportApi(APIView):
    @extend_schema(responses=LabelImportSerializer)
    def get(self, request: Request, job_id: int) -> Response:
        return Response(LabelImportSerializer(_job(request, job_id)).data)


class LabelImportConfirmApi(APIView):
    @extend_schema(request=None, responses={202: LabelImportSerializer})
    def post(self, request: Request, job_id: int) -> Response:
        job = label_upload_confirm(job=_job(request, job_id))
        return Response(LabelImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)
