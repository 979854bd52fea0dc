"""Pure release writers (no Django): ``ReleaseData`` in, release files out.

``build_release`` writes a release directory, ``make_archive`` packs it deterministically,
``read_previous`` reads what the next build needs from an earlier release, ``score`` rates
model predictions against a release split.
"""

from exports.pipeline.archive import make_archive, write_sha256sums
from exports.pipeline.build import build_release
from exports.pipeline.changelog import read_previous
from exports.pipeline.data import (
    ClipAgreementRow,
    ClipRow,
    GoldRow,
    LabelRow,
    PreviousRelease,
    ReleaseData,
    ReleaseOptions,
    TraceRow,
)
from exports.pipeline.evaluation import score
from exports.pipeline.naming import safe_name, safe_names

__all__ = [
    "ClipAgreementRow",
    "ClipRow",
    "GoldRow",
    "LabelRow",
    "PreviousRelease",
    "ReleaseData",
    "ReleaseOptions",
    "TraceRow",
    "build_release",
    "make_archive",
    "read_previous",
    "safe_name",
    "safe_names",
    "score",
    "write_sha256sums",
]
