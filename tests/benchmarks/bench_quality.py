"""The quality engine's must-show figures (issue 19), printed as tables:

* simulated annotators: live-interval coverage and when the pause rule stops each;
* the CH-SIMS v2 batch-1 replay: labels needed by adaptive overlap and the share of clips whose
  gold equals fixed k=3's, for several thresholds and seeds (the baseline, fixed k=3, is
  replayed in the same run);
* anchoring: a known draft bias and what the estimator recovers.

    PYTHONPATH=$PWD .venv/bin/python -m pytest tests/benchmarks/bench_quality.py \\
        -o python_files='bench_*.py' -s
"""

import time

import numpy as np

from annotation.quality.anchoring import AnchoringScenario, anchoring, simulate_anchoring
from annotation.quality.live import PauseRule
from annotation.quality.overlap import AdaptiveOverlap, FixedOverlap
from annotation.quality.replay import compare_gold, replay, replay_gold
from annotation.quality.simulate import SimulatedAnnotator, SimulationConfig, simulate
from tests.quality.chsims import CLASSES, FIXED_K_LABELS, route, sheets

SEEDS = range(3)
POLICIES = (
    [AdaptiveOverlap(t, k_max=3) for t in (0.8, 0.9, 0.95, 0.99)]
    + [AdaptiveOverlap(t, k_max=3, k_min=2) for t in (0.9, 0.95)]
    + [AdaptiveOverlap(t, k_max=3, order="fewest") for t in (0.9, 0.95)]
)


def test_simulated_annotators() -> None:
    team = [SimulatedAnnotator("0.95", 0.95), SimulatedAnnotator("0.8", 0.8),
            SimulatedAnnotator("0.5", 0.5), SimulatedAnnotator("spammer", None)]  # fmt: skip
    config = SimulationConfig(rule=PauseRule(floor=0.7, min_controls=10))
    runs = [simulate(team, config, seed) for seed in range(200)]
    print(f"\n200 runs, {config.n_clips} clips, k={config.k}, {config.n_classes} classes, "
          f"controls {config.control_rate:.0%}, floor {config.rule.floor}, "
          f"min {config.rule.min_controls} controls, Wilson {config.rule.level:.0%}")  # fmt: skip
    print("| annotator | true acc. | interval checks | coverage | runs paused | controls at "
          "pause (median, max) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    for j, who in enumerate(team):
        checks = sum(r[j].checks for r in runs)
        covered = sum(r[j].covered for r in runs)
        at = [r[j].paused_at for r in runs if r[j].paused_at is not None]
        when = f"{int(np.median(at))}, {max(at)}" if at else "–"
        print(f"| {who.name} | {who.true_accuracy(config.n_classes):.3f} | {checks} | "
              f"{covered / checks:.3f} | {len(at)}/200 | {when} |")  # fmt: skip


def test_chsims_replay() -> None:
    labels = sheets()
    start = time.perf_counter()
    fixed = replay(labels, len(CLASSES), FixedOverlap(3), seed=0)
    fixed_seconds = time.perf_counter() - start
    assert fixed.n_labels == FIXED_K_LABELS
    reference = replay_gold(fixed, FixedOverlap(3), route)
    print(f"\nfixed k=3: {fixed.n_labels} labels, {(reference >= 0).sum()} clips with layer-1 "
          f"gold (unanimous), replay {fixed_seconds:.2f} s")  # fmt: skip
    print("| threshold | k_min | order | seed | labels | of fixed k=3 | same gold as fixed k=3 | "
          "same where fixed k=3 has gold | clips with gold | clips with 1 / 2 / 3 labels | "
          "replay s (ratio to fixed) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for policy in POLICIES:
        for seed in SEEDS:
            start = time.perf_counter()
            result = replay(labels, len(CLASSES), policy, seed=seed)
            seconds = time.perf_counter() - start
            c = compare_gold(result, replay_gold(result, policy, route), reference)
            spread = np.bincount((result.given >= 0).sum(axis=1), minlength=4)[1:]
            print(f"| {policy.threshold} | {policy.k_min} | {policy.order} | {seed} | "
                  f"{c.n_labels} | "
                  f"{c.n_labels / FIXED_K_LABELS:.1%} | {c.same_gold:.1%} | "
                  f"{c.same_where_accepted:.1%} | {c.accepted} | "
                  f"{' / '.join(map(str, spread))} | {seconds:.1f} "
                  f"({seconds / fixed_seconds:.0f}×) |")  # fmt: skip


def test_anchoring_recovers_a_known_bias() -> None:
    print("\n200 runs of 4,000 annotations, drafts shown on 50 %, annotators 0.7, model 0.75, "
          "7 classes")  # fmt: skip
    print("| true bias (draft taken) | mean estimate | 95 % interval coverage | mean interval "
          "width | mean agreement shown / hidden |")  # fmt: skip
    print("| --- | --- | --- | --- | --- |")
    for bias in (0.0, 0.1, 0.2, 0.4):
        runs = [anchoring(*simulate_anchoring(AnchoringScenario(adoption=bias), s))
                for s in range(200)]  # fmt: skip
        coverage = np.mean([bias in r.adoption_interval for r in runs])
        width = np.mean([r.adoption_interval.high - r.adoption_interval.low for r in runs])
        shown = np.mean([r.agree_shown for r in runs])
        hidden = np.mean([r.agree_hidden for r in runs])
        print(f"| {bias} | {np.mean([r.adoption for r in runs]):.3f} | {coverage:.3f} | "
              f"{width:.3f} | {shown:.3f} / {hidden:.3f} |")  # fmt: skip
