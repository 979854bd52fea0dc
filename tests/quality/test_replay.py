"""Must show (issue 19): the real CH-SIMS v2 batch-1 sheets (../shared/emos, read by the
platform's importer) replayed as if the labels arrived live, under fixed k=3 and adaptive
overlap; the figures themselves are printed by tests/benchmarks/bench_overlap.py."""

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from annotation.importers.labels import BASIC7_LAYER, Vocabulary, read_emos_xlsx
from annotation.quality.overlap import AdaptiveOverlap, FixedOverlap
from annotation.quality.replay import ReplayResult, compare_gold, replay, replay_gold
from annotation.routing import decide_static
from annotation.schema import BASIC7, default_label_schema, default_routing_rule

BATCH1 = Path(__file__).resolve().parents[3] / "shared" / "emos" / "ch-simsv2" / "first-2500"
SCHEMA = default_label_schema()
CLASSES = [value for value, _ in BASIC7]


@cache
def sheets() -> np.ndarray:
    """Clips x (a1, a2, a3) Basic-7 codes, as the importer reads the sheets."""
    vocab = Vocabulary.from_schema(SCHEMA)
    by_annotator = {
        name: {r.clip.external_id: r.payload[BASIC7_LAYER]
               for r in read_emos_xlsx(BATCH1 / f"{name}.xlsx", vocab).records}
        for name in ("a1", "a2", "a3")
    }  # fmt: skip
    clips = sorted(set().union(*by_annotator.values()))
    return np.array(
        [[CLASSES.index(labels[c]) if c in labels else -1 for labels in by_annotator.values()]
         for c in clips]
    )  # fmt: skip


def route(labels: list[int]) -> int | None:
    """The project's default routing rule on a clip's labels: its gold code, or None."""
    payloads = [{BASIC7_LAYER: CLASSES[code]} for code in labels]
    decision = decide_static(SCHEMA, default_routing_rule(), payloads)
    return CLASSES.index(decision.aggregate[BASIC7_LAYER]) if decision.accepted else None


@cache
def run(threshold: float | None, seed: int) -> ReplayResult:
    policy = FixedOverlap(3) if threshold is None else AdaptiveOverlap(threshold, k_max=3)
    return replay(sheets(), len(CLASSES), policy, seed=seed)


def assert_served_as_in_the_sheets(result: ReplayResult) -> None:
    served = result.given >= 0
    assert (result.given[served] == sheets()[served]).all()
    assert len(result.served) == served.sum()
    assert len({(c, j) for c, j in result.served.tolist()}) == len(result.served)


def test_fixed_k_reproduces_every_label_of_the_sheets() -> None:
    result = run(None, 0)
    assert sheets().shape == (2499, 3)
    assert result.n_labels == 7497
    assert ((result.given >= 0).sum(axis=1) == 3).all()
    assert_served_as_in_the_sheets(result)
    gold = replay_gold(result, FixedOverlap(3), route)
    unanimous = (sheets() == sheets()[:, :1]).all(axis=1)
    assert (gold >= 0).tolist() == unanimous.tolist()  # the default rule: unanimous or dispute
    assert compare_gold(result, gold, gold).same_gold == 1.0


@pytest.mark.parametrize("threshold", [0.9, 0.99])
def test_adaptive_overlap_stays_within_k_max_and_the_sheets(threshold: float) -> None:
    result = run(threshold, 0)
    counts = (result.given >= 0).sum(axis=1)
    assert counts.min() >= 1 and counts.max() <= 3
    assert result.n_labels < 7497
    assert_served_as_in_the_sheets(result)
    # Closed early only on confidence, by the model fitted on every label given.
    assert (result.confidence[counts < 3] >= threshold).all()


def test_adaptive_gold_is_compared_with_the_fixed_k_gold() -> None:
    policy = AdaptiveOverlap(0.9, k_max=3)
    reference = replay_gold(run(None, 0), FixedOverlap(3), route)
    result = run(0.9, 0)
    gold = replay_gold(result, policy, route)
    full = (result.given >= 0).sum(axis=1) == 3
    # Clips that got all three labels are routed exactly as under fixed k.
    assert (gold[full] == reference[full]).all()
    comparison = compare_gold(result, gold, reference)
    assert comparison.same_gold == pytest.approx((gold == reference).mean())
    assert comparison.reference_accepted == 1097
    assert 0 < comparison.same_gold < 1


def test_a_seed_gives_the_same_replay_and_another_seed_another_order() -> None:
    again = replay(sheets(), len(CLASSES), AdaptiveOverlap(0.9, k_max=3), seed=0)
    assert (again.given == run(0.9, 0).given).all()
    assert (again.served == run(0.9, 0).served).all()
    other = replay(sheets(), len(CLASSES), FixedOverlap(3), seed=1)
    assert not (other.served == run(None, 0).served).all()
