"""The trace recording protocol's data side, pure (numpy + orjson; Django only translates
the error messages).

A chunk is ``{"seq": int, "t0": seconds, "samples": [[v, a], ...]}``: samples on the project's
grid, sample i at media time ``t0 + i / rate``. Chunks are validated as whole arrays, never
per sample in Python, and stored as packed little-endian float32. Assembling puts every
chunk on one grid; where chunks overlap (the annotator went back and recorded a stretch
again) the later sequence number wins.
"""

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from django.utils.translation import gettext as _

from annotation.errors import Invalid

MAX_CHUNK_SECONDS = 10.0  # the browser sends about one second; a backlog is sent chunk by chunk
# A sample may start this far past the clip's end (players report durations a frame short).
END_TOLERANCE_S = 0.25
DTYPE = np.dtype("<f4")

# How many chunks a trace of a clip may need. The browser numbers chunks 0, 1, 2... in
# recording order and closes one when it holds ``chunk_seconds`` of samples, at a seek, a
# pause, the end, when recording is switched off and when the tab is hidden; a stretch
# recorded again takes new numbers (the later chunk wins). So a pass over the whole clip needs
# about grid / samples-per-chunk numbers, and every break one more (a short chunk). The bound
# allows RECORDING_PASSES whole passes plus EXTRA_CHUNKS breaks: far beyond any real recording,
# and far below what would make the sequence a cost of its own (it never is: finalise works
# from the stored numbers).
RECORDING_PASSES = 20
EXTRA_CHUNKS = 2_000
# A clip whose duration is not known yet (its media is not ready) is bounded as if this long.
UNKNOWN_DURATION_S = 24 * 3600.0
SEQ_CEILING = 2**31 - 1  # TraceChunk.seq: a 32-bit integer column in PostgreSQL
MISSING_LISTED = 100  # missing sequence numbers listed one by one in the report (all as ranges)
NUMBER_TYPES = frozenset({float, int, type(None)})  # None: JSON null, caught as non-finite


def max_seq(*, rate_hz: float, chunk_seconds: float, duration_s: float | None) -> int:
    """The highest sequence number a trace of this clip can need (see RECORDING_PASSES)."""
    duration = UNKNOWN_DURATION_S if duration_s is None else duration_s
    grid = math.floor((min(duration, 1e9) + END_TOLERANCE_S) * rate_hz) + 1
    per_chunk = max(1, round(rate_hz * chunk_seconds))  # as the browser's ChunkBuilder
    per_pass = math.ceil(grid / per_chunk)
    return min(SEQ_CEILING, RECORDING_PASSES * per_pass + EXTRA_CHUNKS)


@dataclass(frozen=True, slots=True)
class Chunk:
    seq: int
    t0: float
    samples: np.ndarray  # (n, dims) float32

    @property
    def packed(self) -> bytes:
        return self.samples.astype(DTYPE).tobytes()

    @property
    def digest(self) -> str:
        """Identity of the chunk's content: a replay has the same digest."""
        head = f"{self.seq}:{self.t0!r}:{self.samples.shape}".encode()
        return hashlib.sha256(head + self.packed).hexdigest()


def _field(field: str, where: str) -> str:
    return f"{where}.{field}" if where else field


def _not_a_number(samples: list[Any], where: str) -> Invalid:
    """The first element that is not a JSON number (the error path: slow is fine here)."""
    for i, row in enumerate(samples):
        for j, value in enumerate(row):
            if type(value) not in NUMBER_TYPES:
                shown = orjson.dumps(value).decode()
                return Invalid(
                    _("must be a number, not %(value)s")
                    % {"value": shown if len(shown) <= 40 else shown[:39] + "…"},
                    field=_field(f"samples[{i}][{j}]", where),
                )
    raise AssertionError("every sample is a number")  # pragma: no cover


def parse_chunk(
    raw: Any, *, dimensions: list[dict[str, Any]], rate_hz: float, duration_s: float | None,
    chunk_seconds: float = 1.0, where: str = "",
) -> Chunk:  # fmt: skip
    """Validate one decoded chunk; Invalid names the field (``chunks[2].samples``)."""
    if not isinstance(raw, dict):
        raise Invalid(_("must be an object"), field=where or "chunk")
    seq, t0, samples = raw.get("seq"), raw.get("t0"), raw.get("samples")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise Invalid(_("must be a non-negative integer"), field=_field("seq", where))
    highest = max_seq(rate_hz=rate_hz, chunk_seconds=chunk_seconds, duration_s=duration_s)
    if seq > highest:
        raise Invalid(
            _("must be at most %(max)s (the most chunks a trace of this clip can need)")
            % {"max": highest},
            field=_field("seq", where),
        )
    if isinstance(t0, bool) or not isinstance(t0, int | float) or not math.isfinite(t0) or t0 < 0:
        raise Invalid(_("must be a non-negative number of seconds"), field=_field("t0", where))
    if not isinstance(samples, list) or not samples:
        raise Invalid(_("must be a non-empty list of samples"), field=_field("samples", where))
    if len(samples) > MAX_CHUNK_SECONDS * rate_hz:
        raise Invalid(
            _("more than %(seconds).0f s of samples in one chunk") % {"seconds": MAX_CHUNK_SECONDS},
            field=_field("samples", where),
        )
    # Whole-array checks, no Python loop per sample (map, set and chain run in C): every row a
    # list of len(dimensions), every element a JSON number (the set of the element types: numpy
    # would read JSON true as 1.0 and "0.5" as 0.5), then one float64 array.
    if set(map(type, samples)) != {list} or set(map(len, samples)) != {len(dimensions)}:
        raise Invalid(
            _("each sample must be a list of %(count)s numbers (%(names)s)")
            % {"count": len(dimensions), "names": ", ".join(d["name"] for d in dimensions)},
            field=_field("samples", where),
        )
    flat = list(itertools.chain.from_iterable(samples))
    if not set(map(type, flat)) <= NUMBER_TYPES:
        raise _not_a_number(samples, where)
    # None (JSON null, what NaN becomes in JSON.stringify) turns into nan and is caught below.
    array = np.array(flat, dtype=np.float64).reshape(len(samples), len(dimensions))
    bad = ~np.isfinite(array)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise Invalid(_("must be a finite number"), field=_field(f"samples[{i}][{j}]", where))
    low = np.array([d["min"] for d in dimensions])
    high = np.array([d["max"] for d in dimensions])
    outside = (array < low) | (array > high)
    if outside.any():
        i, j = np.argwhere(outside)[0]
        raise Invalid(
            _("%(value)g is outside [%(low)g, %(high)g]")
            % {"value": array[i, j], "low": low[j], "high": high[j]},
            field=_field(f"samples[{i}][{j}]", where),
        )
    end = t0 + (len(array) - 1) / rate_hz
    limit = UNKNOWN_DURATION_S if duration_s is None else duration_s
    if end > limit + END_TOLERANCE_S:
        raise Invalid(
            _("samples run to %(end).2f s, past the clip's end (%(duration).2f s)")
            % {"end": end, "duration": limit},
            field=_field("t0", where),
        )
    return Chunk(seq=seq, t0=float(t0), samples=array.astype(DTYPE))


def decode_body(body: bytes) -> list[Any]:
    """One chunk or ``{"chunks": [...]}`` (a backlog flushed after being offline)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid(_("not valid JSON (%(error)s)") % {"error": exc}, field="body") from exc
    if isinstance(data, dict) and "chunks" in data:
        chunks = data["chunks"]
        if not isinstance(chunks, list) or not chunks:
            raise Invalid(_("must be a non-empty list"), field="chunks")
        return chunks
    return [data]


def unpack(packed: bytes, dims: int) -> np.ndarray:
    return np.frombuffer(packed, dtype=DTYPE).reshape(-1, dims)


def contiguous_ack(acked: int, seqs: list[int]) -> int:
    """The highest sequence number with every earlier one received."""
    for seq in sorted(s for s in seqs if s > acked):
        if seq != acked + 1:
            break
        acked = seq
    return acked


def missing_seq_ranges(seqs: Sequence[int]) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` runs of sequence numbers below the highest stored one that
    are not stored: from the sorted stored numbers (numpy diff), so the work and the answer grow
    with the chunks stored, never with the highest number."""
    if not len(seqs):
        return []
    stored = np.unique(np.asarray(seqs, dtype=np.int64))
    bounds = np.concatenate([[-1], stored])
    after = np.flatnonzero(np.diff(bounds) > 1)
    return [(int(bounds[k]) + 1, int(bounds[k + 1]) - 1) for k in after]


def listed_seqs(ranges: list[tuple[int, int]], limit: int) -> list[int]:
    """The first ``limit`` sequence numbers the ranges hold."""
    out: list[int] = []
    for first, last in ranges:
        out.extend(range(first, min(last, first + limit - len(out) - 1) + 1))
        if len(out) >= limit:
            break
    return out


def describe_ranges(ranges: list[tuple[int, int]], limit: int = 20) -> str:
    """``2–4, 7`` (at most ``limit`` runs, then an ellipsis)."""
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in ranges[:limit]]
    return ", ".join(parts) + (", …" if len(ranges) > limit else "")


@dataclass(frozen=True, slots=True)
class Assembled:
    samples: np.ndarray  # (n_grid, dims) float32, NaN where nothing was recorded
    report: dict[str, Any]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where mask is True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def assemble(
    chunks: list[tuple[int, float, np.ndarray]], *, rate_hz: float, duration_s: float | None
) -> Assembled:
    """One trace on the grid 0, 1/rate, ... from (seq, t0, samples) chunks; later seq wins."""
    if not chunks:
        raise ValueError("no chunks to assemble")
    dims = chunks[0][2].shape[1]
    last = max((round(t0 * rate_hz) + len(s) for _seq, t0, s in chunks), default=0)
    n = max(last, math.ceil((duration_s or 0) * rate_hz))
    grid = np.full((n, dims), np.nan, dtype=DTYPE)
    for _seq, t0, samples in sorted(chunks, key=lambda chunk: chunk[0]):
        start = round(t0 * rate_hz)
        grid[start : start + len(samples)] = samples
    recorded = np.asarray(~np.isnan(grid).any(axis=1), dtype=bool)
    missing = missing_seq_ranges([seq for seq, _t0, _samples in chunks])
    gaps = [(a / rate_hz, b / rate_hz) for a, b in _runs(~recorded)]
    report = {
        "rate_hz": rate_hz,
        "n_samples": int(recorded.sum()),
        "grid_length": n,
        "coverage": float(recorded.mean()) if n else 0.0,
        "gaps": [[round(a, 4), round(b, 4)] for a, b in gaps],
        "missing_seqs": listed_seqs(missing, MISSING_LISTED),
        "missing_seq_ranges": [[a, b] for a, b in missing],
        "missing_count": sum(b - a + 1 for a, b in missing),
        "chunks": len(chunks),
    }
    return Assembled(samples=grid, report=report)
