"""Pure release writers (no Django): ``ReleaseData`` in, release files out.

``build_release`` writes a release directory, ``make_archive`` packs it deterministically,
``read_previous`` reads what the next build needs from an earlier release, ``score`` rates
model predictions against a release split.
"""

import importlib
from typing import Any

# Loaded on first use (PEP 562): the web processes import the small modules (data, messages,
# evaluation) and must not pay for pyarrow and matplotlib, which only the release build needs.
_HOME = {
    "make_archive": "archive",
    "write_sha256sums": "archive",
    "build_release": "build",
    "read_previous": "changelog",
    "ClipAgreementRow": "data",
    "ClipRow": "data",
    "GoldRow": "data",
    "LabelRow": "data",
    "PreviousRelease": "data",
    "ReleaseData": "data",
    "ReleaseOptions": "data",
    "TraceRow": "data",
    "score": "evaluation",
    "safe_name": "naming",
    "safe_names": "naming",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)


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
