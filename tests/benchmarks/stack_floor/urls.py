"""Two views that read the request body and answer a small JSON, as a chunk's answer is: one
plain Django, one DRF (no authentication, no permission, no database)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

ANSWER = {"acked_seq": 0, "sample_count": 25}


@csrf_exempt
def django_view(request: HttpRequest) -> JsonResponse:
    request.body  # noqa: B018 (read, as a view reading the chunk does)
    return JsonResponse(ANSWER, status=201)


class DrfView(APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request: Request) -> Response:
        request.data  # noqa: B018
        return Response(ANSWER, status=201)


urlpatterns = [path("django/", django_view), path("drf/", DrfView.as_view())]
