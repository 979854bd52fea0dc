"""The layer-type registry is the one place that knows the kinds of label layer: no module
outside ``annotation/domain`` branches on a layer's type."""

import re
from pathlib import Path

import pytest

from annotation.domain.layers import REGISTRY
from annotation.domain.layers.base import LayerType
from annotation.domain.metrics import METRICS

ROOT = Path(__file__).resolve().parents[2]
TYPES = "|".join(REGISTRY)
BRANCHES = [
    re.compile(r"""\[\s*["']type["']\s*\]\s*(==|!=|in\b|not in\b)"""),
    re.compile(r"""get\(\s*["']type["']\s*\)\s*(==|!=|in\b|not in\b)"""),
    re.compile(rf"""(==|!=)\s*["']({TYPES})["']"""),
    re.compile(rf"""["']({TYPES})["']\s*(==|!=|:)"""),
    re.compile(rf"""\bin\s*[(\[{{]\s*["']({TYPES})["']"""),
    re.compile(rf"""\.type\s*(==|!=)\s*["']({TYPES})["']"""),
    re.compile(rf"""\.get\(\s*["']({TYPES})["']"""),
]


def _sources() -> list[Path]:
    paths = [p for top in ("annotation", "clips", "exports") for p in (ROOT / top).rglob("*.py")]
    domain = ROOT / "annotation" / "domain"
    return sorted(p for p in paths if domain not in p.parents and "migrations" not in p.parts)


def test_the_patterns_catch_the_branches_they_are_for():
    for line in (
        'if layer["type"] == "single":',
        'kind = layer.get("type") in ("single", "multi")',
        'kinds = {"single": "string", "multi": "list<string>"}',
        "if kind == 'multi':",
        'if layer.type == "ordinal":',
        'primary=roles.get("primary") or by_type.get("single"),',
    ):
        assert any(p.search(line) for p in BRANCHES), line
    assert not any(p.search('"type": "single",') for p in BRANCHES)  # a schema's value
    assert not any(p.search('if column.type == "list<string>":') for p in BRANCHES)


def test_no_layer_type_branch_outside_the_registry():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if any(p.search(line) for p in BRANCHES)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("kind", REGISTRY.values(), ids=list(REGISTRY))
def test_each_type_is_complete(kind: LayerType):
    assert REGISTRY[kind.name] is kind
    assert kind.headline and all(key in METRICS for key in kind.headline)
    assert kind.metric_families
    assert all(set(METRICS[key].families) & set(kind.metric_families) for key in kind.headline)
    if kind.pair_figure is not None:
        assert kind.pair_figure.metric in METRICS
