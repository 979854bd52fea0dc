"""Benchmarks: run on demand with `make bench`; each prints ratios against a baseline measured
in the same run, never a wall-clock limit."""

import statistics
import time
from collections.abc import Callable


def timed(
    fn: Callable[[], object], *, repeat: int, setup: Callable[[], object] | None = None
) -> float:
    """Median seconds of ``repeat`` runs of ``fn`` (``setup`` runs untimed before each)."""
    samples = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(title: str, ours: float, baseline: float, baseline_name: str) -> None:
    print(
        f"\n{title}: ours {ours * 1000:.1f} ms, {baseline_name} {baseline * 1000:.1f} ms, "
        f"ratio {ours / baseline:.2f}x"
    )
