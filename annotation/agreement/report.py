"""The project agreement report from encoded arrays: what a benchmark paper's agreement section
reports, per label layer, per batch, per annotator and per annotator pair. Pure: arrays in,
JSON-ready dicts out.

Coverage: every figure of a layer is computed over the same items, those labelled by at least
two annotators (``MIN_RATINGS``; one label says nothing about agreement), and the layer says so
in ``coverage``. Pair figures use the covered items both members of the pair labelled
(``n_items`` per pair). The Dawid–Skene model is fitted on every rating (routing reuses its
parameters for single-rated clips too); its confidence figures are over the covered items.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from annotation.agreement import dawid_skene
from annotation.agreement.categorical import (
    PairwiseKappa,
    Ratings,
    agreement_ratios,
    annotator_stats,
    cohen_kappa_pairwise,
    confidence_tiers,
    confusion_matrix,
    disagreement_details,
    fleiss_kappa,
    krippendorff_alpha,
    majority,
)
from annotation.agreement.jsonsafe import clean, clean_dict
from annotation.agreement.multilabel import (
    SetRatings,
    krippendorff_alpha_masi,
    match_ratios,
    pairwise_jaccard,
    rater_pair_sets,
    rater_sets,
    soft_labels,
    union_size_histogram,
)
from annotation.agreement.traces import (
    icc,
    krippendorff_alpha_binned_batch,
    trace_figures,
)
from annotation.agreement.utterances import (
    mean_abs_difference,
    pairwise_agreement,
    weighted_jaccard,
)

Json = dict[str, Any]
MIN_RATINGS = 2


def coverage(n_items: int) -> Json:
    return {"min_ratings": MIN_RATINGS, "n_items": n_items}


def _summary(values: npt.NDArray[np.float64]) -> Json:
    """Mean, median and sample standard deviation (ddof 1, as pandas) of the finite values."""
    values = values[np.isfinite(values)]
    return {
        "mean": float(values.mean()) if values.size else math.nan,
        "median": float(np.median(values)) if values.size else math.nan,
        "std": float(values.std(ddof=1)) if values.size > 1 else math.nan,
    }


def subset(r: Ratings, keep_items: npt.NDArray[np.bool_]) -> Ratings:
    """The ratings of the kept items, items renumbered (for per-batch figures)."""
    new_index = np.cumsum(keep_items) - 1
    mask = keep_items[r.item]
    return Ratings(
        new_index[r.item[mask]], r.rater[mask], r.label[mask],
        int(keep_items.sum()), r.n_raters, r.n_classes,
    )  # fmt: skip


def weighted_pairwise_kappa(pairwise: PairwiseKappa) -> float:
    """Mean pairwise Cohen κ weighted by the items each pair shares: in batched designs a pair
    of raters from different batches may share one item, and must not weigh like a full pair."""
    defined = [(k, pairwise.n_common[p]) for p, k in pairwise.kappa.items() if not math.isnan(k)]
    weight = sum(n for _, n in defined)
    return sum(k * n for k, n in defined) / weight if weight else math.nan


def _by_batch(
    figures: Callable[[npt.NDArray[np.bool_]], Json],
    batches: npt.NDArray[np.int64],
    batch_names: list[str],
) -> dict[str, Json]:
    """Figures per batch; nothing when there is one batch (they would repeat the overall)."""
    present = [(b, name) for b, name in enumerate(batch_names) if (batches == b).any()]
    if len(present) < 2:
        return {}
    return {name: figures(batches == b) for b, name in present}


def single_label_figures(r: Ratings, pairwise: PairwiseKappa | None = None) -> Json:
    """The layer's figures over ``r``; ``pairwise`` is its Cohen κ per pair if computed."""
    ratios = agreement_ratios(r)
    return {
        "n_items": int((r.n_ratings() >= 2).sum()),
        "n_ratings": int(r.item.size),
        **{k: v for k, v in ratios.items() if k != "n_items"},
        "fleiss_kappa": fleiss_kappa(r),
        "cohen_kappa_mean": weighted_pairwise_kappa(pairwise or cohen_kappa_pairwise(r)),
        "krippendorff_alpha_nominal": krippendorff_alpha(r, level="nominal"),
    }


def single_label_report(
    r: Ratings,
    *,
    classes: list[str],
    raters: list[str],
    batches: npt.NDArray[np.int64],
    batch_names: list[str],
    gold: npt.NDArray[np.int64] | None = None,
    high: float = 0.9,
    medium: float = 0.8,
) -> tuple[Json, dawid_skene.DawidSkene]:
    """Overall and per-batch figures, Dawid–Skene tiers and confidence, Cohen κ per annotator
    pair, per-annotator statistics, disagreement details and the annotator-vs-aggregate
    confusion; returns the fitted model too (routing reuses it)."""
    model = dawid_skene.fit(r)
    covered = r.n_ratings() >= MIN_RATINGS
    rc = subset(r, covered)
    vote = majority(rc)
    ds_labels, confidence = model.labels[covered], model.confidence[covered]
    tiers = confidence_tiers(confidence, vote.unanimous, high=high, medium=medium)
    tier_counts = {t: int((tiers == t).sum()) for t in ("high", "medium", "low")}
    per_annotator = []
    for stats in annotator_stats(rc, ds_labels, None if gold is None else gold[covered]):
        if stats.n_rated == 0:
            continue
        per_annotator.append(
            {
                "annotator": raters[stats.rater],
                "n_rated": stats.n_rated,
                "accuracy_vs_aggregate": stats.accuracy,
                "kappa_vs_gold": stats.kappa_gold,
                "n_gold": stats.n_gold,
                "label_distribution": dict(zip(classes, stats.label_counts.tolist(), strict=True)),
                "entropy_bits": stats.entropy_bits,
                "entropy_normalised": stats.entropy_normalised,
                "confusion_vs_aggregate": stats.confusion.tolist(),
            }
        )
    pairwise = cohen_kappa_pairwise(rc)
    details = disagreement_details(rc)
    decided = vote.label >= 0
    n_ds = np.bincount(ds_labels[ds_labels >= 0], minlength=len(classes))
    report = {
        "classes": classes,
        "coverage": coverage(rc.n_items),
        "overall": single_label_figures(rc, pairwise),
        "by_batch": _by_batch(
            lambda keep: single_label_figures(subset(rc, keep)), batches[covered], batch_names
        ),
        "cohen_kappa_pairs": [
            {"a": raters[a], "b": raters[b], "kappa": kappa, "n_items": pairwise.n_common[(a, b)]}
            for (a, b), kappa in pairwise.kappa.items()
        ],
        "dawid_skene": {
            "tiers": tier_counts,
            "thresholds": {"high": high, "medium": medium},
            "converged": model.converged,
            "n_iter": model.n_iter,
            "agrees_with_majority": float((ds_labels[decided] == vote.label[decided]).mean())
            if decided.any()
            else math.nan,
            "confidence": _summary(confidence),
            "confidence_by_distinct_labels": {
                str(n): float(confidence[vote.n_distinct == n].mean())
                for n in range(1, int(vote.n_distinct.max(initial=0)) + 1)
                if (vote.n_distinct == n).any()
            },
            "label_distribution": dict(
                zip(classes, (n_ds / max(1, n_ds.sum())).tolist(), strict=True)
            ),
        },
        "annotators": per_annotator,
        "disagreement": {
            key: dict(zip(classes, getattr(details, key).tolist(), strict=True))
            for key in details._fields
        },
        "confusion_majority_vs_ds": confusion_matrix(vote.label, ds_labels, len(classes)).tolist(),
    }
    return clean(report), model


def ordinal_report(r: Ratings, *, values: list[int]) -> Json:
    return clean_dict(
        {
            "coverage": coverage(int((r.n_ratings() >= MIN_RATINGS).sum())),
            "n_items": int((r.n_ratings() >= MIN_RATINGS).sum()),
            "krippendorff_alpha_ordinal": krippendorff_alpha(r, level="ordinal"),
            "krippendorff_alpha_interval": krippendorff_alpha(r, level="interval", values=values),
        }
    )


def icc_figures(
    items: npt.NDArray[np.int64], raters: npt.NDArray[np.int64], values: npt.ArrayLike
) -> Json:
    """ICC(1,1) over the clips with the most common number of ratings k >= 2 (each clip its
    own raters: Shrout & Fleiss's case 1, which does not care which rater is which), and
    ICC(A,1) over the largest panel of clips that the same k >= 2 raters all rated (two-way
    random, absolute agreement; ``traces.icc`` drops targets with a missing rater, so the
    panel is built complete). ``values[i]`` is rater ``raters[i]``'s number for ``items[i]``."""
    by_item: dict[int, dict[int, float]] = {}
    for item, rater, value in zip(
        items.tolist(), raters.tolist(), np.asarray(values).tolist(), strict=True
    ):
        by_item.setdefault(item, {})[rater] = float(value)
    rated = [r for r in by_item.values() if len(r) >= 2]
    out: Json = {"icc_1": None, "icc_a1": None, "icc_a1_n_items": 0}
    if not rated:
        return out
    sizes = [len(r) for r in rated]
    k = max(set(sizes), key=lambda n: (sizes.count(n), n))
    same_k = [list(r.values()) for r in rated if len(r) == k]
    if len(same_k) >= 2:
        out["icc_1"] = icc(np.array(same_k).T)["ICC1"]
    panels: dict[tuple[int, ...], list[dict[int, float]]] = {}
    for r in rated:
        panels.setdefault(tuple(sorted(r)), []).append(r)
    who, clips = max(panels.items(), key=lambda p: (len(p[1]), len(p[0])))
    if len(clips) >= 2:
        out["icc_a1"] = icc(np.array([[c[w] for c in clips] for w in who]))["ICC2"]
        out["icc_a1_n_items"] = len(clips)
    return clean_dict(out)


def multi_label_figures(sr: SetRatings) -> Json:
    jaccard = pairwise_jaccard(sr)
    matches = match_ratios(sr)
    return {
        "n_items": matches.n_pairable,
        "jaccard_mean": jaccard.mean,
        "jaccard_median": jaccard.median,
        "exact_match_ratio": matches.exact_match_ratio,
        "overlap_ratio": matches.overlap_ratio,
        "identical_set_ratio": matches.identical_set_ratio,
        "krippendorff_alpha_masi": krippendorff_alpha_masi(sr),
    }


def set_subset(sr: SetRatings, keep_items: npt.NDArray[np.bool_]) -> SetRatings:
    new_index = np.cumsum(keep_items) - 1
    mask = keep_items[sr.item]
    return SetRatings(
        sr.sets[mask], new_index[sr.item[mask]], sr.rater[mask], int(keep_items.sum()), sr.labels
    )


def multi_label_report(
    sr: SetRatings, *, raters: list[str], batches: npt.NDArray[np.int64], batch_names: list[str]
) -> Json:
    """Overall and per-batch set agreement, per annotator pair and per annotator, the sizes of
    the items' label unions, and each label's mean soft share p_k."""
    covered = sr.counts_per_item() >= MIN_RATINGS
    sc = set_subset(sr, covered)
    prevalence = soft_labels(sc).mean(axis=0) if sc.n_items else np.zeros(sr.n_labels)
    return clean_dict(
        {
            "labels": list(sr.labels),
            "coverage": coverage(sc.n_items),
            "overall": multi_label_figures(sc),
            "by_batch": _by_batch(
                lambda keep: multi_label_figures(set_subset(sc, keep)),
                batches[covered],
                batch_names,
            ),
            "pairs": [
                {
                    "a": raters[p.rater_a],
                    "b": raters[p.rater_b],
                    "n_items": p.n_items,
                    "jaccard_mean": p.jaccard_mean,
                    "jaccard_median": p.jaccard_median,
                    "overlap_ratio": p.overlap_ratio,
                    "exact_match_ratio": p.exact_match_ratio,
                }
                for p in rater_pair_sets(sc)
            ],
            "annotators": [
                {
                    "annotator": raters[a.rater],
                    "n_rated": a.n_rated,
                    "label_distribution": dict(
                        zip(sr.labels, a.label_shares.tolist(), strict=True)
                    ),
                    "mean_labels": a.mean_labels,
                    "label_count_histogram": a.size_histogram,
                }
                for a in rater_sets(sc)
            ],
            "union_label_count_histogram": union_size_histogram(sc),
            "mean_soft_label": dict(zip(sr.labels, prevalence.tolist(), strict=True)),
        }
    )


def monologue_report(
    primary: Ratings,
    *,
    secondary: SetRatings | None,
    intensity: Ratings | None,
    intensity_values: list[int],
    durations: npt.NDArray[np.float64],
    n_clips: int,
) -> Json:
    """Agreement on the reference utterances of streaming monologues (items = utterances, see
    ``annotation.agreement.utterances``): primary (single label), secondary (label sets) and
    intensity (ordinal), each also time-weighted by the utterances' ``durations``. Covers the
    utterances that at least two annotators labelled a primary emotion on."""
    covered = primary.n_ratings() >= MIN_RATINGS
    p = subset(primary, covered)
    w = durations[covered]
    out: Json = {
        "n_clips": n_clips,
        "coverage": {**coverage(p.n_items), "seconds": float(w.sum())},
        "primary": {
            **single_label_figures(p),
            "pairwise_agreement": pairwise_agreement(p),
            "pairwise_agreement_time_weighted": pairwise_agreement(p, w),
            "fleiss_kappa_time_weighted": fleiss_kappa(p, w),
        },
    }
    if secondary is not None:
        s = set_subset(secondary, covered)
        out["secondary"] = {
            **multi_label_figures(s),
            "jaccard_mean_time_weighted": weighted_jaccard(s, w),
        }
    if intensity is not None:
        i = subset(intensity, covered)
        out["intensity"] = {
            **ordinal_report(i, values=intensity_values),
            "pairwise_agreement": pairwise_agreement(i),
            "pairwise_agreement_time_weighted": pairwise_agreement(i, w),
            "mean_abs_difference": mean_abs_difference(i),
            "mean_abs_difference_time_weighted": mean_abs_difference(i, w),
        }
    return clean_dict(out)


TRACE_BINS = 10
ALPHA_STEP_S = 1.0  # α on binned values, one sample a second: neighbours at 25 Hz are near copies


def trace_clip_metrics(stack: npt.NDArray[np.float64], *, rate_hz: float) -> dict[str, Any]:
    """Per-clip concordance of one dimension for clips with the same number of raters:
    ``stack`` is (clips, raters, samples), NaN where nothing was recorded."""
    n_raters = stack.shape[1]
    upper = np.triu_indices(n_raters, k=1)
    with np.errstate(all="ignore"):
        figures = trace_figures(stack, rate_hz)
        pairwise = figures.ccc[:, upper[0], upper[1]]
        comp_ccc = figures.lag_compensated.ccc[:, upper[0], upper[1]]
        comp_lag = np.abs(figures.lag_compensated.lag_s[:, upper[0], upper[1]])
        step = max(1, round(rate_hz * ALPHA_STEP_S))
        alpha = krippendorff_alpha_binned_batch(stack[..., ::step], TRACE_BINS, level="interval")
        return {
            "ccc_pairwise": np.nanmean(pairwise, axis=1) if pairwise.size else pairwise,
            "ccc_rater_vs_rest": np.nanmean(figures.ccc_rater_vs_rest, axis=1),
            "ccc_lag_compensated": np.nanmean(comp_ccc, axis=1) if comp_ccc.size else comp_ccc,
            "lag_s": np.nanmean(comp_lag, axis=1) if comp_lag.size else comp_lag,
            "cronbach_alpha": figures.cronbach_alpha,
            "alpha_interval_binned": alpha,
            **{key.lower(): value for key, value in figures.icc.items()},
        }


def trace_report(per_clip: dict[str, dict[str, list[float]]], *, n_clips: int) -> Json:
    """Mean and median over clips of each per-clip figure, per dimension."""

    def summary(values: list[float]) -> Json:
        array = np.asarray(values, dtype=np.float64)
        array = array[np.isfinite(array)]
        if not array.size:
            return {"mean": math.nan, "median": math.nan, "n": 0}
        return {
            "mean": float(array.mean()),
            "median": float(np.median(array)),
            "n": int(array.size),
        }

    return clean_dict(
        {
            "n_clips": n_clips,
            "dimensions": {
                dim: {name: summary(values) for name, values in figures.items()}
                for dim, figures in per_clip.items()
            },
        }
    )
