"""Quality control over the API: qualification rounds (an annotator's own; an admin's view of
everyone's, and a new round); paused annotators and lifting a pause."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.apis import AuthedRequest, _project
from annotation.models import AnnotatorPause, Membership, Qualification, Role
from annotation.selectors.quality import qualification_latest
from annotation.serializers import QualificationSerializer
from annotation.services.pauses import pause_lift
from annotation.services.qualification import qualification_reopen
from annotation.services.withdrawal import labels_withdraw


class MyQualificationApi(APIView):
    """Your latest qualification round in the project (null: none yet)."""

    @extend_schema(
        responses=inline_serializer(
            "MyQualification", {"qualification": QualificationSerializer(allow_null=True)}
        )
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ANNOTATOR)
        latest = qualification_latest(request.user, project)
        return Response({"qualification": QualificationSerializer(latest).data if latest else None})


class QualificationsApi(APIView):
    """Admins: every annotator's rounds, latest first."""

    @extend_schema(responses=QualificationSerializer(many=True))
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        rounds = (
            Qualification.objects.filter(project=project)
            .select_related("user")
            .order_by("user__username", "-round")
        )
        return Response(QualificationSerializer(rounds, many=True).data)


class RequalifyApi(APIView):
    """Admins: open a new qualification round for an annotator of the project."""

    @extend_schema(request=None, responses={201: QualificationSerializer})
    def post(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        project = _project(request, slug, Role.ADMIN)
        if not Membership.objects.filter(
            project=project, user_id=user_id, role=Role.ANNOTATOR
        ).exists():
            raise Http404
        user = get_user_model().objects.get(pk=user_id)
        new = qualification_reopen(project=project, user=user, actor=request.user)
        return Response(QualificationSerializer(new).data, status=status.HTTP_201_CREATED)


class PausedSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    correct = serializers.IntegerField()
    controls = serializers.IntegerField()
    low = serializers.FloatField()
    high = serializers.FloatField()
    floor = serializers.FloatField()
    since = serializers.DateTimeField(source="created_at")
    lifted_at = serializers.DateTimeField(allow_null=True)


class PausesApi(APIView):
    """Admins: the annotators the pause rule has paused in the project (not lifted)."""

    @extend_schema(responses=PausedSerializer(many=True))
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _project(request, slug, Role.ADMIN)
        paused = AnnotatorPause.objects.filter(project=project, lifted_at__isnull=True)
        rows = paused.select_related("user").order_by("created_at")
        return Response(PausedSerializer(rows, many=True).data)


class PauseLiftApi(APIView):
    """Admins: lift an annotator's pause (audited); the rule then counts later answers only."""

    @extend_schema(request=None, responses=PausedSerializer)
    def post(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        project = _project(request, slug, Role.ADMIN)
        user = get_object_or_404(get_user_model(), pk=user_id)
        return Response(
            PausedSerializer(pause_lift(project=project, user=user, actor=request.user)).data
        )


class WithdrawIn(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Labels given after this time; by default those given while the "
        "annotator's control accuracy lay below the floor",
    )


class WithdrawOut(serializers.Serializer):
    since = serializers.DateTimeField(allow_null=True)
    labels = serializers.IntegerField(help_text="Labels withdrawn (kept, marked withdrawn)")
    reopened = serializers.IntegerField(help_text="Routed clips sent back to layer 1")


class LabelsWithdrawApi(APIView):
    """Admins: send an annotator's first-layer labels for re-annotation (audited)."""

    @extend_schema(request=WithdrawIn, responses=WithdrawOut)
    def post(self, request: AuthedRequest, slug: str, user_id: int) -> Response:
        project = _project(request, slug, Role.ADMIN)
        if not Membership.objects.filter(
            project=project, user_id=user_id, role=Role.ANNOTATOR
        ).exists():
            raise Http404
        data = WithdrawIn(data=request.data)
        data.is_valid(raise_exception=True)
        done = labels_withdraw(
            project=project,
            user=get_user_model().objects.get(pk=user_id),
            actor=request.user,
            since=data.validated_data.get("since"),
        )
        return Response(WithdrawOut(done).data)
