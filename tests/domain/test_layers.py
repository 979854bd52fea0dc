"""Each layer type on its own: validating and normalising a value, aggregating votes, encoding
for the agreement engine, its release cells and the JSON Schema of its value."""

import jsonschema
import numpy as np
import pytest

from annotation.agreement.categorical import fleiss_kappa
from annotation.domain.errors import DomainError
from annotation.domain.layers import REGISTRY, layer_type, role_type
from annotation.domain.layers.base import LabelTable, ReportContext
from annotation.domain.schema import LabelSchema
from annotation.schema import default_label_schema

SCHEMA = LabelSchema.parse(default_label_schema())
BASIC7, GOEMOTIONS, INTENSITY = (SCHEMA.layer(n) for n in ("basic7", "goemotions", "intensity"))


def _error(layer, value):
    with pytest.raises(DomainError) as caught:
        layer_type(layer.type).value(layer, value, "f")
    return caught.value.field, caught.value.text()


def test_single_takes_one_label_or_unsure():
    single = layer_type("single")
    assert single.value(BASIC7, "Joy", "f") == "Joy"
    assert single.value(BASIC7, "Unsure", "f") == "Unsure"
    assert _error(BASIC7, "joy") == ("f", "'joy' is not a label of basic7")
    assert _error(BASIC7, ["Joy"]) == ("f", "['Joy'] is not a label of basic7")


def test_multi_keeps_schema_order_and_refuses_repeats_and_mixed_unsure():
    multi = layer_type("multi")
    assert multi.value(GOEMOTIONS, ["joy", "admiration"], "f") == ["admiration", "joy"]
    assert _error(GOEMOTIONS, "joy") == ("f", "must be a list of labels")
    assert _error(GOEMOTIONS, ["joy", "glee"]) == ("f", "not labels of goemotions: glee")
    assert _error(GOEMOTIONS, ["joy", "joy"]) == ("f", "a label is repeated")
    assert _error(GOEMOTIONS, ["joy", "Unsure"]) == ("f", "'Unsure' cannot be combined with labels")
    with pytest.raises(DomainError, match="choose at least one label"):
        multi.check_complete(GOEMOTIONS, [], "f")
    multi.check_complete(GOEMOTIONS, ["joy"], "f")


def test_ordinal_takes_an_integer_on_its_scale():
    ordinal = layer_type("ordinal")
    assert ordinal.value(INTENSITY, 5, "f") == 5
    assert _error(INTENSITY, True) == ("f", "must be an integer")
    assert _error(INTENSITY, 6) == ("f", "must be between 1 and 5")


def test_each_type_aggregates_its_votes():
    single, multi, ordinal = (layer_type(n) for n in ("single", "multi", "ordinal"))
    assert single.aggregate(BASIC7, ["Joy", "Joy", "Fear"]) == {"basic7": "Joy"}
    assert single.aggregate(BASIC7, ["Joy", "Fear"]) == {}  # a tie has no winner
    got = multi.aggregate(GOEMOTIONS, [["joy", "pride"], ["joy"], ["pride", "love"]])
    assert got == {
        "goemotions": ["joy", "pride"],
        "goemotions_soft": {"joy": 0.666667, "love": 0.333333, "pride": 0.666667},
    }
    assert ordinal.aggregate(INTENSITY, [1, 4, 5, 2]) == {"intensity": 2}  # lower median
    assert multi.vote(["joy", "pride"]) == ("joy", "pride") and single.vote("Joy") == "Joy"


def _table(payloads, items, raters):
    n_items, n_raters = max(items) + 1, max(raters) + 1
    return LabelTable(
        item=np.array(items, dtype=np.int64),
        rater=np.array(raters, dtype=np.int64),
        payloads=payloads,
        clip_ids=list(range(n_items)),
        rater_ids=list(range(n_raters)),
        rater_names=[f"r{i}" for i in range(n_raters)],
        batches=np.zeros(n_items, dtype=np.int64),
        batch_names=[],
        gold=[None] * n_items,
    )


VOTES = [["Joy", "Joy", "Fear"], ["Anger", "Anger", "Anger"], ["Sadness", "Joy", "Sadness"]]
TABLE = _table(
    [{"basic7": v, "goemotions": [v.lower()], "intensity": 1 + (i + r) % 5}
     for i, row in enumerate(VOTES) for r, v in enumerate(row)],
    [i for i, row in enumerate(VOTES) for _ in row],
    [r for row in VOTES for r in range(len(row))],
)  # fmt: skip
CONTEXT = ReportContext(high=0.9, medium=0.8)


def test_single_encodes_labels_as_class_codes_for_the_engine():
    ratings = layer_type("single").ratings(BASIC7, TABLE)
    classes = list(BASIC7.classes)
    assert ratings.label.tolist() == [classes.index(v) for row in VOTES for v in row]
    done = layer_type("single").report(BASIC7, TABLE, CONTEXT)
    assert done.report["overall"]["fleiss_kappa"] == pytest.approx(fleiss_kappa(ratings))
    assert done.model is not None and done.model["classes"] == classes
    assert set(done.model["confusion"]) == {"0", "1", "2"}


def test_multi_and_ordinal_reports_cover_their_items():
    multi = layer_type("multi").report(GOEMOTIONS, TABLE, CONTEXT)
    assert multi.model is None and multi.report["coverage"]["n_items"] == 3
    # one label per set: only the all-Anger item has identical sets; 1 + 3 + 1 of 9 pairs agree
    assert multi.report["overall"]["exact_match_ratio"] == pytest.approx(1 / 3)
    assert multi.report["overall"]["identical_set_ratio"] == pytest.approx(5 / 9)
    ordinal = layer_type("ordinal").report(INTENSITY, TABLE, CONTEXT)
    assert ordinal.report["n_items"] == 3 and "krippendorff_alpha_interval" in ordinal.report
    pair = np.array([0, 0]), np.array([0, 1])
    codes = layer_type("ordinal").ratings(INTENSITY, *pair, [1, 5], 3, 3)
    assert codes.label.tolist() == [0, 4] and codes.n_classes == 5


@pytest.mark.parametrize(
    ("layer", "good", "bad"),
    [
        (BASIC7, ["Joy", "Unsure"], ["joy", 3]),
        (GOEMOTIONS, [["joy"], [], ["Unsure"]], ["joy", ["glee"], ["joy", "joy"]]),
        (INTENSITY, [1, 5], [0, 6, "3"]),
    ],
    ids=["single", "multi", "ordinal"],
)
def test_the_value_schema_accepts_what_the_type_accepts(layer, good, bad):
    schema = layer_type(layer.type).value_schema(layer)
    for value in good:
        layer_type(layer.type).value(layer, value, "f")
        jsonschema.validate(value, schema)
    for value in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, schema)


def test_release_columns_and_cells():
    single, multi, ordinal = (layer_type(n) for n in ("single", "multi", "ordinal"))
    assert [(c.name, c.type) for c in single.release_columns(BASIC7)] == [("basic7", "string")]
    assert [c.type for c in multi.release_columns(GOEMOTIONS)] == ["list<string>"]
    assert [c.type for c in ordinal.release_columns(INTENSITY)] == ["int64"]
    assert single.release_column_cells(BASIC7, [["Joy"], "Joy", None]) == [[None, "Joy", None]]
    assert multi.release_column_cells(GOEMOTIONS, [["joy"], "joy"]) == [[["joy"], None]]
    assert ordinal.release_column_cells(INTENSITY, ["3", 3]) == [[None, 3]]


def test_import_names_carry_both_languages_and_unsure():
    names = dict(layer_type("single").import_names(BASIC7))
    assert names["Anger"] == ["Anger", "愤怒"] and names["Unsure"] == ["不确定"]
    assert layer_type("ordinal").import_names(INTENSITY) == []


def test_each_segment_role_has_one_type():
    roles = [kind.segment_role for kind in REGISTRY.values() if kind.segment_role]
    assert sorted(roles) == sorted(set(roles)) == ["intensity", "primary", "secondary"]
    assert role_type("primary").name == "single"
