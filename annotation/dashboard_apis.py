"""The admin dashboard's panels: one GET each, so the page fills in as they answer."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation import selectors
from annotation.apis import AuthedRequest
from annotation.models import Role
from annotation.selectors import dashboard

MAX_DAYS = 365


def _panel(name: str, doc: str, **params: OpenApiParameter) -> type[APIView]:
    read = getattr(dashboard, f"dashboard_{name}")

    @extend_schema(
        operation_id=f"dashboard_{name}",
        parameters=list(params.values()),
        responses=inline_serializer(f"Dashboard{name.title()}", {"body": serializers.DictField()}),
    )
    def get(self: APIView, request: AuthedRequest, slug: str) -> Response:
        project = selectors.project_for_user(request.user, slug)
        selectors.require_role(request.user, project, Role.ADMIN)
        kwargs: dict[str, Any] = {}
        if "days" in params:
            days = request.query_params.get("days", "30")
            kwargs["days"] = min(MAX_DAYS, max(1, int(days))) if days.isdigit() else 30
        return Response(read(project, **kwargs))

    return type(f"Dashboard{name.title()}Api", (APIView,), {"get": get, "__doc__": doc})


DashboardProgressApi = _panel(
    "progress",
    "Clips per stage and media state; annotations, gold and adjudications per day.",
    days=OpenApiParameter("days", int, description="How many days of throughput (30)"),
)
DashboardAgreementApi = _panel("agreement", "Headline agreement figures of the stored reports.")
DashboardAnnotatorsApi = _panel("annotators", "Per-annotator throughput, agreement and radar.")
DashboardRoutingApi = _panel("routing", "Agreement tiers, gold provenance, adjudication backlog.")
DashboardImportsApi = _panel("imports", "The latest import jobs with their progress.")
