"""``/api/auth/token/``: POST a username and password for the caller's API token, DELETE to
revoke it."""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.parsers import JSONParser
from annotation.security.tokens import token_issue, tokens_revoke


class SignInSerializer(AuthTokenSerializer):
    # No username is longer than the User column: a longer one is refused here, before
    # django-axes records the failed sign-in in its varchar(255) (PostgreSQL: a 500).
    username = serializers.CharField(
        label=AuthTokenSerializer._declared_fields["username"].label,
        max_length=User._meta.get_field("username").max_length,
        write_only=True,
    )


class TokenApi(ObtainAuthToken):
    serializer_class = SignInSerializer
    # The API's JSON parser (no NUL, lone surrogate or deep nesting gets through), and forms
    # as DRF's view reads them (every field of which is a CharField).
    parser_classes = (JSONParser, FormParser, MultiPartParser)

    def get_authenticators(self) -> list[Any]:
        # Signing in needs nothing but the password: a script still sending its expired token
        # must get a new one, not a 401 for the header. (Django's request here: DRF's does not
        # exist yet; the schema generator has none at all.)
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return []

    def get_serializer_context(self) -> dict[str, Any]:
        # django-axes marks a locked-out sign-in on the request that authenticate() is given,
        # and its middleware reads the mark from Django's request. DRF's Request keeps
        # attributes set on it to itself, so authenticate() gets Django's.
        return {**super().get_serializer_context(), "request": self.request._request}

    @extend_schema(
        request=SignInSerializer,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong username or password"),
            429: OpenApiResponse(description="Too many failed sign-ins (code locked_out)"),
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
