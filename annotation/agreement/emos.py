"""A project agreement report in the key structure of the EmoS scripts' summaries
(``analysis_summary.json`` for a single-label layer, ``goemotion_summary.json`` for a
multi-label one), so a team can diff the platform against their old outputs. Pure: the report
dict in, dicts out.

Like the pandas counts EmoS prints, label tables list only the labels that occur. EmoS's
``hardness`` (transcript length by number of distinct labels) is not an agreement figure and is
left out. Figures cover the layer's ``coverage`` items (see ``annotation.agreement.report``).
"""

from typing import Any

Json = dict[str, Any]


def _occurring(values: dict[str, Any]) -> dict[str, Any]:
    return {label: value for label, value in values.items() if value}


def _pair(pair: Json) -> str:
    return f"{pair['a']}_vs_{pair['b']}"


def analysis_summary(layer: Json) -> Json:
    overall = layer["overall"]
    annotators = layer["annotators"]
    ds = layer["dawid_skene"]
    return {
        "num_items": layer["coverage"]["n_items"],
        "label_distribution": {
            a["annotator"]: {
                label: n / a["n_rated"] for label, n in _occurring(a["label_distribution"]).items()
            }
            for a in annotators
        },
        "fleiss_kappa": overall["fleiss_kappa"],
        "pairwise_cohen": {_pair(p): p["kappa"] for p in layer["cohen_kappa_pairs"]},
        "disagreement_details": {
            key: _occurring(counts) for key, counts in layer["disagreement"].items()
        },
        "agreement_ratios": {
            "all_same": overall["all_same_ratio"],
            "two_same": overall["two_same_ratio"],
            "all_diff": overall["all_different_ratio"],
        },
        "ds_distribution": _occurring(ds["label_distribution"]),
        "ds_confidence": ds["confidence"],
        "confidence_by_unique_labels": ds["confidence_by_distinct_labels"],
        "accuracy_vs_ds": {a["annotator"]: a["accuracy_vs_aggregate"] for a in annotators},
        "entropy": {a["annotator"]: a["entropy_bits"] for a in annotators},
    }


def goemotion_summary(layer: Json) -> Json:
    annotators = layer["annotators"]
    return {
        "num_items": layer["coverage"]["n_items"],
        "annotators": [a["annotator"] for a in annotators],
        "label_distribution": {
            a["annotator"]: _occurring(a["label_distribution"]) for a in annotators
        },
        "avg_labels_per_sample": {a["annotator"]: a["mean_labels"] for a in annotators},
        "label_count_hist": {a["annotator"]: a["label_count_histogram"] for a in annotators},
        "identical_sets_ratio": layer["overall"]["exact_match_ratio"],
        "pairwise_comparisons": {
            _pair(p): {
                "mean_jaccard": p["jaccard_mean"],
                "median_jaccard": p["jaccard_median"],
                "overlap_ratio": p["overlap_ratio"],
                "exact_match_ratio": p["exact_match_ratio"],
            }
            for p in layer["pairs"]
        },
        "union_label_hist": layer["union_label_count_histogram"],
    }


def emos_summaries(report: Json) -> dict[str, Json]:
    """``<layer>/analysis_summary.json`` or ``<layer>/goemotion_summary.json`` -> its content,
    for each single- and multi-label layer of the report."""
    out = {}
    for name, layer in report["layers"].items():
        if "classes" in layer:
            out[f"{name}/analysis_summary.json"] = analysis_summary(layer)
        elif "labels" in layer:
            out[f"{name}/goemotion_summary.json"] = goemotion_summary(layer)
    return out
