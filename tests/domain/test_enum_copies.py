"""The release pipeline is pure, so it spells the models' values itself: tie each copy to the
model it copies."""

from annotation.domain.schema import AGGREGATORS
from annotation.models import Provenance, Tier
from clips.models import Clip
from exports.pipeline import data


def test_the_pipeline_copies_are_the_models_values():
    assert set(data.TIERS) == set(Tier.values)
    assert set(data.PROVENANCES) == set(Provenance.values)
    assert data.ReleaseOptions().tiers == data.TIERS
    assert {"static", "stream"} == set(Clip.Kind.values)
    assert data.ReleaseData.__dataclass_fields__["aggregator"].default in AGGREGATORS
