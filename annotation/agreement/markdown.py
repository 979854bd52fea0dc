"""A project agreement report as Markdown: the tables a benchmark paper's agreement section
shows. Pure: the report dict in, text out."""

from typing import Any

from annotation.domain.metrics import (
    LABEL,
    LABEL_SET,
    LAYER_ROWS,
    METRICS,
    UTTERANCE_ROWS,
    metric,
)


def _rows(keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, the Markdown's name of the statistic) from the metrics registry."""
    return [(key, metric(key).text) for key in keys]


def _fmt(value: Any) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _figures(layer: dict[str, Any], fields: list[tuple[str, str]]) -> list[str]:
    groups = {"all": layer["overall"], **layer.get("by_batch", {})}
    if len(groups) == 2:  # one batch: the same numbers twice
        groups = {"all": layer["overall"]}
    header = ["", *groups]
    return _table(
        header, [[label, *(g.get(key) for g in groups.values())] for key, label in fields]
    )


def _coverage(layer: dict[str, Any]) -> list[str]:
    cov = layer["coverage"]
    return [
        f"Every figure below covers the {cov['n_items']} items labelled by at least "
        f"{cov['min_ratings']} annotators (a pair's figures: those of them both labelled).",
        "",
    ]


def _histogram_table(rows: dict[str, dict[str, int]]) -> list[str]:
    sizes = sorted({int(n) for hist in rows.values() for n in hist})
    return _table(
        ["labels per item", *map(str, sizes)],
        [[name, *(hist.get(str(n), 0) for n in sizes)] for name, hist in rows.items()],
    )


def _single(layer: dict[str, Any]) -> list[str]:
    lines = [*_coverage(layer), *_figures(layer, _rows(LAYER_ROWS[LABEL]))]
    lines += _table(
        ["annotator pair", "items", metric("cohen_kappa").en],
        [[f"{p['a']} – {p['b']}", p["n_items"], p["kappa"]] for p in layer["cohen_kappa_pairs"]],
    )
    ds = layer["dawid_skene"]
    tiers, conf = ds["tiers"], ds["confidence"]
    by_distinct = ", ".join(
        f"{n} distinct: {_fmt(v)}" for n, v in ds["confidence_by_distinct_labels"].items()
    )
    lines += [
        f"Dawid–Skene confidence: mean {_fmt(conf['mean'])}, median {_fmt(conf['median'])}, "
        f"std {_fmt(conf['std'])}; mean by number of distinct labels on the item: "
        f"{by_distinct}.",
        "",
        f"Dawid–Skene tiers (high ≥ {ds['thresholds']['high']} or unanimous, medium ≥ "
        f"{ds['thresholds']['medium']}): high {tiers['high']}, medium {tiers['medium']}, "
        f"low {tiers['low']}; agrees with the majority on "
        f"{_fmt(ds['agrees_with_majority'])} of decided items.",
        "",
    ]
    lines += _table(
        ["annotator", "items", "accuracy vs Dawid–Skene", "κ vs gold", "entropy (bits)",
         "entropy (norm.)"],
        [
            [
                a["annotator"], a["n_rated"], a["accuracy_vs_aggregate"],
                a["kappa_vs_gold"], a["entropy_bits"], a["entropy_normalised"],
            ]
            for a in layer["annotators"]
        ],
    )  # fmt: skip
    classes = layer["classes"]
    lines += _table(
        ["label distribution", *classes],
        [[a["annotator"], *(a["label_distribution"][c] for c in classes)]
         for a in layer["annotators"]],
    )  # fmt: skip
    details = layer["disagreement"]
    used = [c for c in classes if details["conflict_involvement"][c]]
    lines += _table(
        ["disagreements", *used],
        [
            [label, *(details[key][c] for c in used)]
            for key, label in (
                ("conflict_involvement", "items in conflict"),
                ("two_vs_one_majority", "2-vs-1 majority"),
                ("two_vs_one_minority", "2-vs-1 minority"),
            )
        ],
    )
    return lines


def _multi(layer: dict[str, Any]) -> list[str]:
    lines = [*_coverage(layer), *_figures(layer, _rows(LAYER_ROWS[LABEL_SET]))]
    lines += _table(
        [
            "annotator pair", "items",
            *(metric(k).en for k in ("jaccard_mean", "jaccard_median", "overlap_ratio",
                                     "exact_match_ratio")),
        ],
        [
            [
                f"{p['a']} – {p['b']}", p["n_items"], p["jaccard_mean"], p["jaccard_median"],
                p["overlap_ratio"], p["exact_match_ratio"],
            ]
            for p in layer["pairs"]
        ],
    )  # fmt: skip
    hists = {a["annotator"]: a["label_count_histogram"] for a in layer["annotators"]}
    lines += _histogram_table(
        {**hists, "union of the item's sets": layer["union_label_count_histogram"]}
    )
    top = sorted(layer["mean_soft_label"].items(), key=lambda kv: -(kv[1] or 0))[:8]
    return lines + _table(["label", "mean soft share p_k"], [list(kv) for kv in top])


def _monologues(mono: dict[str, Any]) -> list[str]:
    cov = mono["coverage"]
    rows = [
        [f"{role}: {metric(key).text}", mono[role][key]]
        for role, keys in UTTERANCE_ROWS.items()
        if role in mono
        for key in keys
    ]
    return [
        f"## monologues: utterance agreement ({mono['n_clips']} clips, {cov['n_items']} "
        f"utterances, {cov['seconds']:.1f} s)",
        "",
        "Each reference utterance is read in each annotator's labelling as the segment at "
        "its midpoint (as routing reads it); the figures cover the utterances at least "
        f"{cov['min_ratings']} annotators labelled; time-weighted figures weight each "
        "utterance by its duration.",
        "",
        *_table(["", "value"], rows),
    ]


def render_markdown(report: dict[str, Any], *, title: str) -> str:
    lines = [
        f"# {title}",
        "",
        f"{report['n_clips']} static clips, {report['n_annotations']} layer-1 annotations by "
        f"{report['n_annotators']} annotators."
        + (
            f" {report['monologues']['n_clips']} streaming monologues are compared per "
            "utterance below."
            if "monologues" in report
            else ""
        ),
        "",
    ]
    for name, layer in report["layers"].items():
        if "classes" in layer:
            lines += [f"## {name} (single label)", "", *_single(layer)]
        elif "labels" in layer:
            lines += [f"## {name} (multi-label)", "", *_multi(layer)]
        elif "dimensions" in layer:
            # a layer of several scales (a dimensional type): a column of figures per scale
            dims = layer["dimensions"]
            keys = [key for key in METRICS if any(key in d for d in dims.values())]
            lines += [f"## {name} ({layer['n_items']} items)", ""]
            lines += _table(["", *dims], [[METRICS[k].text, *(d.get(k) for d in dims.values())]
                                          for k in keys])  # fmt: skip
        else:
            # one ordinal scale (``ordinal_report``): a row of the registered figures it has
            keys = [key for key in METRICS if key in layer]
            lines += [f"## {name} (ordinal)", ""]
            lines += _table([METRICS[k].text for k in keys], [[layer[k] for k in keys]])
    if "monologues" in report:
        lines += _monologues(report["monologues"])
    if "traces" in report:
        traces = report["traces"]
        lines += [f"## traces ({traces['n_clips']} clips with two or more raters)", ""]
        dims = traces["dimensions"]
        names = list(next(iter(dims.values())))
        lines += _table(
            ["mean over clips (median)", *dims],
            [
                [
                    name,
                    *(
                        f"{_fmt(d[name]['mean'])} ({_fmt(d[name]['median'])})"
                        for d in dims.values()
                    ),
                ]
                for name in names
            ],
        )
    return "\n".join(lines)
