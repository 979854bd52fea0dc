"""Reads of recorded traces: one on its grid, a clip's on one matrix, the API's samples."""

from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.shortcuts import get_object_or_404

from annotation.models import Trace, TraceChunk
from annotation.trace_chunks import DTYPE, assemble, unpack
from clips.models import Clip


def trace_grid(trace: Trace) -> np.ndarray:
    """The trace on its grid, ``(n, dims)`` float32, NaN where nothing was recorded: the
    finalised data, or while recording the stored chunks assembled as finalising would (later
    seq wins), so that another browser sees what this one saved. One query either way."""
    dims = len(trace.config["dimensions"])
    if trace.status == Trace.Status.FINALISED:
        data = Trace.objects.values_list("data", flat=True).get(pk=trace.pk)
        return unpack(bytes(data or b""), dims)
    chunks = [
        (seq, t0, unpack(bytes(samples), dims))
        for seq, t0, samples in TraceChunk.objects.filter(trace_id=trace.pk).values_list(
            "seq", "t0", "samples"
        )
    ]
    if not chunks:
        return np.empty((0, dims), dtype=DTYPE)
    return assemble(
        chunks, rate_hz=trace.config["rate_hz"], duration_s=trace.clip.duration_s
    ).samples


def clip_trace_matrix(clip: Clip) -> tuple[list[int], np.ndarray] | None:
    """The clip's current finalised traces on one grid: (annotator ids, raters × samples ×
    dims), NaN where a rater recorded nothing; None with fewer than two traces."""
    rows = list(
        Trace.objects.filter(clip=clip)
        .of_labels()
        .order_by("annotator_id")
        .values_list("annotator_id", "config", "data")
    )
    if len(rows) < 2:
        return None
    dims = len(rows[0][1]["dimensions"])
    arrays = [unpack(bytes(data or b""), dims) for _, _, data in rows]
    length = max(len(a) for a in arrays)
    stacked = np.full((len(arrays), length, dims), np.nan, dtype=np.float64)
    for i, array in enumerate(arrays):
        stacked[i, : len(array)] = array
    return [r[0] for r in rows], stacked


def trace_samples(trace: Trace) -> dict[str, Any]:
    """The trace on its grid for the API: one row per grid step, None where nothing was
    recorded (numpy float32 rows, for orjson to write in their shortest form)."""
    grid = trace_grid(trace)
    recorded = ~np.isnan(grid).any(axis=1)
    return {
        "rate_hz": trace.config["rate_hz"],
        "dimensions": [d["name"] for d in trace.config["dimensions"]],
        "status": trace.status,
        "samples": [row if ok else None for row, ok in zip(grid, recorded.tolist(), strict=True)],
    }


def own_trace(user: User | AnonymousUser, trace_id: int) -> Trace:
    """The user's own trace (404 for anyone else's)."""
    return get_object_or_404(Trace.objects.only("pk"), pk=trace_id, annotator_id=user.pk or 0)
