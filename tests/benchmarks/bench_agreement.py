"""A full agreement recompute, vectorised, against a straightforward per-clip Python loop
computing the same numbers in the same run; peak memory of each (tracemalloc).

    make bench  (this file alone: add tests/benchmarks/bench_agreement.py to the command)
"""

import math
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
import pytest
from benchutil import load_average

from annotation.agreement.categorical import Ratings
from annotation.agreement.multilabel import SetRatings
from annotation.agreement.report import multi_label_report, single_label_report

N_CLIPS, K_RATERS, N_CLASSES, N_LABELS = 100_000, 3, 8, 29
RNG_SEED = 2026


def measure(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    """Result, seconds, and peak traced memory. The traced run (tracing slows Python) comes
    first and doubles as a warm-up, so the timed run does not pay for memory the process
    touches for the first time, as a long-running worker would not."""
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    return result, elapsed, peak


def timed_once(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def simulated() -> tuple[Ratings, SetRatings]:
    """100k clips, each labelled by 3 of 30 annotators who confuse classes now and then."""
    rng = np.random.default_rng(RNG_SEED)
    truth = rng.integers(0, N_CLASSES, N_CLIPS)
    raters = np.stack([rng.choice(30, K_RATERS, replace=False) for _ in range(N_CLIPS)])
    skill = rng.uniform(0.55, 0.95, 30)
    right = rng.random((N_CLIPS, K_RATERS)) < skill[raters]
    labels = np.where(right, truth[:, None], rng.integers(0, N_CLASSES, (N_CLIPS, K_RATERS)))
    item = np.repeat(np.arange(N_CLIPS), K_RATERS)
    ratings = Ratings(item, raters.ravel(), labels.ravel(), N_CLIPS, 30, N_CLASSES)
    # GoEmotions-like sets: 1-3 labels, a skewed label frequency, the clip's emotion likely in.
    popularity = 1 / np.arange(1, N_LABELS + 1) ** 1.2
    sizes = rng.choice([1, 2, 3], size=N_CLIPS * K_RATERS, p=[0.5, 0.35, 0.15])
    picks = rng.choice(N_LABELS, size=(N_CLIPS * K_RATERS, 3), p=popularity / popularity.sum())
    sets = np.zeros((N_CLIPS * K_RATERS, N_LABELS), dtype=bool)
    for extra in range(3):
        rows = np.flatnonzero(sizes > extra)
        sets[rows, picks[rows, extra]] = True
    agrees = rng.random(N_CLIPS * K_RATERS) < 0.6
    sets[np.flatnonzero(agrees), np.repeat(truth * 3, K_RATERS)[agrees] % N_LABELS] = True
    names = tuple(f"label{i}" for i in range(N_LABELS))
    return ratings, SetRatings(sets, item, raters.ravel(), N_CLIPS, names)


# --- the straightforward per-clip loop ----------------------------------------------------------


def loop_single(r: Ratings, iterations: int) -> dict[str, float]:
    by_item: dict[int, list[tuple[int, int]]] = {}
    for i, j, label in zip(r.item.tolist(), r.rater.tolist(), r.label.tolist(), strict=True):
        by_item.setdefault(i, []).append((j, label))
    same = different = 0
    p_i, totals = [], Counter()
    pair_counts: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for ratings in by_item.values():
        labels = [label for _, label in ratings]
        counts = Counter(labels)
        same += max(counts.values()) == len(labels)
        different += max(counts.values()) == 1
        n = len(labels)
        p_i.append((sum(c * c for c in counts.values()) - n) / (n * (n - 1)))
        totals.update(labels)
        for (a, la), (b, lb) in combinations(sorted(ratings), 2):
            pair_counts.setdefault((a, b), []).append((la, lb))
    n_all = sum(totals.values())
    p_e = sum((c / n_all) ** 2 for c in totals.values())
    fleiss = (sum(p_i) / len(p_i) - p_e) / (1 - p_e)
    kappas = []
    for pairs in pair_counts.values():
        agree = sum(a == b for a, b in pairs) / len(pairs)
        ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
        pe = sum(ca[c] * cb[c] for c in ca) / len(pairs) ** 2
        if pe < 1:
            kappas.append(((agree - pe) / (1 - pe), len(pairs)))
    weighted = sum(k * n for k, n in kappas) / sum(n for _, n in kappas)
    # Dawid–Skene EM, item by item
    k = r.n_classes
    post = {}
    for i, ratings in by_item.items():
        counts = Counter(label for _, label in ratings)
        top = max(counts.values())
        winners = sorted(c for c, v in counts.items() if v == top)
        post[i] = [1.0 if c == winners[0] else 0.0 for c in range(k)]
    for _ in range(iterations):  # as many EM rounds as the vectorised fit needed
        prior = [sum(p[c] for p in post.values()) / len(post) + 1e-12 for c in range(k)]
        conf = {j: [[0.01] * k for _ in range(k)] for j in range(r.n_raters)}
        for i, ratings in by_item.items():
            for j, label in ratings:
                for c in range(k):
                    conf[j][c][label] += post[i][c]
        for j in conf:
            for c in range(k):
                s = sum(conf[j][c])
                conf[j][c] = [v / s for v in conf[j][c]]
        change = 0.0
        for i, ratings in by_item.items():
            logp = [
                math.log(prior[c]) + sum(math.log(conf[j][c][label]) for j, label in ratings)
                for c in range(k)
            ]
            m = max(logp)
            e = [math.exp(v - m) for v in logp]
            s = sum(e)
            new = [v / s for v in e]
            change = max(change, max(abs(a - b) for a, b in zip(new, post[i], strict=True)))
            post[i] = new
        if change < 1e-6:
            break
    high = sum(max(p) >= 0.9 for p in post.values())
    return {
        "all_same": same,
        "all_different": different,
        "fleiss": fleiss,
        "cohen": weighted,
        "ds_high_or_more": high,
    }


def loop_multi(sr: SetRatings) -> dict[str, float]:
    by_item: dict[int, list[frozenset[int]]] = {}
    for i, row in zip(sr.item.tolist(), sr.sets, strict=True):
        by_item.setdefault(i, []).append(frozenset(np.flatnonzero(row).tolist()))
    jaccards, exact = [], 0
    for sets in by_item.values():
        exact += len(set(sets)) == 1
        for a, b in combinations(sets, 2):
            union = len(a | b)
            jaccards.append(len(a & b) / union if union else 1.0)
    return {"jaccard_mean": sum(jaccards) / len(jaccards), "exact": exact / len(by_item)}


def test_full_recompute_100k_clips_vs_per_clip_loop():
    ratings, sets = simulated()
    batches = np.zeros(N_CLIPS, dtype=np.int64)
    classes = [f"c{i}" for i in range(N_CLASSES)]

    def ours() -> tuple[dict[str, Any], dict[str, Any]]:
        single, _ = single_label_report(
            ratings, classes=classes, raters=[f"r{i}" for i in range(30)],
            batches=batches, batch_names=["all"],
        )  # fmt: skip
        return single, multi_label_report(
            sets, raters=[f"r{i}" for i in range(30)], batches=batches, batch_names=["all"]
        )

    (single, multi), ours_s, ours_peak = measure(ours)
    iterations = single["dawid_skene"]["n_iter"]
    (loop_s1, loop_m), loop_s = timed_once(
        lambda: (loop_single(ratings, iterations), loop_multi(sets))
    )
    overall = single["overall"]
    assert overall["all_same"] == loop_s1["all_same"]
    assert overall["fleiss_kappa"] == pytest.approx(loop_s1["fleiss"], abs=1e-6)
    assert overall["cohen_kappa_mean"] == pytest.approx(loop_s1["cohen"], abs=1e-6)
    assert multi["overall"]["jaccard_mean"] == pytest.approx(loop_m["jaccard_mean"], abs=1e-6)
    print(
        f"\nfull recompute, {N_CLIPS:,} clips x {K_RATERS} annotators, Basic-7 + GoEmotions "
        f"(ratios, Fleiss, pairwise Cohen, α nominal, Dawid–Skene, per-annotator; Jaccard, "
        f"matches, α MASI): ours {ours_s:.2f} s (peak {ours_peak / 2**20:.0f} MiB), per-clip "
        f"Python loop (ratios, Fleiss, Cohen, {iterations} Dawid–Skene rounds, Jaccard) "
        f"{loop_s:.2f} s: ratio {loop_s / ours_s:.1f}x faster; {load_average()}"
    )


N_TRACE_CLIPS, RATE, SECONDS, LOOP_CLIPS = 1000, 25, 600, 50


def simulated_traces(n_clips: int, seed: int = RNG_SEED) -> np.ndarray:
    """(clips, 3 raters, 10 min at 25 Hz): a smooth signal each rater follows 0-4 s late."""
    rng = np.random.default_rng(seed)
    t = np.arange(SECONDS * RATE) / RATE
    out = np.empty((n_clips, 3, t.size), dtype=np.float32)
    for c in range(n_clips):
        phase = rng.uniform(0, 6)
        for r in range(3):
            lag = rng.uniform(0, 4)
            out[c, r] = 0.7 * np.sin((t - lag) / 7 + phase) + rng.normal(0, 0.05, t.size)
    return out


def loop_traces(stack: np.ndarray) -> list[dict[str, float]]:
    """Per clip, per pair, per lag: the same figures computed one at a time."""

    def ccc(x: np.ndarray, y: np.ndarray) -> float:
        mx, my = x.mean(), y.mean()
        return 2 * ((x - mx) * (y - my)).mean() / (x.var() + y.var() + (mx - my) ** 2)

    out = []
    max_lag = 6 * RATE
    for clip in stack.astype(np.float64):
        pairs, best = [], []
        for a, b in combinations(range(clip.shape[0]), 2):
            pairs.append(ccc(clip[a], clip[b]))
            scores = [
                ccc(clip[a][: clip.shape[1] - lag], clip[b][lag:]) if lag >= 0
                else ccc(clip[a][-lag:], clip[b][: clip.shape[1] + lag])
                for lag in range(-max_lag, max_lag + 1)
            ]  # fmt: skip
            best.append(max(scores))
        out.append({"ccc": float(np.mean(pairs)), "ccc_lag": float(np.mean(best))})
    return out


def test_trace_concordance_1000_traces_vs_per_clip_loop():
    from annotation.agreement.report import trace_clip_metrics

    small = simulated_traces(LOOP_CLIPS)
    mine, ours_small_s = timed_once(
        lambda: trace_clip_metrics(small.astype(np.float64), rate_hz=RATE)
    )
    loop, loop_s = timed_once(lambda: loop_traces(small))
    assert mine["ccc_pairwise"] == pytest.approx([c["ccc"] for c in loop], abs=1e-6)
    assert mine["ccc_lag_compensated"] == pytest.approx([c["ccc_lag"] for c in loop], abs=1e-3)

    full = simulated_traces(N_TRACE_CLIPS, seed=RNG_SEED + 1)

    def ours_full() -> None:
        for start in range(0, N_TRACE_CLIPS, 100):  # as the service does: 100 clips at a time
            trace_clip_metrics(full[start : start + 100].astype(np.float64), rate_hz=RATE)

    _, full_s, full_peak = measure(ours_full)
    print(
        f"\ntraces, {LOOP_CLIPS} clips x 3 raters x 10 min x {RATE} Hz: ours {ours_small_s:.2f} s "
        f"(CCC, lag-compensated CCC ±6 s, ICC x6, Cronbach, binned α), per-clip loop (CCC and "
        f"the lag search only) {loop_s:.2f} s: ratio {loop_s / ours_small_s:.1f}x faster; "
        f"{N_TRACE_CLIPS} clips (one dimension): ours {full_s:.1f} s, peak "
        f"{full_peak / 2**20:.0f} MiB beyond the {full.nbytes / 2**20:.0f} MiB of traces; "
        f"{load_average()}"
    )
