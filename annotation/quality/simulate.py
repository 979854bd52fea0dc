"""Simulated annotators with known accuracies working through a project with control items.

What it shows: the live accuracy intervals (``live.AnnotatorQuality``) contain the true
accuracy at their stated rate, and the pause rule stops a spammer within a few controls.
Seeded and deterministic; the same seed gives the same run.

Model: clips have a true class drawn uniformly from ``n_classes``. An annotator with accuracy
``a`` answers the true class with probability ``a`` and otherwise a uniformly drawn wrong
class; a spammer (``accuracy=None``) answers uniformly at random, so its true accuracy is
``1 / n_classes``. Each turn a random working annotator takes the next item: a control with
probability ``control_rate``, else the least-labelled clip they have not labelled yet. A
clip's labels, once it has ``k``, are each compared with the majority of the other labels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from annotation.agreement import dawid_skene
from annotation.agreement.categorical import Ratings
from annotation.quality.live import AnnotatorQuality, PauseRule


@dataclass(frozen=True, slots=True)
class SimulatedAnnotator:
    name: str
    accuracy: float | None  # None: a spammer answering uniformly at random
    mean_seconds: float = 8.0  # answer times are exponential with this mean

    def true_accuracy(self, n_classes: int) -> float:
        return 1 / n_classes if self.accuracy is None else self.accuracy


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    n_classes: int = 7
    n_clips: int = 1000
    k: int = 3
    control_rate: float = 0.05  # one item in twenty is a control
    rule: PauseRule = field(default_factory=PauseRule)
    refit_every: int = 1000  # labels between Dawid–Skene fits


@dataclass(frozen=True, slots=True)
class AnnotatorRun:
    annotator: SimulatedAnnotator
    quality: AnnotatorQuality  # at the end of the run (or when paused)
    paused_at: int | None  # controls answered when the rule paused them
    checks: int  # live interval checks: one after every control answered
    covered: int  # checks whose interval contained the true accuracy


def _answer(rng: np.random.Generator, who: SimulatedAnnotator, truth: int, k: int) -> int:
    if who.accuracy is None:
        return int(rng.integers(k))
    if rng.random() < who.accuracy:
        return truth
    return int((truth + rng.integers(1, k)) % k)  # a uniformly drawn wrong class


def _others_majority(labels: list[int], own: int) -> int | None:
    others = labels[:own] + labels[own + 1 :]
    ranked = Counter(others).most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None  # no aggregate to compare with
    return ranked[0][0]


def _with_models(
    quality: list[AnnotatorQuality], given: list[tuple[int, int, int]], n_clips: int
) -> list[AnnotatorQuality]:
    item, rater, label = np.array(given, dtype=np.int64).T
    k = quality[0].n_classes
    model = dawid_skene.fit(Ratings(item, rater, label, n_clips, len(quality), k))
    return [q.with_model(model, j) for j, q in enumerate(quality)]


def simulate(
    annotators: list[SimulatedAnnotator], config: SimulationConfig, seed: int
) -> list[AnnotatorRun]:
    """One seeded run until every clip has ``k`` labels or nobody can work any more."""
    rng = np.random.default_rng(seed)
    k_classes = config.n_classes
    truth = rng.integers(k_classes, size=config.n_clips)
    labels: list[list[int]] = [[] for _ in range(config.n_clips)]
    raters: list[list[int]] = [[] for _ in range(config.n_clips)]
    n_labels = np.zeros(config.n_clips, dtype=np.int64)
    rated = np.zeros((config.n_clips, len(annotators)), dtype=bool)
    quality = [AnnotatorQuality.empty(k_classes) for _ in annotators]
    paused: list[int | None] = [None] * len(annotators)
    checks = [0] * len(annotators)
    covered = [0] * len(annotators)
    done = [False] * len(annotators)  # paused, or nothing left they may label
    given: list[tuple[int, int, int]] = []  # (clip, annotator, label)
    while not all(done):
        j = int(rng.choice([i for i, d in enumerate(done) if not d]))
        who = annotators[j]
        seconds = float(rng.exponential(who.mean_seconds))
        if rng.random() < config.control_rate:
            answer_to = int(rng.integers(k_classes))
            label = _answer(rng, who, answer_to, k_classes)
            quality[j] = quality[j].with_answer(label, seconds, control_answer=answer_to)
            checks[j] += 1
            covered[j] += who.true_accuracy(k_classes) in quality[j].accuracy_interval(
                config.rule.level
            )
            if config.rule.check(quality[j]) is not None:
                paused[j], done[j] = quality[j].controls, True
            continue
        mine = (n_labels < config.k) & ~rated[:, j]
        if not mine.any():
            done[j] = True
            continue
        clip = int(np.argmin(np.where(mine, n_labels, config.k)))
        n_labels[clip] += 1
        rated[clip, j] = True
        label = _answer(rng, who, int(truth[clip]), k_classes)
        quality[j] = quality[j].with_answer(label, seconds)
        labels[clip].append(label)
        raters[clip].append(j)
        given.append((clip, j, label))
        if len(given) % config.refit_every == 0:
            quality = _with_models(quality, given, config.n_clips)
        if len(labels[clip]) == config.k:
            for position, rater in enumerate(raters[clip]):
                reference = _others_majority(labels[clip], position)
                if reference is not None:
                    quality[rater] = quality[rater].with_comparison(
                        labels[clip][position] == reference
                    )
    if given:
        quality = _with_models(quality, given, config.n_clips)
    return [
        AnnotatorRun(who, quality[j], paused[j], checks[j], covered[j])
        for j, who in enumerate(annotators)
    ]
