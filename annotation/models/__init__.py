"""The core domain. Clips live in ``clips``, releases in ``exports``."""

from .accounts import UserProfile
from .audit import AuditEvent
from .controls import AnnotatorPause, ControlAnswer, ControlItem, Qualification
from .drafts import DraftShown, DraftsMode, ModelDraft, ModelRun
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
    "DraftShown",
    "DraftsMode",
    "GoldLabel",
    "Membership",
    "ModelDraft",
    "ModelRun",
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
