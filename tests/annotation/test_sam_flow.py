"""A project with a Self-Assessment Manikin layer from claim to score, and model drafts of it
(the steps any dimensional layer type goes through: ``dimensional_flow``)."""

import pytest
from dimensional_flow import claim_to_score, drafts_compared

from annotation.schema import default_label_schema
from factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)  # routing and builds start on commit

SAM_LAYER = {"name": "sam", "type": "sam", "title": {"en": "SAM", "zh": "自评小人"},
             "required": True}  # fmt: skip
# Per clip, the three annotators' (valence, arousal, dominance).
RATINGS = [
    [(7, 3, 5), (8, 3, 6), (7, 4, 5)],
    [(2, 8, 3), (1, 7, 3), (3, 8, 2)],
    [(5, 5, 5), (5, 6, 4), (4, 5, 5)],
    [(9, 2, 7), (8, 1, 8), (9, 3, 7)],
]


@pytest.fixture
def project(media_root):
    schema = default_label_schema()
    return ProjectFactory(
        slug="sam-study", label_schema={**schema, "layers": [*schema["layers"], SAM_LAYER]}
    )


def test_a_sam_project_from_claim_to_score(project):
    ratings = [
        [{"valence": v, "arousal": a, "dominance": d} for v, a, d in clip] for clip in RATINGS
    ]
    claim_to_score(project, "sam", "SAM", ratings)


def test_model_drafts_of_a_sam_layer_are_compared_and_their_anchoring_measured(project, tmp_path):
    drafts_compared(project, "sam", ["valence", "arousal", "dominance"], tmp_path)
