"""Adaptive overlap through the platform's services on the real CH-SIMS v2 batch-1 sheets
(issue 19, item 5): the three annotators' labels served in the seeded order of the pure
replay, claimed and submitted as live work, the model refitted as the beat would. Prints the
labels needed and the share of clips whose gold equals fixed k=3's, and checks both against
the pure engine's replay of the same seed (the platform's shared queue orders by the team's
expected information gain: ``gain_for="team"``; the per-annotator order is printed beside it).

    PYTHONPATH=$PWD DATABASE_URL=postgres://... .venv/bin/python -m pytest \\
        tests/benchmarks/bench_overlap_platform.py -o python_files='bench_*.py' -s
"""

import time

import numpy as np
import pytest
from overlap_replay import platform_replay, pure_gold

from annotation.quality.overlap import AdaptiveOverlap, FixedOverlap
from annotation.quality.replay import replay, replay_gold
from tests.quality.chsims import CLASSES, FIXED_K_LABELS, route, sheets

pytestmark = pytest.mark.django_db(transaction=True)
SEED, THRESHOLD = 0, 0.95


def test_chsims_adaptive_overlap_through_the_services() -> None:
    labels = sheets()
    reference = replay_gold(replay(labels, len(CLASSES), FixedOverlap(3), seed=SEED),
                            FixedOverlap(3), route)  # fmt: skip
    overlap = {"strategy": "adaptive", "threshold": THRESHOLD, "k_max": 3, "min_labels": 1}
    start = time.perf_counter()
    given, gold = platform_replay(labels, overlap, seed=SEED)
    seconds = time.perf_counter() - start
    policy = AdaptiveOverlap(THRESHOLD, k_max=3)
    team = replay(labels, len(CLASSES), policy, seed=SEED, gain_for="team")
    each = replay(labels, len(CLASSES), policy, seed=SEED)
    rows = [("platform (services)", given, gold), ("pure, team gain", team.given,
             pure_gold(team, THRESHOLD)), ("pure, per-annotator gain", each.given,
             pure_gold(each, THRESHOLD))]  # fmt: skip
    print(f"\nCH-SIMS v2 batch 1, seed {SEED}, adaptive {THRESHOLD}, k_max 3; fixed k=3: "
          f"{FIXED_K_LABELS} labels, {(reference >= 0).sum()} clips with layer-1 gold")  # fmt: skip
    print("| run | labels | of fixed k=3 | same gold as fixed k=3 | same where fixed k=3 has gold "
          "| clips with gold | clips with 1 / 2 / 3 labels |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    accepted = reference >= 0
    for name, g, decided in rows:
        n = int((g >= 0).sum())
        spread = np.bincount((g >= 0).sum(axis=1), minlength=4)[1:]
        print(f"| {name} | {n} | {n / FIXED_K_LABELS:.1%} | {(decided == reference).mean():.1%} "
              f"| {(decided[accepted] == reference[accepted]).mean():.1%} | "
              f"{(decided >= 0).sum()} | {' / '.join(map(str, spread))} |")  # fmt: skip
    print(f"platform replay: {seconds:.0f} s")
    np.testing.assert_array_equal(given, team.given)
    np.testing.assert_array_equal(gold, pure_gold(team, THRESHOLD))
