"""Replay labels that already exist as if they arrived live, under an overlap policy.

Input: an items x annotators matrix of label codes (``-1`` = that annotator has no label for
the clip), e.g. the three CH-SIMS v2 batch-1 sheets. Each step a seeded random annotator who
still has work asks for a clip; the policy (``overlap``) picks one among the open clips they
labelled in the source and their label is revealed. Clip order is shuffled by the same seed,
so ties fall in a random but repeatable order. With ``FixedOverlap(k)`` every clip gets k
labels; with ``AdaptiveOverlap`` a Dawid–Skene model, refitted every ``refit_every`` labels,
decides which clips are done and which to serve next.

The replay stops when no annotator has an open clip left under a model fitted on every
label given (a refit can reopen a clip whose confidence fell).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from annotation.agreement import dawid_skene
from annotation.agreement.categorical import FloatArray, IntArray, Ratings
from annotation.quality.overlap import (
    AdaptiveOverlap,
    OverlapPolicy,
    expected_information_gain,
    next_clip,
    team_gain,
)

Route = Callable[[Sequence[int]], int | None]  # a clip's label codes -> gold code, or None


@dataclass(frozen=True, slots=True, eq=False)
class ReplayResult:
    given: IntArray  # (n_clips, n_annotators) codes served, -1 where not served
    served: IntArray  # (n_labels, 2) (clip, annotator) in serving order
    confidence: FloatArray  # (n_clips,) final Dawid–Skene confidence; nan for fixed k
    ds_labels: IntArray  # (n_clips,) final Dawid–Skene label; -1 for fixed k
    n_fits: int

    @property
    def n_labels(self) -> int:
        return int((self.given >= 0).sum())

    def labels_of(self, clip: int) -> list[int]:
        """The clip's labels in annotator order."""
        row = self.given[clip]
        return [int(v) for v in row[row >= 0]]


GainFor = Literal["annotator", "team"]


class _Model:
    """The live Dawid–Skene state: per-clip posterior and, per annotator, the expected
    information gain of each clip (``gain_for="team"``: the same for everyone, the mean over
    the team, as the platform's shared queue orders by it)."""

    def __init__(self, given: IntArray, n_classes: int, gain_for: GainFor) -> None:
        self.n_classes = n_classes
        self.gain_for = gain_for
        self.fit = dawid_skene.fit(_ratings(given, n_classes))
        self.posterior = self.fit.posterior.copy()
        self.gain = self._gain(self.posterior)

    def _gain(self, posterior: FloatArray) -> FloatArray:
        """(n_clips, n_annotators)"""
        if self.gain_for == "team":
            shared = team_gain(posterior, self.fit.confusion)
            return np.repeat(shared[:, None], self.fit.confusion.shape[0], axis=1)
        return np.stack(
            [expected_information_gain(posterior, c) for c in self.fit.confusion], axis=1
        )

    def update(self, given: IntArray, clip: int) -> None:
        raters = np.flatnonzero(given[clip] >= 0)
        self.posterior[clip] = dawid_skene.posterior_for(self.fit, raters, given[clip, raters])
        self.gain[clip] = self._gain(self.posterior[clip : clip + 1])[0]

    @property
    def confidence(self) -> FloatArray:
        best: FloatArray = self.posterior.max(axis=1)
        return best


def _ratings(given: IntArray, n_classes: int) -> Ratings:
    return Ratings.from_matrix(given, n_classes=n_classes)


def replay(
    available: npt.ArrayLike,
    n_classes: int,
    policy: OverlapPolicy,
    *,
    seed: int,
    warmup: int = 300,
    refit_every: int = 250,
    gain_for: GainFor = "annotator",
) -> ReplayResult:
    """Serve the ``available`` labels under ``policy`` (see the module docstring). An adaptive
    policy fits its first model after ``warmup`` labels and refits every ``refit_every``;
    ``gain_for``: whose expected information gain orders the clips (see ``_Model``)."""
    source = np.asarray(available, dtype=np.int64)
    if source.ndim != 2:
        raise ValueError("available must be clips x annotators")
    if warmup < 1 or refit_every < 1:
        raise ValueError("warmup and refit_every must be >= 1")
    rng = np.random.default_rng(seed)
    order = rng.permutation(source.shape[0])  # the replay works on shuffled clips
    labels = source[order]
    given = np.full_like(labels, -1)
    n_labels = np.zeros(labels.shape[0], dtype=np.int64)
    model: _Model | None = None
    since_fit, n_fits, served = 0, 0, []
    nan = np.full(labels.shape[0], np.nan)
    while True:
        confidence = nan if model is None else model.confidence
        eligible = policy.wants_more(n_labels, confidence)[:, None] & (given < 0) & (labels >= 0)
        workers = np.flatnonzero(eligible.any(axis=0))
        if workers.size == 0:
            if policy.uses_model and since_fit:  # last word to a model of every label
                model, since_fit, n_fits = _Model(given, n_classes, gain_for), 0, n_fits + 1
                continue
            break
        j = int(rng.choice(workers))
        gain = None if model is None else model.gain[:, j]
        clip = next_clip(policy, eligible[:, j], n_labels, gain)
        assert clip is not None  # j has eligible clips
        given[clip, j] = labels[clip, j]
        n_labels[clip] += 1
        served.append((clip, j))
        since_fit += 1
        if not policy.uses_model:
            continue
        if since_fit >= (warmup if model is None else refit_every):
            model, since_fit, n_fits = _Model(given, n_classes, gain_for), 0, n_fits + 1
        elif model is not None:
            model.update(given, clip)
    back = np.argsort(order)  # shuffled index -> source index
    final_confidence = nan if model is None else model.confidence
    final_labels = np.full(labels.shape[0], -1) if model is None else model.posterior.argmax(axis=1)
    served_source = np.array([(int(order[c]), j) for c, j in served], dtype=np.int64).reshape(-1, 2)
    return ReplayResult(
        given=given[back],
        served=served_source,
        confidence=final_confidence[back],
        ds_labels=final_labels[back].astype(np.int64),
        n_fits=n_fits,
    )


def replay_gold(result: ReplayResult, policy: OverlapPolicy, route: Route) -> IntArray:
    """Gold per clip (``-1``: disputed, no layer-1 gold). A clip an adaptive policy closed
    before ``k_max`` labels on confidence takes the Dawid–Skene label (provenance "model
    confident"); every other clip goes through the routing rule ``route``."""
    gold = np.full(result.given.shape[0], -1, dtype=np.int64)
    for clip in range(gold.size):
        labels = result.labels_of(clip)
        early = (
            isinstance(policy, AdaptiveOverlap)
            and len(labels) < policy.k_max
            and result.confidence[clip] >= policy.threshold
        )
        decided = int(result.ds_labels[clip]) if early else route(labels)
        gold[clip] = -1 if decided is None else decided
    return gold


@dataclass(frozen=True, slots=True)
class GoldComparison:
    n_clips: int
    n_labels: int
    same_gold: float  # share of clips whose gold (or "disputed") equals the reference's
    same_where_accepted: float  # the same share over clips the reference accepted
    accepted: int  # clips with layer-1 gold here
    reference_accepted: int


def compare_gold(result: ReplayResult, gold: IntArray, reference: IntArray) -> GoldComparison:
    """This replay's gold against a reference gold (fixed k=3), clip by clip."""
    accepted = reference >= 0
    return GoldComparison(
        n_clips=int(gold.size),
        n_labels=result.n_labels,
        same_gold=float((gold == reference).mean()),
        same_where_accepted=float((gold[accepted] == reference[accepted]).mean()),
        accepted=int((gold >= 0).sum()),
        reference_accepted=int(accepted.sum()),
    )
