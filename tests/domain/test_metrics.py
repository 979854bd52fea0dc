"""Each agreement statistic is named once, in ``annotation.domain.metrics``: the report's rows
exist in the reports the layer types compute, and no other module spells a name."""

import re
from pathlib import Path

import numpy as np
import pytest

from annotation.agreement.markdown import render_markdown
from annotation.domain.layers import REGISTRY, layer_type
from annotation.domain.layers.base import LabelTable, ReportContext
from annotation.domain.metrics import (
    LAYER_ROWS,
    METRICS,
    SUMMARY_KEYS,
    TRACES,
    UTTERANCE_HEADLINE,
    UTTERANCE_ROWS,
    UTTERANCE_SUMMARY,
)
from annotation.domain.schema import LabelSchema
from annotation.schema import default_label_schema

ROOT = Path(__file__).resolve().parents[2]
SAM_LAYER = {"name": "sam", "type": "sam", "required": True}
SCHEMA = LabelSchema.parse(
    {**default_label_schema(), "layers": [*default_label_schema()["layers"], SAM_LAYER]}
)


def test_every_listed_key_is_a_registered_metric_of_a_known_scope():
    listed = {k for rows in (LAYER_ROWS, UTTERANCE_ROWS, UTTERANCE_HEADLINE, UTTERANCE_SUMMARY)
              for keys in rows.values() for k in keys}  # fmt: skip
    assert listed | SUMMARY_KEYS <= set(METRICS)
    scopes = {*REGISTRY, "utterances", TRACES}
    for metric in METRICS.values():
        assert set(metric.applies_to) <= scopes, metric.key
        assert metric.en and metric.zh, metric.key
    assert set(LAYER_ROWS) <= set(REGISTRY)


def _report_of(kind: str) -> dict:
    rng = np.random.default_rng(7)
    layer = next(layer for layer in SCHEMA if layer.type == kind)
    items, raters = np.repeat(np.arange(6), 3), np.tile(np.arange(3), 6)
    payloads = [
        {"basic7": str(rng.choice(["Joy", "Fear"])),
         "goemotions": [str(rng.choice(["joy", "fear"]))],
         "intensity": int(rng.integers(1, 6)),
         "sam": {d: int(rng.integers(1, 10)) for d in ("valence", "arousal", "dominance")}}
        for _ in items
    ]  # fmt: skip
    table = LabelTable(
        items, raters, payloads, list(range(6)), [1, 2, 3], ["a", "b", "c"],
        np.zeros(6, dtype=np.int64), [], [None] * 6,
    )  # fmt: skip
    return layer_type(kind).report(layer, table, ReportContext(0.9, 0.8)).report


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_the_rows_a_layer_shows_are_figures_its_report_has(kind):
    figures = _report_of(kind)
    for step in layer_type(kind).figures_at:  # where the dashboard reads the headline
        figures = figures[step]
    assert set(LAYER_ROWS.get(kind, ())) <= set(figures)
    assert set(layer_type(kind).headline) <= set(figures)


def test_the_markdown_names_the_figures_as_the_registry_does():
    layers = {kind: _report_of(kind) for kind in REGISTRY}
    text = render_markdown(
        {"n_clips": 6, "n_annotations": 18, "n_annotators": 3, "layers": layers}, title="t"
    )
    for kind in REGISTRY:
        figures = layers[kind].get("overall", layers[kind])
        for key in LAYER_ROWS.get(kind, [k for k in METRICS if k in figures]):
            assert METRICS[key].text in text, (kind, key)
    assert "| items | Krippendorff α (ordinal) | Krippendorff α (interval) |" in text


def test_no_module_outside_the_registry_spells_a_metric_name():
    names = {m.en for m in METRICS.values() if "κ" in m.en or "α" in m.en or "Jaccard" in m.en}
    pattern = re.compile("|".join(re.escape(f'"{name}"') for name in names))
    registry = ROOT / "annotation" / "domain" / "metrics.py"
    found = [
        f"{path.relative_to(ROOT)}: {match.group()}"
        for top in ("annotation", "exports")
        for path in (ROOT / top).rglob("*.py")
        if path != registry and "migrations" not in path.parts
        for match in pattern.finditer(path.read_text())
    ]
    assert not found, found
