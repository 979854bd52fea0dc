"""What happened in a project, newest first: audit events, gold versions, agreement reports."""

import re

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from annotation.models import AgreementReport, AuditEvent, GoldLabel, Project
from clips.models import Clip

# A row id as a URL or query gives it: ASCII digits, at most 18 (a bigint): '²' is a digit to
# str.isdigit(), and '9' * 5000 is too long for int() and the column.
ROW_ID = re.compile(r"[0-9]{1,18}")


def audit_events(project: Project) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(project=project).select_related("actor").order_by("-pk")


def gold_history(clip: Clip) -> QuerySet[GoldLabel]:
    """Every gold version of the clip, oldest first (gold is versioned, never overwritten)."""
    return GoldLabel.objects.filter(clip=clip).order_by("version")


def agreement_reports(project: Project) -> QuerySet[AgreementReport]:
    return AgreementReport.objects.filter(project=project).order_by("-created_at", "-pk")


def agreement_report(project: Project, report_id: str) -> AgreementReport:
    """One of the project's reports by id, or ``latest``: the newest finished one (404 when
    there is none, or the id is not one)."""
    reports = AgreementReport.objects.filter(project=project)
    if report_id == "latest":
        report = reports.filter(status=AgreementReport.Status.DONE).order_by("-finished_at").first()
        if report is None:
            raise Http404
        return report
    if not ROW_ID.fullmatch(report_id):
        raise Http404
    return get_object_or_404(reports, pk=int(report_id))
