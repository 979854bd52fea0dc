"""Media uploads over tus 1.0 (``clips.uploads``): project admins only.

``POST /api/projects/{slug}/uploads/`` creates an upload (tus creation; ``OPTIONS`` there
tells a client the protocol's version, extensions and size limit); ``HEAD``, ``PATCH`` and
``DELETE /api/uploads/{id}/`` are tus's offset, write and termination, and ``GET`` there is
the upload as JSON with its clip's media status (what the ingest made of the file).
"""

import base64
import binascii
from typing import Any
from uuid import UUID

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors
from annotation.errors import ApplicationError, Invalid
from annotation.models import Role
from clips.models import Upload
from clips.uploads import upload_create, upload_terminate, upload_write

TUS_VERSION = "1.0.0"
NOT_TUS = OpenApiResponse(description="Tus-Resumable is missing or not 1.0.0.")
OFFSET_STREAM = "application/offset+octet-stream"


class TusVersionUnsupported(ApplicationError):
    status = 412
    code = "tus_version"


class NotOffsetStream(ApplicationError):
    status = 415
    code = "unsupported_media_type"


def _tus(**headers: object) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, **{k: str(v) for k, v in headers.items()}}


def _require_tus(request: Request) -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusVersionUnsupported(
            _("this server speaks tus %(version)s (the Tus-Resumable header)")
            % {"version": TUS_VERSION}
        )


def _number(request: Request, header: str) -> int:
    raw = request.headers.get(header, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Invalid(_("%(header)s must be a whole number of bytes") % {"header": header},
                      field=header)  # fmt: skip
    return int(raw)


def _metadata(raw: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated ``key base64(value)`` pairs."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, _sep, value = item.partition(" ")
        try:
            pairs[key] = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Invalid(_("Upload-Metadata is not base64 text"), field=key) from exc
    return pairs


def _upload(request: Request, upload_id: UUID) -> Upload:
    upload = get_object_or_404(Upload.objects.select_related("project", "clip"), pk=upload_id)
    project = selectors.project_for_user(request.user, upload.project.slug)  # else 404
    selectors.require_role(request.user, project, Role.ADMIN)
    return upload


class UploadClipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    media_status = serializers.CharField()
    media_error = serializers.CharField()


class UploadSerializer(serializers.ModelSerializer):
    clip = UploadClipSerializer(allow_null=True)

    class Meta:
        model = Upload
        fields = [
            "id",
            "filename",
            "length",
            "offset",
            "status",
            "clip",
            "import_job",
            "created_at",
        ]


class UploadsApi(APIView):
    """tus creation in the project (admins)."""

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return Response(
            status=status.HTTP_204_NO_CONTENT,
            headers=_tus(
                **{
                    "Tus-Version": TUS_VERSION,
                    "Tus-Extension": "creation,termination",
                    "Tus-Max-Size": settings.UPLOAD_MAX_BYTES,
                }
            ),
        )

    @extend_schema(
        request=None,
        responses={
            201: OpenApiResponse(description="Created; Location is the upload's URL"),
            409: OpenApiResponse(
                description="The project has this file already (a duplicate "
                "of a clip, or a clip of this name with media)."
            ),
            412: NOT_TUS,
            413: OpenApiResponse(description="Upload-Length is over UPLOAD_MAX_BYTES."),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        project = selectors.project_for_user(request.user, slug)
        selectors.require_role(request.user, project, Role.ADMIN)
        _require_tus(request)
        meta = _metadata(request.headers.get("Upload-Metadata", ""))
        upload = upload_create(
            project=project,
            user=request.user,  # type: ignore[arg-type]  # signed in: the API requires it
            filename=meta.get("filename", ""),
            length=_number(request, "Upload-Length"),
            fingerprint=meta.get("fingerprint", ""),
        )
        return Response(
            UploadSerializer(upload).data,
            status=status.HTTP_201_CREATED,
            headers=_tus(Location=f"/api/uploads/{upload.pk}/", **{"Upload-Offset": 0}),
        )


class UploadApi(APIView):
    """One upload: tus HEAD / PATCH / DELETE, and GET as JSON (admins of its project)."""

    @extend_schema(responses=UploadSerializer)
    def get(self, request: Request, upload_id: UUID) -> Response:
        return Response(UploadSerializer(_upload(request, upload_id)).data)

    def head(self, request: Request, upload_id: UUID) -> Response:
        upload = _upload(request, upload_id)
        _require_tus(request)
        return Response(
            headers=_tus(
                **{
                    "Upload-Offset": upload.offset,
                    "Upload-Length": upload.length,
                    "Cache-Control": "no-store",
                }
            )
        )

    @extend_schema(
        request=None,
        responses={
            204: None,
            412: NOT_TUS,
            415: OpenApiResponse(description="Not application/offset+octet-stream."),
            423: OpenApiResponse(description="Another request is writing this upload."),
        },
    )
    def patch(self, request: Request, upload_id: UUID) -> Response:
        upload = _upload(request, upload_id)
        _require_tus(request)
        if request.content_type.split(";")[0].strip() != OFFSET_STREAM:
            raise NotOffsetStream(_("a PATCH carries %(type)s") % {"type": OFFSET_STREAM})
        offset = _number(request, "Upload-Offset")
        length = request.META.get("CONTENT_LENGTH")
        # The raw WSGI stream, read block by block: never the whole body in memory.
        upload = upload_write(
            upload=upload,
            offset=offset,
            body=request._request,
            body_length=int(length) if length and length.isdigit() else None,
        )
        return Response(
            status=status.HTTP_204_NO_CONTENT, headers=_tus(**{"Upload-Offset": upload.offset})
        )

    @extend_schema(request=None, responses={204: None, 412: NOT_TUS})
    def delete(self, request: Request, upload_id: UUID) -> Response:
        upload = _upload(request, upload_id)
        _require_tus(request)
        upload_terminate(upload=upload)
        return Response(status=status.HTTP_204_NO_CONTENT, headers=_tus())
