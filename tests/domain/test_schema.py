"""The typed configuration: parsing the stored JSON round-trips, and a broken field is named
as the API has always named it, with the same message."""

import copy

import pytest

from annotation.domain.errors import DomainError
from annotation.domain.layers import REGISTRY
from annotation.domain.schema import LabelSchema, RoutingRule, TraceConfig
from annotation.errors import Invalid
from annotation.schema import (
    default_label_schema,
    default_routing_rule,
    default_trace_config,
    validate_label_schema,
    validate_routing_rule,
)

# A static-only schema of the shape the label-parser tests use (no ``segments``).
MOOD = {
    "layers": [
        {
            "name": "mood",
            "type": "single",
            "labels": [{"value": "up", "en": "Up", "zh": "好"}, {"value": "down"}],
            "required": False,
        },
        {"name": "level", "type": "ordinal", "min": 0, "max": 3, "required": False},
    ]
}


@pytest.mark.parametrize("raw", [default_label_schema(), MOOD], ids=["emos-default", "mood"])
def test_a_schema_round_trips_through_its_types(raw):
    schema = LabelSchema.parse(raw)
    assert schema.to_json() == raw
    assert LabelSchema.parse(schema.to_json()) == schema


def test_the_default_schema_reads_as_emos_does():
    schema = LabelSchema.parse(default_label_schema())
    basic7 = schema.layer("basic7")
    assert basic7 is not None and basic7.type == "single" and len(basic7.values) == 7
    assert basic7.classes[-1] == "Unsure" and basic7.zh["Anger"] == "愤怒"
    assert (schema.primary, schema.secondary, schema.intensity) == (
        "basic7", "goemotions", "intensity",
    )  # fmt: skip
    assert [layer.name for layer in schema.routing_candidates()] == [
        "basic7", "basic7", "goemotions",
    ]  # fmt: skip
    assert schema.bilingual("basic7", "Joy") == "Joy/喜悦"


def test_a_static_schema_takes_its_roles_from_the_first_layer_of_each_type():
    schema = LabelSchema.parse(MOOD)
    assert (schema.primary, schema.secondary, schema.intensity) == ("mood", None, "level")
    assert not schema.segments.stated


def _broken(path, value):
    raw = copy.deepcopy(default_label_schema())
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ([], "label_schema", "must be an object"),
        ({"layers": []}, "label_schema.layers", "needs at least one layer"),
        (
            _broken(["layers", 1, "labels", 0, "value"], "Unsure"),
            "label_schema.layers[1].labels[0].value",
            "must be a non-empty string other than 'Unsure'",
        ),
        (
            _broken(["layers", 0, "labels", 1, "value"], "Anger"),
            "label_schema.layers[0].labels[1].value",
            "duplicate label 'Anger'",
        ),
        (
            _broken(["layers", 2, "type"], "slider"),
            "label_schema.layers[2].type",
            f"must be one of {', '.join(REGISTRY)}",
        ),
        (
            _broken(["layers", 2, "max"], 1),
            "label_schema.layers[2]",
            "an ordinal layer needs integer min < max",
        ),
        (
            _broken(["segments", "secondary"], "basic7"),
            "label_schema.segments.secondary",
            "must name a multi layer",
        ),
        (
            _broken(["layers", 1, "name"], "basic7"),
            "label_schema.layers[1].name",
            "duplicate layer name 'basic7'",
        ),
    ],
)
def test_a_broken_schema_names_its_field(raw, field, message):
    with pytest.raises(DomainError) as caught:
        LabelSchema.parse(raw)
    assert (caught.value.field, caught.value.text()) == (field, message)
    with pytest.raises(Invalid) as invalid:  # the API's adapter: the same field and words
        validate_label_schema(raw)
    assert (invalid.value.field, invalid.value.message) == (field, message)


def test_the_type_error_lists_the_registered_types():
    with pytest.raises(DomainError) as caught:
        LabelSchema.parse(_broken(["layers", 0, "type"], "nope"))
    assert caught.value.params == {"choices": ", ".join(REGISTRY)}


def test_the_routing_rule_round_trips_and_holds_the_medium_default_once():
    rule = RoutingRule.parse(default_routing_rule())
    assert rule.to_json() == default_routing_rule()
    without = {k: v for k, v in default_routing_rule().items() if k != "medium_confidence"}
    assert RoutingRule.parse(without).medium_confidence == rule.medium_confidence == 0.8
    assert RoutingRule.of(without) == rule
    assert [rule.tier(c, False) for c in (0.95, 0.85, 0.5, None)] == [
        "high", "medium", "low", "low",
    ]  # fmt: skip
    assert rule.tier(0.1, True) == "high"


def test_a_stored_rule_below_the_medium_tier_still_reads():
    """Checked on save, read as stored: a floor under 0.8 empties the medium tier."""
    stored = {**default_routing_rule(), "min_confidence": 0.5}
    with pytest.raises(Invalid) as invalid:
        validate_routing_rule(stored)
    assert invalid.value.field == "routing_rule.medium_confidence"
    rule = RoutingRule.of(stored)
    assert rule.report_medium == 0.5 and rule.tier(0.6, False) == "high"


def test_the_trace_config_round_trips_and_names_its_fields():
    config = TraceConfig.parse(default_trace_config())
    assert config.to_json() == default_trace_config()
    assert [d.name for d in config.dimensions] == ["valence", "arousal"]
    with pytest.raises(DomainError) as caught:
        TraceConfig.parse({**default_trace_config(), "rate_hz": 0})
    assert (caught.value.field, caught.value.text()) == ("trace_config.rate_hz", "must be 1–100")
