"""Must show (issue 19): simulated annotators with known accuracies 0.95, 0.8, 0.5 and a
spammer; the live accuracy intervals hold their stated 95 % coverage over many seeded runs,
and the pause rule stops the spammer within the configured number of controls."""

from functools import cache

import numpy as np
import pytest

from annotation.quality.live import PauseRule
from annotation.quality.simulate import (
    AnnotatorRun,
    SimulatedAnnotator,
    SimulationConfig,
    simulate,
)

TEAM = [
    SimulatedAnnotator("careful", 0.95),
    SimulatedAnnotator("good", 0.8),
    SimulatedAnnotator("coin", 0.5),
    SimulatedAnnotator("spammer", None),
]
CONFIG = SimulationConfig(n_classes=7, n_clips=1000, k=3, control_rate=0.05,
                          rule=PauseRule(floor=0.7, min_controls=10, level=0.95))  # fmt: skip
SEEDS = range(200)  # bounded by runs, not by time


@cache
def runs() -> list[list[AnnotatorRun]]:
    return [simulate(TEAM, CONFIG, seed) for seed in SEEDS]


def test_the_same_seed_gives_the_same_run() -> None:
    first, again = simulate(TEAM, CONFIG, 7), simulate(TEAM, CONFIG, 7)
    assert [(r.quality.label_counts, r.paused_at, r.covered) for r in first] == [
        (r.quality.label_counts, r.paused_at, r.covered) for r in again
    ]


@pytest.mark.parametrize("j", range(len(TEAM)), ids=[a.name for a in TEAM])
def test_live_intervals_cover_the_true_accuracy_at_the_stated_rate(j: int) -> None:
    # Checked after every control answered, pooled over all runs. Nominal 95 %; the stopping
    # rule (pausing when the interval falls below the floor) costs the 0.5 annotator a little.
    checks = sum(run[j].checks for run in runs())
    covered = sum(run[j].covered for run in runs())
    assert checks > 1500
    assert covered / checks >= 0.92


def test_the_spammer_is_paused_within_the_configured_controls() -> None:
    spammer = [run[3].paused_at for run in runs()]
    assert all(at is not None for at in spammer)
    # At the 10th control P(paused) = P(at most 4 of 10 right | p = 1/7) = 0.992.
    assert sum(at == CONFIG.rule.min_controls for at in spammer) >= 0.97 * len(spammer)
    assert max(at for at in spammer if at is not None) <= 2 * CONFIG.rule.min_controls


def test_good_annotators_are_rarely_paused_and_the_coin_often() -> None:
    paused = [sum(run[j].paused_at is not None for run in runs()) for j in range(3)]
    assert paused[0] == 0
    assert paused[1] <= 0.05 * len(SEEDS)
    assert paused[2] >= 0.5 * len(SEEDS)  # 0.5 is below the 0.7 floor: pausing is right


def test_the_spammer_shows_on_agreement_with_the_others() -> None:
    final = [run for run in runs() if run[3].quality.compared >= 10]
    assert len(final) > 100
    assert all(run[3].quality.agreement < 0.5 < run[0].quality.agreement for run in final)


@pytest.mark.parametrize("j", range(len(TEAM)), ids=[a.name for a in TEAM])
def test_dawid_skene_estimates_each_annotators_accuracy_without_controls(j: int) -> None:
    # From the real labels alone (no controls), averaged over runs. Once the spammer and the
    # coin are paused, clips get only the two good annotators, and Dawid–Skene cannot tell
    # which of two disagreeing labels is right: the estimates shrink towards each other
    # (measured means 0.905, 0.836, 0.512, 0.141).
    estimates = [run[j].quality.ds_accuracy for run in runs()]
    assert np.mean(estimates) == pytest.approx(TEAM[j].true_accuracy(CONFIG.n_classes), abs=0.06)
