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

from annotation.agreement.categorical import Ratings
from annotation.agreement.multilabel import SetRatings
from annotation.agreement.report import multi_label_report, single_label_report

N_CLIPS, K_RATERS, N_CLASSES, N_LABELS = 100_000, 3, 8, 29
RNG_SEED = 2026


def measure(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, elapsed, peak


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
    sets = rng.random((N_CLIPS * K_RATERS, N_LABELS)) < 0.06
    sets[np.arange(sets.shape[0]), np.repeat(truth, K_RATERS) % N_LABELS] = True
    names = tuple(f"label{i}" for i in range(N_LABELS))
    return ratings, SetRatings(sets, item, raters.ravel(), N_CLIPS, names)


# --- the straightforward per-clip loop ----------------------------------------------------------


def loop_single(r: Ratings) -> dict[str, float]:
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
    for _ in range(100):
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
        return single, multi_label_report(sets, batches=batches, batch_names=["all"])

    (single, multi), ours_s, ours_peak = measure(ours)
    (loop_s1, loop_m), loop_s, loop_peak = measure(lambda: (loop_single(ratings), loop_multi(sets)))
    overall = single["overall"]
    assert overall["all_same"] == loop_s1["all_same"]
    assert overall["fleiss_kappa"] == pytest.approx(loop_s1["fleiss"], abs=1e-6)
    assert overall["cohen_kappa_mean"] == pytest.approx(loop_s1["cohen"], abs=1e-6)
    assert multi["overall"]["jaccard_mean"] == pytest.approx(loop_m["jaccard_mean"], abs=1e-6)
    print(
        f"\nfull recompute, {N_CLIPS:,} clips x {K_RATERS} annotators, Basic-7 + GoEmotions "
        f"(ratios, Fleiss, pairwise Cohen, α nominal, Dawid–Skene, per-annotator; Jaccard, "
        f"matches, α MASI): ours {ours_s:.2f} s (peak {ours_peak / 2**20:.0f} MiB), per-clip "
        f"Python loop (a subset of those figures) {loop_s:.2f} s (peak {loop_peak / 2**20:.0f} "
        f"MiB): ratio {loop_s / ours_s:.1f}x faster"
    )
