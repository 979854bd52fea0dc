"""The Affect Grid layer type: its value (field-named errors), aggregate and release cells, and
its report checked against independent computations (the ``krippendorff`` package fed a
reliability matrix; pingouin's intra-class correlations on the clips and panel the report
says it used)."""

import jsonschema
import krippendorff
import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from annotation.agreement.markdown import render_markdown
from annotation.domain.errors import DomainError
from annotation.domain.layers import layer_type
from annotation.domain.layers.base import LabelTable, ReportContext
from annotation.domain.schema import LabelSchema

# pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")

GRID = layer_type("affect_grid")
DIMS = ("valence", "arousal")
RAW = {"name": "grid", "type": "affect_grid", "title": {"en": "Feeling", "zh": "感受"}}
LAYER = LabelSchema.parse({"layers": [RAW]}).layer("grid")


def _error(value):
    with pytest.raises(DomainError) as caught:
        GRID.value(LAYER, value, "grid")
    return caught.value.field, caught.value.text()


def test_a_value_names_the_dimension_at_fault():
    assert GRID.value(LAYER, {"arousal": 3, "valence": 7}, "grid") == {"valence": 7, "arousal": 3}
    assert _error({"valence": 7}) == ("grid.arousal", "must be an integer")
    assert _error({"valence": 7, "arousal": 10}) == ("grid.arousal", "must be between 1 and 9")
    assert _error({"valence": 0, "arousal": 1}) == ("grid.valence", "must be between 1 and 9")
    assert _error({"valence": 2.0, "arousal": 1})[0] == "grid.valence"
    assert _error({"valence": True, "arousal": 1})[0] == "grid.valence"
    assert _error({"valence": 7, "arousal": 3, "dominance": 5}) == (
        "grid.dominance",
        "is not a dimension of the affect grid",
    )
    assert _error([7, 3]) == ("grid", "must be an object with valence, arousal")


def test_the_value_schema_accepts_what_the_type_accepts():
    schema = GRID.value_schema(LAYER)
    jsonschema.validate({"valence": 1, "arousal": 9}, schema)
    for bad in ({"valence": 1}, {"valence": 1, "arousal": 10}, {"valence": 1, "arousal": 2,
                                                                  "dominance": 3}):  # fmt: skip
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_the_grid_is_fixed():
    for key, value in (("min", 0), ("max", 7), ("labels", [])):
        with pytest.raises(DomainError) as caught:
            LabelSchema.parse({"layers": [{**RAW, key: value}]})
        assert caught.value.field == f"label_schema.layers[0].{key}"
        assert "Affect Grid" in caught.value.text()


def test_the_aggregate_is_the_lower_median_of_each_dimension():
    votes = [{"valence": 3, "arousal": 2}, {"valence": 7, "arousal": 8},
             {"valence": 5, "arousal": 9}, {"valence": 6, "arousal": 1}]  # fmt: skip
    assert GRID.aggregate(LAYER, votes[:3]) == {"grid": {"valence": 5, "arousal": 8}}
    assert GRID.aggregate(LAYER, votes) == {"grid": {"valence": 5, "arousal": 2}}
    assert GRID.vote(votes[0]) == (3, 2) != GRID.vote({"valence": 2, "arousal": 3})


def test_two_int64_release_columns():
    columns = GRID.release_columns(LAYER)
    assert [(c.name, c.type) for c in columns] == [("grid_valence", "int64"),
                                                   ("grid_arousal", "int64")]  # fmt: skip
    assert GRID.release_column_cells(LAYER, [{"valence": 2, "arousal": 8}, None]) == [
        [2, None],
        [8, None],
    ]


# 12 clips: clips 0-7 rated by raters 0, 1, 2; clips 8-10 by raters 1, 3; clip 11 by rater 2
# alone (unpairable). Each rating follows the clip's cell with rater noise.
N_RATERS = 4
PANELS = [(0, 1, 2)] * 8 + [(1, 3)] * 3 + [(2,)]


def _table(seed: int = 11) -> LabelTable:
    rng = np.random.default_rng(seed)
    truth = rng.integers(2, 9, size=(len(PANELS), 2))
    items, raters, payloads = [], [], []
    for clip, panel in enumerate(PANELS):
        for rater in panel:
            noisy = np.clip(truth[clip] + rng.integers(-1, 2, size=2), 1, 9)
            items.append(clip)
            raters.append(rater)
            payloads.append({"grid": dict(zip(DIMS, noisy.tolist(), strict=True))})
    return LabelTable(
        np.array(items), np.array(raters), payloads, list(range(len(PANELS))),
        list(range(N_RATERS)), [f"r{i}" for i in range(N_RATERS)],
        np.zeros(len(PANELS), dtype=np.int64), [], [None] * len(PANELS),
    )  # fmt: skip


def _matrix(table: LabelTable, dim: str) -> np.ndarray:
    """raters x clips, nan where a rater did not rate."""
    out = np.full((N_RATERS, len(PANELS)), np.nan)
    for item, rater, payload in zip(table.item, table.rater, table.payloads, strict=True):
        out[rater, item] = payload["grid"][dim]
    return out


def _pingouin(rows: np.ndarray, kind: str) -> float:
    """pingouin's ICC of ``kind`` for targets x raters."""
    n, k = rows.shape
    data = pd.DataFrame(
        {"clip": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n),
         "value": rows.ravel()}
    )  # fmt: skip
    table = pg.intraclass_corr(data, targets="clip", raters="rater", ratings="value")
    return float(table.set_index("Type").loc[kind, "ICC"])


def test_the_report_per_dimension_matches_independent_computations():
    table = _table()
    report = GRID.report(LAYER, table, ReportContext(0.9, 0.8)).report
    assert report["n_items"] == 11
    assert list(report["dimensions"]) == list(DIMS)
    for dim in DIMS:
        got, data = report["dimensions"][dim], _matrix(table, dim)
        for level in ("ordinal", "interval"):
            expected = krippendorff.alpha(
                data, value_domain=list(range(1, 10)), level_of_measurement=level
            )
            assert got[f"krippendorff_alpha_{level}"] == pytest.approx(expected, abs=1e-6)
        # ICC(1,1) over the clips with the usual number of raters (three: clips 0-7), each
        # clip's ratings in any order; ICC(A,1) over the largest panel (raters 0-2, clips 0-7).
        panel = data[:3, :8].T
        assert got["icc_1"] == pytest.approx(_pingouin(panel[:, ::-1], "ICC(1,1)"), abs=1e-6)
        assert got["icc_a1"] == pytest.approx(_pingouin(panel, "ICC(A,1)"), abs=1e-6)
        assert got["icc_a1_n_items"] == 8


def test_the_dashboard_groups_and_the_markdown_show_both_dimensions():
    report = GRID.report(LAYER, _table(), ReportContext(0.9, 0.8)).report
    for group, path in GRID.figure_groups(LAYER):
        figures = report
        for step in path:
            figures = figures[step]
        assert group == path[-1] and set(GRID.headline) <= set(figures)
    text = render_markdown(
        {"n_clips": 12, "n_annotations": 31, "n_annotators": 4, "layers": {"grid": report}},
        title="t",
    )
    assert "## grid (11 items)" in text
    assert "|  | valence | arousal |" in text
    assert "ICC(A,1), absolute agreement" in text


def test_pair_figures_per_dimension_and_on_the_cell():
    pairs = [({"valence": 7, "arousal": 3}, {"valence": 7, "arousal": 3}),
             ({"valence": 2, "arousal": 8}, {"valence": 2, "arousal": 7}),
             ({"valence": 5, "arousal": 5}, {"valence": 6, "arousal": 5})]  # fmt: skip
    got = GRID.pair_figures(LAYER, pairs)
    assert got["n"] == 3 and got["agreement"] == pytest.approx(1 / 3)
    assert got["dimensions"]["valence"]["agreement"] == pytest.approx(2 / 3)
    assert got["dimensions"]["arousal"]["agreement"] == pytest.approx(2 / 3)
