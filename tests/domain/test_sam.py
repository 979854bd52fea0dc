"""The Self-Assessment Manikin layer type: its value, aggregate, release cells, and its report
checked against independent computations (the ``krippendorff`` package fed a reliability
matrix, the ICC from the ANOVA mean squares written out here, scikit-learn's Cohen κ)."""

import jsonschema
import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotation.agreement.markdown import render_markdown
from annotation.domain.errors import DomainError
from annotation.domain.layers import layer_type
from annotation.domain.layers.base import LabelTable, ReportContext
from annotation.domain.layers.sam import DIMENSIONS
from annotation.domain.schema import LabelSchema
from annotation.schema import default_label_schema

SAM = layer_type("sam")
RAW = {"name": "sam", "type": "sam", "title": {"en": "SAM", "zh": "自评小人"}, "required": True}
SCHEMA = LabelSchema.parse(
    {**default_label_schema(), "layers": [*default_label_schema()["layers"], RAW]}
)
LAYER = SCHEMA.layer("sam")


def _error(value):
    with pytest.raises(DomainError) as caught:
        SAM.value(LAYER, value, "sam")
    return caught.value.field, caught.value.text()


def test_a_value_names_the_dimension_at_fault():
    assert SAM.value(LAYER, {"dominance": 5, "valence": 7, "arousal": 3}, "sam") == {
        "valence": 7, "arousal": 3, "dominance": 5,
    }  # fmt: skip
    assert _error({"valence": 7, "dominance": 5}) == ("sam.arousal", "must be an integer")
    assert _error({"valence": 7, "arousal": 10, "dominance": 5}) == (
        "sam.arousal",
        "must be between 1 and 9",
    )
    assert _error({"valence": 0, "arousal": 1, "dominance": 5})[0] == "sam.valence"
    assert _error({"valence": True, "arousal": 1, "dominance": 5})[0] == "sam.valence"
    assert _error({"valence": 7, "arousal": 3, "dominance": 5, "joy": 1}) == (
        "sam.joy",
        "is not a dimension of the manikin",
    )
    assert _error(7) == ("sam", "must be an object with valence, arousal, dominance")


def test_the_value_schema_accepts_what_the_type_accepts():
    schema = SAM.value_schema(LAYER)
    jsonschema.validate({"valence": 1, "arousal": 9, "dominance": 5}, schema)
    for bad in ({"valence": 1, "arousal": 9}, {"valence": 1, "arousal": 10, "dominance": 5}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_the_scale_is_fixed():
    for key, value in (("min", 0), ("max", 7), ("labels", [])):
        with pytest.raises(DomainError) as caught:
            LabelSchema.parse({"layers": [{**RAW, key: value}]})
        assert caught.value.field == f"label_schema.layers[0].{key}"


def test_the_aggregate_is_the_lower_median_of_each_dimension():
    votes = [
        {"valence": 3, "arousal": 2, "dominance": 9},
        {"valence": 7, "arousal": 8, "dominance": 1},
        {"valence": 5, "arousal": 8, "dominance": 4},
        {"valence": 6, "arousal": 1, "dominance": 4},
    ]
    assert SAM.aggregate(LAYER, votes[:3]) == {"sam": {"valence": 5, "arousal": 8, "dominance": 4}}
    assert SAM.aggregate(LAYER, votes) == {"sam": {"valence": 5, "arousal": 2, "dominance": 4}}
    assert SAM.vote(votes[0]) == (3, 2, 9) != SAM.vote(votes[1])


def test_one_release_column_per_dimension():
    columns = SAM.release_columns(LAYER)
    assert [(c.name, c.type) for c in columns] == [
        ("sam_valence", "int64"), ("sam_arousal", "int64"), ("sam_dominance", "int64"),
    ]  # fmt: skip
    given = [{"valence": 2, "arousal": 4, "dominance": 6}, None, {"valence": "2", "arousal": 5}]
    assert SAM.release_column_cells(LAYER, given) == [
        [2, None, None],
        [4, None, 5],
        [6, None, None],
    ]


# 10 clips: clips 0-6 rated by raters 0, 1, 2; clips 7-8 by raters 1, 2, 3; clip 9 by rater 0
# alone (unpairable). Each dimension's ratings follow the clip with rater noise.
N_CLIPS, N_RATERS = 10, 4
PANELS = [(0, 1, 2)] * 7 + [(1, 2, 3)] * 2 + [(0,)]


def _table(seed: int = 3) -> LabelTable:
    rng = np.random.default_rng(seed)
    truth = rng.integers(2, 9, size=(N_CLIPS, 3))
    items, raters, payloads = [], [], []
    for clip, panel in enumerate(PANELS):
        for rater in panel:
            noisy = np.clip(truth[clip] + rng.integers(-1, 2, size=3), 1, 9)
            items.append(clip)
            raters.append(rater)
            payloads.append({"sam": dict(zip(DIMENSIONS, noisy.tolist(), strict=True))})
    return LabelTable(
        np.array(items), np.array(raters), payloads, list(range(N_CLIPS)),
        list(range(N_RATERS)), [f"r{i}" for i in range(N_RATERS)],
        np.zeros(N_CLIPS, dtype=np.int64), [], [None] * N_CLIPS,
    )  # fmt: skip


def _matrix(table: LabelTable, dim: str) -> np.ndarray:
    """raters x clips, nan where a rater did not rate."""
    out = np.full((N_RATERS, N_CLIPS), np.nan)
    for item, rater, payload in zip(table.item, table.rater, table.payloads, strict=True):
        out[rater, item] = payload["sam"][dim]
    return out


def _icc_1(rows: np.ndarray) -> float:
    """Shrout & Fleiss ICC(1,1) of targets x k ratings: one-way ANOVA."""
    n, k = rows.shape
    msr = k * ((rows.mean(axis=1) - rows.mean()) ** 2).sum() / (n - 1)
    msw = ((rows - rows.mean(axis=1, keepdims=True)) ** 2).sum() / (n * (k - 1))
    return float((msr - msw) / (msr + (k - 1) * msw))


def _icc_a1(rows: np.ndarray) -> float:
    """McGraw & Wong ICC(A,1) of targets x raters: two-way ANOVA."""
    n, k = rows.shape
    grand = rows.mean()
    msr = k * ((rows.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((rows.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = rows - rows.mean(axis=1, keepdims=True) - rows.mean(axis=0) + grand
    mse = (resid**2).sum() / ((n - 1) * (k - 1))
    return float((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n))


def test_the_report_per_dimension_matches_independent_computations():
    """To the report's six decimals."""
    table = _table()
    report = SAM.report(LAYER, table, ReportContext(0.9, 0.8)).report
    assert report["n_items"] == 9
    assert set(report["dimensions"]) == set(DIMENSIONS)
    for dim in DIMENSIONS:
        got, data = report["dimensions"][dim], _matrix(table, dim)
        for level in ("ordinal", "interval"):
            expected = krippendorff.alpha(
                data, value_domain=list(range(1, 10)), level_of_measurement=level
            )
            assert got[f"krippendorff_alpha_{level}"] == pytest.approx(expected, abs=1e-6)
        rated = [c for c in range(N_CLIPS) if np.isfinite(data[:, c]).sum() == 3]
        rows = np.array([data[np.isfinite(data[:, c]), c] for c in rated])
        assert got["icc_1"] == pytest.approx(_icc_1(rows), abs=1e-6)
        panel = data[:3, :7].T  # the largest panel: raters 0-2 on clips 0-6
        assert got["icc_a1"] == pytest.approx(_icc_a1(panel), abs=1e-6)
        assert got["icc_a1_n_items"] == 7


def test_the_anova_formulas_here_give_the_published_example():
    """Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges; ICC(1,1) = .17, ICC(2,1) = .29."""
    rows = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
        dtype=float,
    )
    assert round(_icc_1(rows), 2) == 0.17
    assert round(_icc_a1(rows), 2) == 0.29


def test_the_dashboard_groups_and_the_markdown_show_every_dimension():
    report = SAM.report(LAYER, _table(), ReportContext(0.9, 0.8)).report
    for group, path in SAM.figure_groups(LAYER):
        figures = report
        for step in path:
            figures = figures[step]
        assert group == path[-1] and set(SAM.headline) <= set(figures)
    text = render_markdown(
        {"n_clips": 10, "n_annotations": 28, "n_annotators": 4, "layers": {"sam": report}},
        title="t",
    )
    assert "## sam (9 items)" in text
    assert "|  | valence | arousal | dominance |" in text
    assert "ICC(A,1), absolute agreement" in text


def test_pair_figures_per_dimension_and_on_the_whole():
    rng = np.random.default_rng(5)
    pairs = [
        tuple({d: int(v) for d, v in zip(DIMENSIONS, rng.integers(3, 6, 3), strict=True)}
              for _ in range(2))
        for _ in range(30)
    ]  # fmt: skip
    pairs[:4] = [(pairs[i][0], pairs[i][0]) for i in range(4)]
    got = SAM.pair_figures(LAYER, pairs)
    kappas = [
        cohen_kappa_score([a[d] for a, _ in pairs], [b[d] for _, b in pairs]) for d in DIMENSIONS
    ]
    identical = sum(all(a[d] == b[d] for d in DIMENSIONS) for a, b in pairs)
    assert got["n"] == 30 and got["agreement"] == pytest.approx(identical / 30)
    assert identical >= 4
    for dim, kappa in zip(DIMENSIONS, kappas, strict=True):
        assert got["dimensions"][dim]["kappa"] == pytest.approx(kappa, abs=1e-6)
    assert got["kappa"] == pytest.approx(np.mean(kappas), abs=1e-6)
    assert SAM.pair_figures(LAYER, []) == {
        "n": 0, "agreement": None, "kappa": None,
        "dimensions": {d: {"n": 0, "agreement": None, "kappa": None} for d in DIMENSIONS},
    }  # fmt: skip
