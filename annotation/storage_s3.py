"""The S3-compatible backend (``STORAGE_BACKEND=s3``), apart from ``storage.py`` so that a
process storing on the file system never loads boto3 (~35 MB per process)."""

from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage


class MediaS3Storage(S3Storage):
    """S3 whose ``url()`` is the app's members-only ``/media/`` view (as on the file system):
    templates and serializers never hand out a bucket URL; the view checks membership and then
    redirects to ``presigned_url``."""

    def url(
        self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        return f"{settings.MEDIA_URL}{filepath_to_uri(name)}"

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """A ``.gz`` is stored as what it is: django-storages would guess "tar" with
        ``Content-Encoding: gzip``, and browsers and HTTP clients would then unpack a release
        archive on download (its SHA-256 no longer matching)."""
        params: dict[str, Any] = super().get_object_parameters(name)
        if name.endswith(".gz"):
            params = {**params, "ContentType": "application/gzip"}
        return params

    @cached_property
    def _public_client(self) -> Any:
        """A client for the address browsers use (``AWS_S3_PUBLIC_ENDPOINT_URL``), when the
        one the servers use (``AWS_S3_ENDPOINT_URL``, say ``http://minio:9000``) is private.
        Signing is local: this client never connects."""
        return self._create_session().client(
            "s3",
            region_name=self.region_name,
            endpoint_url=settings.AWS_S3_PUBLIC_ENDPOINT_URL,
            config=self.client_config,
        )

    def presigned_url(self, name: str, *, download_as: str | None = None) -> str:
        """A GET URL valid for ``AWS_QUERYSTRING_EXPIRE`` seconds; ``download_as`` makes the
        browser save the file under that name."""
        params = {"Bucket": self.bucket_name, "Key": self._normalize_name(name)}
        if download_as:
            params["ResponseContentDisposition"] = content_disposition_header(True, download_as)
        client = (
            self._public_client
            if settings.AWS_S3_PUBLIC_ENDPOINT_URL
            else self.connection.meta.client
        )
        url: str = client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.querystring_expire
        )
        return url
