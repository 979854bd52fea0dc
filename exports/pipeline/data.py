"""The input of a release build: plain frozen dataclasses, no Django.

The Django service reads the database into these; everything after is pure and deterministic
(the only time used is ``ReleaseData.created``, passed in).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from exports.pipeline.messages import PipelineError, gettext_noop

TIERS = ("high", "medium", "low")
PROVENANCES = ("unanimous", "majority", "model_confident", "adjudicated")
SPLITS = ("train", "validation", "test")
MediaMode = Literal["reference", "include", "none"]

# What people write into a release. Text goes into the card escaped (``mdtext``); URLs are
# published as links, so only http(s) ones are accepted.
MAX_DESCRIPTION = 5_000
MAX_CITATION = 2_000
MAX_URL = 2_000
# A license identifier as Hugging Face and SPDX spell them (cc-by-4.0, Apache-2.0, other).
LICENSE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}")


class ReleaseFieldError(PipelineError):
    """A value people wrote for a release that cannot be published; ``field`` names it as the
    API does (``options.homepage``, ``description``)."""

    def __init__(self, field: str, text: str, /, **values: Any) -> None:
        super().__init__(text, **values)
        self.field = field


def is_http_url(value: object) -> bool:
    """An absolute http:// or https:// URL with a host, nothing else (no javascript:, data:,
    scheme-relative //host, spaces or control characters)."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return False
    if any(c.isspace() or not c.isprintable() for c in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def is_license(value: object) -> bool:
    """A license identifier or an http(s) URL."""
    return isinstance(value, str) and bool(LICENSE_ID.fullmatch(value) or is_http_url(value))


def check_text(value: object, field: str, limit: int) -> None:
    if not isinstance(value, str) or len(value) > limit:
        raise ReleaseFieldError(
            field, gettext_noop("must be text of at most %(max)s characters"), max=limit
        )


def check_description(value: object) -> None:
    check_text(value, "description", MAX_DESCRIPTION)


@dataclass(frozen=True)
class ReleaseOptions:
    """What goes in: gold filters, split ratios and seed, media handling.

    ``resplit=False`` keeps every clip of the previous release in its previous split (only new
    clips are assigned); ``True`` assigns every clip afresh from the seed.
    """

    tiers: tuple[str, ...] = TIERS
    provenances: tuple[str, ...] = PROVENANCES
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: int = 0
    media: MediaMode = "reference"
    resplit: bool = False
    license: str = "other"
    citation: str = ""
    homepage: str = ""

    def validate(self) -> None:
        unknown = sorted(set(self.tiers) - set(TIERS))
        if unknown:
            raise PipelineError(
                gettext_noop("unknown tier(s): %(names)s"), names=", ".join(unknown)
            )
        unknown = sorted(set(self.provenances) - set(PROVENANCES))
        if unknown:
            raise PipelineError(
                gettext_noop("unknown provenance(s): %(names)s"), names=", ".join(unknown)
            )
        if len(self.split_ratios) != 3 or any(r < 0 for r in self.split_ratios):
            raise PipelineError(gettext_noop("split_ratios must be three non-negative numbers"))
        if abs(sum(self.split_ratios) - 1.0) > 1e-6:
            raise PipelineError(
                gettext_noop("split_ratios must sum to 1, not %(sum)s"),
                sum=sum(self.split_ratios),
            )
        if self.media not in ("reference", "include", "none"):
            raise PipelineError(
                gettext_noop("media must be reference, include or none, not %(media)s"),
                media=repr(self.media),
            )
        if not is_license(self.license):
            raise ReleaseFieldError(
                "options.license",
                gettext_noop("must be a license identifier such as %(example)s or an http(s) URL"),
                example="cc-by-4.0",
            )
        check_text(self.citation, "options.citation", MAX_CITATION)
        if self.homepage != "" and not is_http_url(self.homepage):
            raise ReleaseFieldError(
                "options.homepage", gettext_noop("must be an http:// or https:// URL")
            )

    def as_json(self) -> dict[str, Any]:
        return {
            "tiers": list(self.tiers),
            "provenances": list(self.provenances),
            "split_ratios": [round(float(r), 6) for r in self.split_ratios],
            "seed": self.seed,
            "media": self.media,
            "resplit": self.resplit,
            "license": self.license,
            "citation": self.citation,
            "homepage": self.homepage,
        }


@dataclass(frozen=True)
class ClipRow:
    clip_id: str  # the external id
    kind: str  # "static" | "stream"
    language: str  # "zh" | "en"
    duration_s: float | None
    transcript: str
    speaker: str
    source_video: str
    batch: str
    segments: list[dict[str, Any]]  # reference utterances: index, start_s, end_s, text, speaker
    media_path: str | None = None  # absolute path of the playable mp4
    meta: dict[str, Any] = field(default_factory=dict)  # what the source said of the clip
    stage: str = ""  # workflow stage: layer1, disputed, adjudication, gold


@dataclass(frozen=True)
class LabelRow:
    clip_id: str
    annotator: str  # pseudonym, e.g. "A07"
    revision: int
    payload: dict[str, Any]
    submitted_at: str


@dataclass(frozen=True)
class GoldRow:
    clip_id: str
    payload: dict[str, Any]
    provenance: str  # unanimous | majority | model_confident | adjudicated
    confidence: float | None
    tier: str  # high | medium | low | "" (a human decision without an automatic tier)
    version: int
    rationale: str
    decided_at: str


@dataclass(frozen=True)
class ClipAgreementRow:
    clip_id: str
    tier: str
    confidence: float | None
    n_distinct: int
    metrics: dict[str, Any]


@dataclass(frozen=True)
class TraceRow:
    clip_id: str
    annotator: str  # pseudonym, or "gold" for the evaluator-weighted estimate
    rate_hz: float
    dimensions: tuple[str, ...]
    samples: npt.NDArray[np.float32]  # (n, len(dimensions)), NaN where nothing was recorded


@dataclass(frozen=True)
class ModelDraftRow:
    """A model's draft for a clip, with its run's provenance: published in its own table,
    never as a label or gold."""

    clip_id: str
    run_id: int
    model_name: str
    model_version: str
    config_id: str
    run_date: str  # ISO date, or "" when not given
    payload: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PreviousRelease:
    """What a build needs of the release before it (see ``changelog.read_previous``)."""

    version: str
    gold_digests: Mapping[str, str] = field(default_factory=dict)  # clip id -> digest
    label_digests: Mapping[str, str] = field(default_factory=dict)
    gold_summaries: Mapping[str, str] = field(default_factory=dict)  # clip id -> "Joy; joy; 3"
    splits: Mapping[str, str] = field(default_factory=dict)  # clip id -> train|validation|test
    changelog: str = ""  # the previous CHANGELOG.md, continued by the new one


@dataclass(frozen=True)
class ReleaseData:
    project_slug: str
    project_name: str
    description: str
    version: str
    created: str  # ISO date: the only time a release uses
    label_schema: dict[str, Any]
    trace_config: dict[str, Any]
    options: ReleaseOptions
    clips: list[ClipRow]
    labels: list[LabelRow]
    gold: list[GoldRow]
    agreement: list[ClipAgreementRow] = field(default_factory=list)
    traces: list[TraceRow] = field(default_factory=list)
    gold_traces: list[TraceRow] = field(default_factory=list)
    project_agreement: dict[str, Any] = field(default_factory=dict)
    previous: PreviousRelease | None = None
    # The routing rule's aggregator: what an automatic gold decision's confidence is.
    aggregator: str = "majority"  # majority | dawid_skene
    model_drafts: list[ModelDraftRow] = field(default_factory=list)
