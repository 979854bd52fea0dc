"""A project's people, as its admins see them: roles, last activity and throughput."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Max, Q
from django.utils import timezone

from annotation.models import Adjudication, Annotation, Assignment, Membership, Project, Role

ROLE_ORDER = {role: i for i, role in enumerate(Role.values)}


@dataclass(slots=True)
class MemberRow:
    user: User
    roles: list[str] = field(default_factory=list)  # active ones, in Role order
    last_activity: datetime | None = None
    labels: int = 0  # first-layer labels submitted (first revisions: corrections not counted)
    labels_7_days: int = 0
    decisions: int = 0  # adjudications

    @property
    def active(self) -> bool:
        return bool(self.roles)


def project_members(project: Project) -> list[MemberRow]:
    """Everyone who holds or held a role in the project, by username (a few queries in all).
    Last activity: the latest claim, submission or decision here, else their last sign-in."""
    rows: dict[int, MemberRow] = {}
    users = get_user_model().objects.filter(memberships__project=project).distinct()
    for user in users.order_by("username"):
        rows[user.pk] = MemberRow(user=user, last_activity=user.last_login)
    for user_id, role in Membership.objects.filter(project=project, is_active=True).values_list(
        "user_id", "role"
    ):
        rows[user_id].roles.append(role)
    week_ago = timezone.now() - timedelta(days=7)
    labels = (
        Annotation.objects.filter(
            clip__project=project,
            annotator__in=rows,
            status=Annotation.Status.SUBMITTED,
            revision=1,
        )
        .values("annotator_id")
        .annotate(
            n=Count("pk"),
            recent=Count("pk", filter=Q(submitted_at__gte=week_ago)),
            last=Max("submitted_at"),
        )
        .order_by()
    )
    for row in labels:
        member = rows[row["annotator_id"]]
        member.labels, member.labels_7_days = row["n"], row["recent"]
        _touch(member, row["last"])
    decisions = (
        Adjudication.objects.filter(clip__project=project, adjudicator__in=rows)
        .values("adjudicator_id")
        .annotate(n=Count("pk"), last=Max("created_at"))
        .order_by()
    )
    for decided in decisions:
        rows[decided["adjudicator_id"]].decisions = decided["n"]
        _touch(rows[decided["adjudicator_id"]], decided["last"])
    claims = (
        Assignment.objects.filter(clip__project=project, user__in=rows)
        .values("user_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    for claim in claims:
        _touch(rows[claim["user_id"]], claim["last"])
    for member in rows.values():
        member.roles.sort(key=ROLE_ORDER.__getitem__)
    return list(rows.values())


def _touch(member: MemberRow, when: datetime | None) -> None:
    if when is not None and (member.last_activity is None or when > member.last_activity):
        member.last_activity = when
