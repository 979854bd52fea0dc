"""A project agreement report as Markdown: the tables a benchmark paper's agreement section
shows. Pure: the report dict in, text out."""

from typing import Any

SINGLE = [
    ("n_items", "items"),
    ("all_same_ratio", "all same"),
    ("two_same_ratio", "two same"),
    ("all_different_ratio", "all different"),
    ("fleiss_kappa", "Fleiss κ"),
    ("cohen_kappa_mean", "pairwise Cohen κ (mean weighted by shared items)"),
    ("krippendorff_alpha_nominal", "Krippendorff α (nominal)"),
]
MULTI = [
    ("n_items", "items"),
    ("jaccard_mean", "mean pairwise Jaccard"),
    ("jaccard_median", "median pairwise Jaccard"),
    ("exact_match_ratio", "exact match"),
    ("overlap_ratio", "overlap"),
    ("identical_set_ratio", "identical-set pairs"),
    ("krippendorff_alpha_masi", "Krippendorff α (MASI)"),
]


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


def render_markdown(report: dict[str, Any], *, title: str) -> str:
    lines = [
        f"# {title}",
        "",
        f"{report['n_clips']} clips, {report['n_annotations']} layer-1 annotations by "
        f"{report['n_annotators']} annotators.",
        "",
    ]
    for name, layer in report["layers"].items():
        if "classes" in layer:
            lines += [f"## {name} (single label)", "", *_figures(layer, SINGLE)]
            ds = layer["dawid_skene"]
            tiers = ds["tiers"]
            lines += [
                f"Dawid–Skene tiers (high ≥ {ds['thresholds']['high']} or unanimous, medium ≥ "
                f"{ds['thresholds']['medium']}): high {tiers['high']}, medium {tiers['medium']}, "
                f"low {tiers['low']}; agrees with the majority on "
                f"{_fmt(ds['agrees_with_majority'])} of decided items.",
                "",
            ]
            lines += _table(
                ["annotator", "items", "accuracy vs aggregate", "κ vs gold", "entropy (norm.)"],
                [
                    [
                        a["annotator"], a["n_rated"], a["accuracy_vs_aggregate"],
                        a["kappa_vs_gold"], a["entropy_normalised"],
                    ]
                    for a in layer["annotators"]
                ],
            )  # fmt: skip
        elif "labels" in layer:
            lines += [f"## {name} (multi-label)", "", *_figures(layer, MULTI)]
            top = sorted(layer["mean_soft_label"].items(), key=lambda kv: -(kv[1] or 0))[:8]
            lines += _table(["label", "mean soft share p_k"], [list(kv) for kv in top])
        else:
            lines += [f"## {name} (ordinal)", ""]
            lines += _table(
                ["items", "α ordinal", "α interval"],
                [[layer["n_items"], layer["krippendorff_alpha_ordinal"],
                  layer["krippendorff_alpha_interval"]]],
            )  # fmt: skip
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
