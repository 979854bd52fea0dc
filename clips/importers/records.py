from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clips.importers.segments import SegmentRecord


@dataclass(slots=True)
class ClipRecord:
    """One clip as an importer read it; ``source`` is None for a record without media yet, a
    local path as read, or a URI once staged into storage (``clips.sources``)."""

    external_id: str
    source: Path | str | None = None
    kind: str = ""  # "" until the importer decides (stream when segments come along)
    language: str = ""
    title: str = ""
    transcript: str = ""
    speaker: str = ""
    source_video: str = ""
    batch: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    segments: list[SegmentRecord] | None = None
