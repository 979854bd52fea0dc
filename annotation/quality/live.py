"""Live annotator quality, updated one answer at a time, and the pause rule.

Accuracy on control items carries a **Wilson score interval** (Wilson 1927). Why Wilson and not
a Beta posterior: it is closed form (the normal quantile comes from the standard library, so
the running web process needs no scipy), it is a function of the two counts alone (an O(1)
update per answer), it needs no prior to defend to an admin, and its coverage stays close to
the nominal level for the small counts a new annotator has, unlike the Wald interval (Brown,
Cai & DasGupta 2001, "Interval Estimation for a Binomial Proportion", Statistical Science
16(2)). ``tests/quality/test_simulation.py`` checks the coverage on simulated annotators.

Snapshots are immutable: every ``with_*`` method returns a new ``AnnotatorQuality``, so a
service can compute the next state, store it and publish it without sharing mutable state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist, median

import numpy as np

from annotation.agreement.categorical import FloatArray
from annotation.agreement.dawid_skene import DawidSkene

RECENT_ANSWERS = 50  # speed is the median over this many latest answers (it follows drift)


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float
    level: float

    def __contains__(self, value: object) -> bool:
        return isinstance(value, float | int) and self.low <= value <= self.high


def wilson_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Wilson score interval for a binomial proportion; ``[0, 1]`` without trials."""
    if not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n == 0:
        return Interval(0.0, 1.0, level)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    scale = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z / scale * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(max(0.0, centre - half), min(1.0, centre + half), level)


def _ratio(num: int, den: int) -> float:
    return num / den if den else math.nan


@dataclass(frozen=True, slots=True, eq=False)
class AnnotatorQuality:
    """One annotator's quality so far. Counts are exact; the Dawid–Skene part is the latest
    fit's (``with_model``), refitted by the caller every so often, not per answer."""

    n_classes: int
    controls: int = 0
    controls_correct: int = 0
    compared: int = 0  # labels compared with an aggregate of the other annotators
    agreed: int = 0
    label_counts: tuple[int, ...] = ()
    recent_seconds: tuple[float, ...] = ()
    answers: int = 0
    # (K, K) rows = true class, columns = this annotator's label; None before any fit.
    ds_confusion: FloatArray | None = field(default=None)
    ds_accuracy: float = math.nan  # sum_k prior_k * confusion_kk: expected accuracy under DS

    @classmethod
    def empty(cls, n_classes: int) -> AnnotatorQuality:
        if n_classes < 2:
            raise ValueError("need at least two classes")
        return cls(n_classes=n_classes, label_counts=(0,) * n_classes)

    def with_answer(
        self, label: int, seconds: float, *, control_answer: int | None = None
    ) -> AnnotatorQuality:
        """One more answer (a control item when ``control_answer`` is its known label). Every
        answer counts for speed and label entropy: a spammer gives itself away on both."""
        if not 0 <= label < self.n_classes:
            raise ValueError(f"label {label} outside [0, {self.n_classes})")
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"seconds must be finite and >= 0, got {seconds}")
        counts = list(self.label_counts)
        counts[label] += 1
        is_control = control_answer is not None
        return replace(
            self,
            answers=self.answers + 1,
            label_counts=tuple(counts),
            recent_seconds=(*self.recent_seconds, seconds)[-RECENT_ANSWERS:],
            controls=self.controls + is_control,
            controls_correct=self.controls_correct + (is_control and label == control_answer),
        )

    def with_comparison(self, agrees: bool) -> AnnotatorQuality:
        """One label compared with the aggregate of the clip's other labels."""
        return replace(self, compared=self.compared + 1, agreed=self.agreed + agrees)

    def with_model(self, model: DawidSkene, rater: int) -> AnnotatorQuality:
        """The annotator's confusion matrix and expected accuracy from a Dawid–Skene fit."""
        confusion = model.confusion[rater]
        accuracy = float(model.priors @ np.diag(confusion))
        return replace(self, ds_confusion=confusion.copy(), ds_accuracy=accuracy)

    @property
    def accuracy(self) -> float:
        """Share of control items answered right; nan before the first control."""
        return _ratio(self.controls_correct, self.controls)

    def accuracy_interval(self, level: float = 0.95) -> Interval:
        return wilson_interval(self.controls_correct, self.controls, level)

    @property
    def agreement(self) -> float:
        """Share of compared labels equal to the others' aggregate; nan before any."""
        return _ratio(self.agreed, self.compared)

    @property
    def entropy_bits(self) -> float:
        """Shannon entropy of the labels given; nan before any. Near 0: one label for
        everything; near log2(K): labels at random."""
        if not self.answers:
            return math.nan
        shares = [c / self.answers for c in self.label_counts if c]
        return 0.0 - sum(p * math.log2(p) for p in shares)

    @property
    def entropy_normalised(self) -> float:
        return self.entropy_bits / math.log2(self.n_classes)

    @property
    def median_seconds(self) -> float:
        """Median seconds per answer over the latest ``RECENT_ANSWERS``; nan before any."""
        return median(self.recent_seconds) if self.recent_seconds else math.nan


@dataclass(frozen=True, slots=True)
class Pause:
    """Why an annotator is paused: the numbers the message shows. ``text`` is English for
    logs and tests; pages word the same fields through gettext in the reader's language."""

    correct: int
    controls: int
    interval: Interval
    floor: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.controls

    def text(self) -> str:
        return (
            f"accuracy on control items {self.accuracy:.0%} ({self.correct} of "
            f"{self.controls}; {self.interval.level:.0%} interval {self.interval.low:.0%}–"
            f"{self.interval.high:.0%}) is below the floor of {self.floor:.0%}"
        )


@dataclass(frozen=True, slots=True)
class PauseRule:
    """Pause once at least ``min_controls`` controls are answered and the whole accuracy
    interval lies below ``floor``: the controls show the annotator is below the floor, not
    merely unlucky. At ten controls and a 0.7 floor that means at most 4 right: an honest 0.8
    annotator gets there with probability 0.006, a seven-class spammer with 0.992. (A point
    estimate under the floor, 6 right or fewer, would pause the 0.8 annotator with probability
    0.12 at that check alone, and checks repeat after every control.)"""

    floor: float = 0.7
    min_controls: int = 10
    level: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.floor <= 1:
            raise ValueError(f"floor must be in (0, 1], got {self.floor}")
        if self.min_controls < 1:
            raise ValueError("min_controls must be >= 1")

    def check(self, quality: AnnotatorQuality) -> Pause | None:
        if quality.controls < self.min_controls:
            return None
        interval = quality.accuracy_interval(self.level)
        if interval.high >= self.floor:
            return None
        return Pause(quality.controls_correct, quality.controls, interval, self.floor)


def below_floor_from(
    correct: Sequence[bool], floor: float, min_controls: int, level: float = 0.95
) -> int | None:
    """Where an annotator's answers (in time order) start to lie below the floor: the first
    index of the longest run of their latest answers, at least ``min_controls`` long, whose
    accuracy interval lies wholly below ``floor``; None if no such run. Labels given after
    the answer before it are the ones their controls no longer vouch for."""
    right = np.cumsum(np.asarray(correct, dtype=np.int64)[::-1])[::-1]  # right from i on
    n = len(correct)
    for i in range(n - min_controls + 1):
        if wilson_interval(int(right[i]), n - i, level).high < floor:
            return i
    return None
