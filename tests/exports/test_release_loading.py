"""A release loads in every config its card advertises, with Hugging Face ``datasets`` as a
user runs it — also when a table is empty (a project without monologues has no segments and
no traces) — and its card says what ``confidence`` is under the project's aggregator."""

import dataclasses
import re
from pathlib import Path

import datasets
import pandas as pd
import pytest
import yaml
from synthetic import synthetic_release

from exports.pipeline import ReleaseData, build_release


def _configs(release: Path) -> list[str]:
    match = re.match(r"---\n(.*?)\n---\n", (release / "README.md").read_text("utf-8"), re.S)
    assert match
    return [c["config_name"] for c in yaml.safe_load(match.group(1))["configs"]]


def _static_only(data: ReleaseData, **changes: object) -> ReleaseData:
    static = {c.clip_id for c in data.clips if c.kind == "static"}
    return dataclasses.replace(
        data,
        clips=[c for c in data.clips if c.clip_id in static],
        labels=[r for r in data.labels if r.clip_id in static],
        gold=[g for g in data.gold if g.clip_id in static],
        agreement=[],
        traces=[],
        gold_traces=[],
        **changes,
    )


@pytest.fixture(scope="module")
def static_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static") / "static-1.0.0"
    build_release(_static_only(synthetic_release()), out)
    return out


def test_every_advertised_config_loads_and_empty_tables_are_not_advertised(
    static_release, tmp_path
):
    configs = _configs(static_release)
    assert configs == ["clips", "labels", "labels_all", "gold"]
    for config in configs:
        loaded = datasets.load_dataset(
            str(static_release), config, cache_dir=str(tmp_path / "cache")
        )["full"]
        table = pd.read_parquet(static_release / "data" / f"{config}.parquet")
        assert loaded.num_rows == len(table) > 0, config
        assert loaded.column_names == list(table.columns), config
    # The empty tables are still there for pandas, with their columns, and the card says so.
    for name in ("segments", "agreement", "traces"):
        table = pd.read_parquet(static_release / "data" / f"{name}.parquet")
        assert len(table) == 0 and len(table.columns) > 3
    card = (static_release / "README.md").read_text("utf-8")
    assert (
        "Empty in this release, so not offered as configs: `data/segments.parquet`, "
        "`data/agreement.parquet`, `data/traces.parquet`"
    ) in card


@pytest.mark.parametrize(
    ("aggregator", "says", "never"),
    [
        ("majority", "share of the first-layer annotators", "posterior"),
        ("dawid_skene", "Dawid–Skene posterior", None),
    ],
)
def test_card_says_what_confidence_is(aggregator, says, never, tmp_path):
    out = tmp_path / "release"
    build_release(dataclasses.replace(synthetic_release(), aggregator=aggregator), out)
    card = (out / "README.md").read_text("utf-8")
    rows = [line for line in card.splitlines() if line.startswith("| `confidence` | float64")]
    assert len(rows) == 2  # gold and agreement
    assert all(says in row for row in rows)
    if never:
        assert never not in card.lower()
