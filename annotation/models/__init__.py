"""The core domain. Clips live in ``clips``, releases in ``exports``."""

from .accounts import UserProfile
from .audit import AuditEvent
from .controls import AnnotatorPause, ControlAnswer, ControlItem, Qualification
from .overlap import OverlapFit
from .projects import Membership, Project, Role
from .traces import Trace, TraceChunk
from .workflow import (
    Adjudication,
    AgreementReport,
    Annotation,
    Assignment,
    ClipAgreement,
    GoldLabel,
    Provenance,
    Tier,
)

__all__ = [
    "Adjudication",
    "AgreementReport",
    "Annotation",
    "AnnotatorPause",
    "Assignment",
    "AuditEvent",
    "ClipAgreement",
    "ControlAnswer",
    "ControlItem",
    "GoldLabel",
    "Membership",
    "OverlapFit",
    "Project",
    "Provenance",
    "Qualification",
    "Role",
    "Tier",
    "Trace",
    "TraceChunk",
    "UserProfile",
]
