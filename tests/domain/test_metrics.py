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
    FAMILIES,
    LAYER_ROWS,
    METRICS,
    SUMMARY_KEYS,
    TRACES,
    UTTERANCE_HEADLINE,
    UTTERANCE_ROWS,
    UTTERANCE_SUMMARY,
    UTTERANCES,
)
from annotation.domain.schema import LabelSchema
from annotation.schema import default_label_schema

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = default_label_schema()
# The default layers and one layer of every other registered type (a type whose layer needs
# more than a name is given in the default schema or here).
SCHEMA = LabelSchema.parse(
    {
        **DEFAULT,
        "layers": [
            *DEFAULT["layers"],
            *({"name": kind, "type": kind, "required": True} for kind in REGISTRY
              if kind not in {layer["type"] for layer in DEFAULT["layers"]}),
        ],
    }
)  # fmt: skip


def _sample(schema: dict, rng: np.random.Generator):
    """A random value the JSON Schema ``schema`` (a layer type's ``value_schema``) accepts."""
    if "enum" in schema:
        return str(rng.choice(schema["enum"]))
    if schema["type"] == "integer":
        return int(rng.integers(schema["minimum"], schema["maximum"] + 1))
    if schema["type"] == "array":
        return [_sample(schema["items"], rng)]
    assert schema["type"] == "object", schema
    return {key: _sample(sub, rng) for key, sub in schema["properties"].items()}


def _figure_sets(kind: str, report: dict) -> list[dict]:
    """The report's groups of figures, where the dashboard reads each group's headline."""
    sets = []
    for _group, path in layer_type(kind).figure_groups(SCHEMA.layer(_layer(kind).name)):
        figures = report
        for step in path:
            figures = figures[step]
        sets.append(figures)
    return sets


def test_every_listed_key_is_a_registered_metric_of_a_known_family():
    listed = {k for rows in (LAYER_ROWS, UTTERANCE_ROWS, UTTERANCE_HEADLINE, UTTERANCE_SUMMARY)
              for keys in rows.values() for k in keys}  # fmt: skip
    assert listed | SUMMARY_KEYS <= set(METRICS)
    for metric in METRICS.values():
        assert metric.families and set(metric.families) <= set(FAMILIES), metric.key
        assert metric.en and metric.zh, metric.key
    for family, keys in LAYER_ROWS.items():
        assert all(family in METRICS[key].families for key in keys), family
    declared = {family for kind in REGISTRY.values() for family in kind.metric_families}
    assert declared | {UTTERANCES, TRACES} == set(FAMILIES)  # each family is some type's
    assert set(LAYER_ROWS) <= declared


def _layer(kind: str):
    return next(layer for layer in SCHEMA if layer.type == kind)


def _report_of(kind: str) -> dict:
    rng = np.random.default_rng(7)
    items, raters = np.repeat(np.arange(6), 3), np.tile(np.arange(3), 6)
    payloads = [
        {layer.name: _sample(layer_type(layer.type).value_schema(layer), rng) for layer in SCHEMA}
        for _ in items
    ]
    table = LabelTable(
        items, raters, payloads, list(range(6)), [1, 2, 3], ["a", "b", "c"],
        np.zeros(6, dtype=np.int64), [], [None] * 6,
    )  # fmt: skip
    return layer_type(kind).report(_layer(kind), table, ReportContext(0.9, 0.8)).report


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_the_figures_a_layer_shows_are_figures_its_report_has_of_its_families(kind):
    families = set(layer_type(kind).metric_families)
    rows = {key for family in families for key in LAYER_ROWS.get(family, ())}
    for figures in _figure_sets(kind, _report_of(kind)):
        assert rows <= set(figures)
        assert set(layer_type(kind).headline) <= set(figures)
        registered = [key for key in figures if key in METRICS]
        assert registered, kind
        for key in registered:  # the report's figures are of the families the type declares
            assert families & set(METRICS[key].families), (kind, key)


def test_the_markdown_names_the_figures_as_the_registry_does():
    layers = {kind: _report_of(kind) for kind in REGISTRY}
    text = render_markdown(
        {"n_clips": 6, "n_annotations": 18, "n_annotators": 3, "layers": layers}, title="t"
    )
    for kind in REGISTRY:
        for figures in _figure_sets(kind, layers[kind]):
            for key in figures:
                if key in METRICS:
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
