"""A release of 100,000 clips × 3 labels + gold + 1,000 traces through the pipeline, against
writing the same tables with bare pyarrow in the same run (ratio), with each side's peak
memory (resident set of a forked child, so the two do not mix).

    make bench  (this file alone: add tests/benchmarks/bench_release.py to the command)
"""

import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from benchutil import load_average

from annotation.schema import BASIC7, GOEMOTIONS, default_label_schema, default_trace_config
from exports.pipeline import (
    ClipRow,
    GoldRow,
    LabelRow,
    ReleaseData,
    ReleaseOptions,
    TraceRow,
    build_release,
)

N_CLIPS, N_TRACES, TRACE_SECONDS, RATE = 100_000, 1_000, 120, 25


def release_data() -> ReleaseData:
    rng = np.random.default_rng(5)
    basic = [name for name, _ in BASIC7]
    goes = [name for name, _ in GOEMOTIONS]
    clips, labels, gold, traces = [], [], [], []
    for i in range(N_CLIPS):
        clip_id = f"video_{i // 8:05d}/{i % 8:04d}"
        stream = i < N_TRACES // 3 + 1
        clips.append(
            ClipRow(clip_id, "stream" if stream else "static", "zh" if i % 2 else "en",
                    float(TRACE_SECONDS if stream else 3), f"utterance {i}", f"S{i % 50}",
                    f"video_{i // 8:05d}", "b1", [])
        )  # fmt: skip
        label = basic[int(rng.integers(0, 7))]
        payload: dict[str, Any] = {
            "basic7": label,
            "goemotions": [goes[int(rng.integers(0, 28))]],
            "intensity": 3,
        }
        if stream:
            payload = {"segments": [{"start": 0.0, "end": 10.0, **payload}]}
        for a in range(3):
            labels.append(LabelRow(clip_id, f"A{a + 1:02d}", 1, payload, "2026-11-01T00:00:00"))
        gold.append(GoldRow(clip_id, payload, "unanimous", 1.0, "high", 1, "", "2026-11-02"))
    stream_ids = [c.clip_id for c in clips if c.kind == "stream"]
    samples = rng.uniform(-1, 1, (TRACE_SECONDS * RATE, 2)).astype(np.float32)
    for n in range(N_TRACES):
        traces.append(
            TraceRow(stream_ids[n // 3], f"A{n % 3 + 1:02d}", RATE, ("valence", "arousal"), samples)
        )
    return ReleaseData(
        project_slug="bench", project_name="Bench", description="", version="1.0.0",
        created="2026-11-26", label_schema=default_label_schema(),
        trace_config=default_trace_config(), options=ReleaseOptions(media="none"),
        clips=clips, labels=labels, gold=gold, traces=traces,
    )  # fmt: skip


def bare_pyarrow(data: ReleaseData, out: Path) -> None:
    """The same four tables, written the plainest way pyarrow allows."""
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist([vars(c) | {"segments": "[]", "meta": "{}"} for c in data.clips]),
        out / "clips.parquet",
    )
    pq.write_table(
        pa.Table.from_pylist(
            [
                {"clip_id": r.clip_id, "annotator": r.annotator, "payload": str(r.payload)}
                for r in data.labels
            ]
        ),
        out / "labels.parquet",
    )
    pq.write_table(
        pa.Table.from_pylist(
            [
                {"clip_id": g.clip_id, "payload": str(g.payload), "provenance": g.provenance}
                for g in data.gold
            ]
        ),
        out / "gold.parquet",
    )
    parts = []
    for t in data.traces:
        n = len(t.samples)
        parts.append(pa.table({
            "clip_id": pa.array([t.clip_id] * n), "annotator": pa.array([t.annotator] * n),
            "t": pa.array(np.arange(n) / t.rate_hz), "valence": pa.array(t.samples[:, 0]),
            "arousal": pa.array(t.samples[:, 1]),
        }))  # fmt: skip
    pq.write_table(pa.concat_tables(parts), out / "traces.parquet")


def _child(fn: Callable[[Path], None], queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            start = time.perf_counter()
            fn(Path(tmp) / "out")
            seconds = time.perf_counter() - start
            queue.put((seconds, before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    except BaseException as exc:  # the parent re-raises it instead of waiting forever
        queue.put(exc)
        raise


def in_child(fn: Callable[[Path], None]) -> tuple[float, int]:
    """Seconds and peak resident KiB of fn, run in a forked child holding the data."""
    queue: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()  # type: ignore[type-arg]
    proc = multiprocessing.get_context("fork").Process(target=_child, args=(fn, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if isinstance(result, BaseException):
        raise result
    seconds, before, peak = result
    assert proc.exitcode == 0
    return seconds, peak - before


def test_release_vs_bare_pyarrow():
    data = release_data()
    # Each side twice, alternating; the best time and the larger peak of each. The first
    # runs pay for memory the machine hands out for the first time, whichever side runs first.
    runs: dict[str, list[tuple[float, int]]] = {"ours": [], "bare": []}
    for _ in range(2):
        runs["bare"].append(in_child(lambda out: bare_pyarrow(data, out)))
        runs["ours"].append(in_child(lambda out: build_release(data, out)))
    ours_s, bare_s = (min(s for s, _ in runs[side]) for side in ("ours", "bare"))
    ours_kib, bare_kib = (max(k for _, k in runs[side]) for side in ("ours", "bare"))
    print(
        f"\nrelease of {N_CLIPS:,} clips x 3 labels + gold + {N_TRACES} traces x "
        f"{TRACE_SECONDS} s x {RATE} Hz: ours {ours_s:.1f} s (+{ours_kib / 1024:.0f} MiB peak "
        f"resident; also JSONL, splits, EmoS layout, Croissant, card, plots, SHA256SUMS), bare "
        f"pyarrow tables {bare_s:.1f} s (+{bare_kib / 1024:.0f} MiB): ratio {ours_s / bare_s:.2f}x "
        f"time, {ours_kib / bare_kib:.2f}x memory; {load_average()}"
    )
