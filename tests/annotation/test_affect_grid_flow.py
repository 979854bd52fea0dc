"""A project with an Affect Grid layer from claim to score, and model drafts of it (the steps
any dimensional layer type goes through: ``dimensional_flow``)."""

import pytest
from dimensional_flow import claim_to_score, drafts_compared

from annotation.schema import default_label_schema
from factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)  # routing and builds start on commit

GRID_LAYER = {"name": "grid", "type": "affect_grid", "title": {"en": "Affect", "zh": "情感"},
              "required": True}  # fmt: skip
# Per clip, the three annotators' cells (valence, arousal).
CELLS = [
    [(7, 3), (8, 3), (7, 4)],
    [(2, 8), (1, 7), (3, 8)],
    [(5, 5), (5, 6), (4, 5)],
    [(9, 2), (8, 1), (9, 3)],
    [(3, 3), (2, 2), (3, 1)],
]


@pytest.fixture
def project(media_root):
    schema = default_label_schema()
    return ProjectFactory(
        slug="grid-study", label_schema={**schema, "layers": [*schema["layers"], GRID_LAYER]}
    )


def test_an_affect_grid_project_from_claim_to_score(project):
    ratings = [[{"valence": v, "arousal": a} for v, a in clip] for clip in CELLS]
    claim_to_score(project, "grid", "Affect", ratings)


def test_model_drafts_of_an_affect_grid_are_compared_and_their_anchoring_measured(
    project, tmp_path
):
    drafts_compared(project, "grid", ["valence", "arousal"], tmp_path)
