"""The admin dashboard's panels: one GET each, so the page fills in as they answer."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors
from annotation import serializers as out
from annotation.apis import AuthedRequest
from annotation.models import Role
from annotation.selectors import dashboard

MAX_DAYS = 365
DEFAULT_DAYS = 30


class DaysIn(serializers.Serializer):
    days = serializers.IntegerField(required=False, default=DEFAULT_DAYS)


def _days(request: AuthedRequest) -> int:
    """Lenient on purpose (a panel always draws): a number is clamped to 1–365, anything else
    ('²', a 5,000-digit number, text) is the default."""
    query = DaysIn(data=request.query_params)
    days = query.validated_data["days"] if query.is_valid() else DEFAULT_DAYS
    return int(min(MAX_DAYS, max(1, days)))


def _panel(
    name: str, doc: str, answer: type[serializers.Serializer], **params: OpenApiParameter
) -> type[APIView]:
    read = getattr(dashboard, f"dashboard_{name}")

    @extend_schema(
        operation_id=f"dashboard_{name}", parameters=list(params.values()), responses=answer
    )
    def get(self: APIView, request: AuthedRequest, slug: str) -> Response:
        project = selectors.project_for_user(request.user, slug)
        selectors.require_role(request.user, project, Role.ADMIN)
        kwargs: dict[str, Any] = {}
        if "days" in params:
            kwargs["days"] = _days(request)
        return Response(read(project, **kwargs))

    return type(f"Dashboard{name.title()}Api", (APIView,), {"get": get, "__doc__": doc})


DashboardProgressApi = _panel(
    "progress",
    "Clips per stage and media state; annotations, gold and adjudications per day.",
    out.DashboardProgressSerializer,
    days=OpenApiParameter(
        "days", int, description="How many days of throughput: 1–365 (other values: 30)"
    ),
)
DashboardAgreementApi = _panel(
    "agreement",
    "Headline agreement figures of the stored reports.",
    out.DashboardAgreementSerializer,
)
DashboardAnnotatorsApi = _panel(
    "annotators",
    "Per-annotator throughput, agreement and radar.",
    out.DashboardAnnotatorsSerializer,
)
DashboardRoutingApi = _panel(
    "routing",
    "Agreement tiers, gold provenance, adjudication backlog.",
    out.DashboardRoutingSerializer,
)
DashboardImportsApi = _panel(
    "imports", "The latest import jobs with their progress.", out.DashboardImportsSerializer
)
