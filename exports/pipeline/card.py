"""The dataset card, ``README.md``: Hugging Face YAML front matter (one config per Parquet
table), then what a reader of a benchmark needs — contents, splits, gold provenance and tiers,
label distributions, the project's agreement tables, fields, plots, usage, license.

Everything people wrote (project name and description, release description, citation, license,
label, layer, dimension and batch names) goes through ``mdtext``: shown literally, never read
as Markdown or HTML.
"""

import json
from collections import Counter
from typing import Any

from exports.pipeline.data import SPLITS, ReleaseData
from exports.pipeline.mdtext import Markdown, code_block, code_span, inline, text
from exports.pipeline.selection import Selection, effective_tier
from exports.pipeline.stats import Distribution
from exports.pipeline.tables import Table

HF_SPLIT = "full"  # the Hugging Face split name of every config (benchmark splits: `split`)


# Front matter is YAML, but a renderer that does not know front matter shows it as Markdown:
# these become \u escapes, which YAML reads back as the same characters.
_YAML_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in "<>&[]`\u0085\u2028\u2029"}


def _q(value: str) -> str:
    """A JSON string is a valid YAML double-quoted scalar."""
    return json.dumps(value, ensure_ascii=False).translate(_YAML_ESCAPES)


def _size(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M" if n < 1_000_000 else "n>1M"


def front_matter(data: ReleaseData, sel: Selection, tables: list[Table]) -> list[str]:
    lines = [
        "---",
        f"pretty_name: {_q(data.project_name)}",
        f"license: {_q(data.options.license)}",
        "language:",
        *(f"- {lang}" for lang in sorted({c.language for c in sel.clips})),
        "tags:",
        "- emotion-recognition",
        "- multimodal",
        "- annotation-agreement",
        "size_categories:",
        f"- {_size(len(sel.clips))}",
        "configs:",
    ]
    for table in advertised(tables):
        lines += [f"- config_name: {table.name}"]
        if table.name == "gold":
            lines.append("  default: true")
        lines += [
            "  data_files:",
            f"  - split: {HF_SPLIT}",
            f"    path: data/{table.name}.parquet",
        ]
    return [*lines, "---", ""]


def advertised(tables: list[Table]) -> list[Table]:
    """The tables offered as configs: those with rows. ``datasets`` cannot load a Parquet
    file without rows (its batch size is the first row group's, 0), nor a split with no data."""
    return [t for t in tables if t.n_rows]


MISSING = object()


def _fmt(value: Any) -> str:
    if value is MISSING:
        return "–"
    if value is None:
        return "undefined"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, bool | int):
        return str(value)
    return inline(value)  # a name someone wrote (label, batch, language...): literal text


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_fmt(h) for h in header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _distribution(dist: Distribution, what: str) -> list[str]:
    if not dist.labels:
        return [f"No {what}.", ""]
    header = [what, *dist.languages, "all"]
    rows = [
        [label, *(dist.counts[lang][label] for lang in dist.languages),
         sum(dist.counts[lang][label] for lang in dist.languages)]
        for label in dist.labels
    ]  # fmt: skip
    return table(header, rows)


def _scalars(figures: dict[str, Any]) -> list[str]:
    return [k for k, v in figures.items() if isinstance(v, int | float | None)]


def agreement_section(report: dict[str, Any]) -> list[str]:
    """The project agreement report (``annotation.agreement``) as tables; keys it does not know
    are shown as they come."""
    if not report:
        return ["No agreement report was provided for this release.", ""]
    lines: list[str] = []
    if "n_clips" in report:
        lines += [
            f"Over the whole project: {_fmt(report.get('n_clips'))} clips, "
            f"{_fmt(report.get('n_annotations'))} first-layer annotations by "
            f"{_fmt(report.get('n_annotators'))} annotators.",
            "",
        ]
    for name, layer in (report.get("layers") or {}).items():
        overall = layer.get("overall")
        if not isinstance(overall, dict):
            overall = {k: v for k, v in layer.items() if isinstance(v, int | float | None)}
        groups = {"all": overall, **(layer.get("by_batch") or {})}
        if len(groups) == 2:
            groups = {"all": overall}
        lines += [f"### {inline(name)}", ""]
        lines += table(
            ["", *groups],
            [[key, *(g.get(key, MISSING) for g in groups.values())] for key in _scalars(overall)],
        )
        ds = layer.get("dawid_skene")
        if isinstance(ds, dict) and isinstance(ds.get("tiers"), dict):
            tiers = ds["tiers"]
            lines += [
                "Dawid–Skene tiers: "
                + ", ".join(f"{inline(t)} {_fmt(n)}" for t, n in tiers.items())
                + f"; agrees with the majority on {_fmt(ds.get('agrees_with_majority'))}.",
                "",
            ]
    traces = report.get("traces")
    if isinstance(traces, dict) and traces.get("dimensions"):
        dims = traces["dimensions"]
        lines += [f"### traces ({_fmt(traces.get('n_clips'))} clips with two or more raters)", ""]
        names = list(next(iter(dims.values())))
        lines += table(
            ["mean over clips (median)", *dims],
            [
                [n, *(Markdown(f"{_fmt(d[n].get('mean'))} ({_fmt(d[n].get('median'))})")
                      for d in dims.values())]
                for n in names
            ],
        )  # fmt: skip
    return lines


def _splits(sel: Selection, splits: dict[str, str]) -> list[str]:
    langs = sorted({c.language for c in sel.clips})
    rows = []
    for split in SPLITS:
        members = [c for c in sel.clips if splits[c.clip_id] == split]
        rows.append(
            [split, len(members), *(sum(c.language == lang for c in members) for lang in langs),
             len({c.source_video or c.speaker or c.clip_id for c in members})]
        )  # fmt: skip
    return table(["split", "clips", *langs, "source groups"], rows)


def _provenance(sel: Selection) -> list[str]:
    counts = Counter((g.provenance, effective_tier(g)) for g in sel.gold.values())
    provenances = sorted({p for p, _ in counts})
    tiers = ["high", "medium", "low"]
    rows = [[p, *(counts[(p, t)] for t in tiers), sum(counts[(p, t)] for t in tiers)]
            for p in provenances]  # fmt: skip
    return table(["provenance", *tiers, "all"], rows)


def _fields(tables: list[Table]) -> list[str]:
    lines: list[str] = []
    for t in tables:
        lines += [
            f"### {code_span(f'data/{t.name}.parquet')} — {inline(t.description)} "
            f"({t.n_rows} rows)",
            "",
        ]
        lines += table(["column", "type", "description"],
                       [[code_span(c.name, in_table=True),
                         "JSON text" if c.type == "json" else c.type,
                         c.description] for c in t.columns])  # fmt: skip
    return lines


def _empty_tables(tables: list[Table]) -> list[str]:
    empty = [t for t in tables if not t.n_rows]
    if not empty:
        return []
    names = ", ".join(code_span(f"data/{t.name}.parquet") for t in empty)
    return [
        f"Empty in this release, so not offered as configs: {names} (`pandas.read_parquet` "
        "reads their columns; `datasets` cannot load a table without rows).",
        "",
    ]


def render_card(
    data: ReleaseData,
    sel: Selection,
    splits: dict[str, str],
    tables: list[Table],
    plots: list[str],
    distributions: tuple[Distribution, Distribution],
) -> str:
    """``distributions``: ``stats.primary_distribution`` and ``secondary_distribution``."""
    composition = sorted(Counter((c.kind, c.language) for c in sel.clips).items())
    n_traced = len({t.clip_id for t in sel.traces if t.annotator != "gold"})
    opts = data.options
    lines = front_matter(data, sel, tables)
    lines += [
        f"# {inline(data.project_name)} — release {inline(data.version)}",
        "",
        text(data.description or ""),
        "",
        f"Released {inline(data.created)}. {len(sel.clips)} clips with gold labels "
        f"({', '.join(f'{n} {inline(k)} {inline(lang)}' for (k, lang), n in composition)}), "
        f"{len(sel.labels)} first-layer labels, continuous traces on {n_traced} clips.",
        "",
        "## Contents",
        "",
        "- `data/*.parquet` and `data/*.jsonl`: clips, raw first-layer labels (annotators are "
        "pseudonyms), gold with provenance, streaming utterance segments, per-clip agreement; "
        "`data/traces.parquet` (long format: clip, annotator or `gold`, t in seconds, one "
        "column per dimension; samples missing in every dimension are dropped); "
        "`data/model_drafts.*`: model drafts (machine pre-annotations) with each run's model, "
        "version, prompt or config id and date, one row per run and clip — never counted as "
        "labels, never gold.",
        "- `splits/{train,validation,test}.txt`: clip ids, one per line.",
        "- `emos/`: the EmoS layout — per-tier label files, soft labels, "
        "`streaming/<clip>/<clip>.emotion.json`.",
        "- `croissant.json` (Croissant 1.0), `CHANGELOG.md`, `changes.json`, `release.json`, "
        "`SHA256SUMS`, `plots/`.",
        "",
        f"Gold filter: provenance in {inline(', '.join(opts.provenances))}; tier in "
        f"{inline(', '.join(opts.tiers))} (a human decision without an automatic tier counts "
        "as high).",
        "",
        "## Splits",
        "",
        f"Seed {opts.seed}, target ratios {' / '.join(f'{r:g}' for r in opts.split_ratios)}. "
        "Stratified by gold primary label and language; whole source videos (else speakers) are "
        "assigned to one split, so none is shared. Clips of the previous release keep their "
        "split unless the release was re-split.",
        "",
        *_splits(sel, splits),
        "## Gold provenance and tiers",
        "",
        *_provenance(sel),
        "## Label distribution",
        "",
        f"Gold {inline(sel.schema.primary or 'label')} (streaming clips: the label covering "
        "most time):",
        "",
        *_distribution(distributions[0], sel.schema.primary or "label"),
        f"Gold {inline(sel.schema.secondary or 'labels')}, the most frequent labels (clips):",
        "",
        *_distribution(distributions[1], sel.schema.secondary or "label"),
        "## Agreement",
        "",
        *agreement_section(data.project_agreement),
        "## Plots",
        "",
        *(f"![{p}]({p})" for p in plots),
        "",
        "## Fields",
        "",
        *_fields(tables),
        "## Usage",
        "",
        "```python",
        "import datasets, pandas",
        f'gold = datasets.load_dataset("path/to/this/release", "gold")["{HF_SPLIT}"]',
        'test = gold.filter(lambda row: row["split"] == "test")',
        'traces = pandas.read_parquet("data/traces.parquet")',
        "```",
        "",
        f"Every config has one Hugging Face split, `{HF_SPLIT}`; the benchmark split is the "
        "`split` column (and `splits/*.txt`).",
        "",
        *_empty_tables(tables),
        "Scoring: accuracy, macro-F1 and weighted-F1 on the gold primary label (an answer "
        "outside the label set, or none, counts as wrong), sample-averaged F1 and Jaccard on "
        "the multi-label layer, CCC against the gold traces.",
        "",
        "## License and citation",
        "",
        f"License: {inline(opts.license)}.",
        "",
    ]
    if opts.citation:
        lines += [*code_block(opts.citation), ""]
    return "\n".join(lines).rstrip() + "\n"
