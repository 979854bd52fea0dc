"""The project agreement report from encoded arrays: what a benchmark paper's agreement section
reports, per label layer, per batch and per annotator. Pure: arrays in, JSON-ready dicts out.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from annotation.agreement import dawid_skene
from annotation.agreement.categorical import (
    Ratings,
    agreement_ratios,
    annotator_stats,
    cohen_kappa_pairwise,
    confidence_tiers,
    confusion_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    majority,
)
from annotation.agreement.jsonsafe import clean
from annotation.agreement.multilabel import (
    SetRatings,
    krippendorff_alpha_masi,
    match_ratios,
    pairwise_jaccard,
    soft_labels,
)
from annotation.agreement.traces import (
    ccc_matrix,
    ccc_rater_vs_rest,
    cronbach_alpha_batch,
    icc_batch,
    krippendorff_alpha_binned,
    lag_compensated_ccc,
)

Json = dict[str, Any]


def subset(r: Ratings, keep_items: npt.NDArray[np.bool_]) -> Ratings:
    """The ratings of the kept items, items renumbered (for per-batch figures)."""
    new_index = np.cumsum(keep_items) - 1
    mask = keep_items[r.item]
    return Ratings(
        new_index[r.item[mask]], r.rater[mask], r.label[mask],
        int(keep_items.sum()), r.n_raters, r.n_classes,
    )  # fmt: skip


def weighted_pairwise_kappa(r: Ratings) -> float:
    """Mean pairwise Cohen κ weighted by the items each pair shares: in batched designs a pair
    of raters from different batches may share one item, and must not weigh like a full pair."""
    pairwise = cohen_kappa_pairwise(r)
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


def single_label_figures(r: Ratings) -> Json:
    ratios = agreement_ratios(r)
    return {
        "n_items": int((r.n_ratings() >= 2).sum()),
        "n_ratings": int(r.item.size),
        **{k: v for k, v in ratios.items() if k != "n_items"},
        "fleiss_kappa": fleiss_kappa(r),
        "cohen_kappa_mean": weighted_pairwise_kappa(r),
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
    """Overall and per-batch figures, Dawid–Skene tiers, per-annotator statistics and the
    annotator-vs-aggregate confusion; returns the fitted model too (routing reuses it)."""
    model = dawid_skene.fit(r)
    vote = majority(r)
    tiers = confidence_tiers(model.confidence, vote.unanimous, high=high, medium=medium)
    rated = r.n_ratings() > 0
    tier_counts = {t: int(((tiers == t) & rated).sum()) for t in ("high", "medium", "low")}
    per_annotator = []
    for stats in annotator_stats(r, model.labels, gold):
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
    report = {
        "classes": classes,
        "overall": single_label_figures(r),
        "by_batch": _by_batch(
            lambda keep: single_label_figures(subset(r, keep)), batches, batch_names
        ),
        "dawid_skene": {
            "tiers": tier_counts,
            "thresholds": {"high": high, "medium": medium},
            "converged": model.converged,
            "n_iter": model.n_iter,
            "agrees_with_majority": float(
                (model.labels[vote.label >= 0] == vote.label[vote.label >= 0]).mean()
            )
            if (vote.label >= 0).any()
            else math.nan,
        },
        "annotators": per_annotator,
        "confusion_majority_vs_ds": confusion_matrix(
            vote.label, model.labels, len(classes)
        ).tolist(),
    }
    return clean(report), model


def ordinal_report(r: Ratings, *, values: list[int]) -> Json:
    return clean(
        {
            "n_items": int((r.n_ratings() >= 2).sum()),
            "krippendorff_alpha_ordinal": krippendorff_alpha(r, level="ordinal"),
            "krippendorff_alpha_interval": krippendorff_alpha(r, level="interval", values=values),
        }
    )


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
    sr: SetRatings, *, batches: npt.NDArray[np.int64], batch_names: list[str]
) -> Json:
    """Overall and per-batch set agreement, plus each label's mean soft share p_k."""
    soft = soft_labels(sr)
    rated = sr.counts_per_item() > 0
    prevalence = soft[rated].mean(axis=0) if rated.any() else np.zeros(sr.n_labels)
    return clean(
        {
            "labels": list(sr.labels),
            "overall": multi_label_figures(sr),
            "by_batch": _by_batch(
                lambda keep: multi_label_figures(set_subset(sr, keep)), batches, batch_names
            ),
            "mean_soft_label": dict(zip(sr.labels, prevalence.tolist(), strict=True)),
        }
    )


TRACE_BINS = 10
ALPHA_STEP_S = 1.0  # α on binned values, one sample a second: neighbours at 25 Hz are near copies


def trace_clip_metrics(stack: npt.NDArray[np.float64], *, rate_hz: float) -> dict[str, Any]:
    """Per-clip concordance of one dimension for clips with the same number of raters:
    ``stack`` is (clips, raters, samples), NaN where nothing was recorded."""
    n_raters = stack.shape[1]
    upper = np.triu_indices(n_raters, k=1)
    with np.errstate(all="ignore"):
        pairwise = ccc_matrix(stack)[:, upper[0], upper[1]]
        compensated = lag_compensated_ccc(stack, rate_hz)
        comp_ccc = compensated.ccc[:, upper[0], upper[1]]
        comp_lag = np.abs(compensated.lag_s[:, upper[0], upper[1]])
        iccs = icc_batch(stack)
        step = max(1, round(rate_hz * ALPHA_STEP_S))
        alpha = np.array(
            [
                krippendorff_alpha_binned(clip[:, ::step], TRACE_BINS, level="interval")
                for clip in stack
            ]
        )
        return {
            "ccc_pairwise": np.nanmean(pairwise, axis=1) if pairwise.size else pairwise,
            "ccc_rater_vs_rest": np.nanmean(ccc_rater_vs_rest(stack), axis=1),
            "ccc_lag_compensated": np.nanmean(comp_ccc, axis=1) if comp_ccc.size else comp_ccc,
            "lag_s": np.nanmean(comp_lag, axis=1) if comp_lag.size else comp_lag,
            "cronbach_alpha": cronbach_alpha_batch(stack),
            "alpha_interval_binned": alpha,
            **{key.lower(): value for key, value in iccs.items()},
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

    return clean(
        {
            "n_clips": n_clips,
            "dimensions": {
                dim: {name: summary(values) for name, values in figures.items()}
                for dim, figures in per_clip.items()
            },
        }
    )
