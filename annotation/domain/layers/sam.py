"""The Self-Assessment Manikin (Bradley & Lang, 1994, J. Behav. Ther. Exp. Psychiatry
25(1):49-59): valence, arousal and dominance, each on the 1-9 pictorial scale. A value is
``{"valence": v, "arousal": a, "dominance": d}``."""

from annotation.domain.errors import _
from annotation.domain.layers.dimensional import Dimensional

DIMENSIONS = ("valence", "arousal", "dominance")


class SAM(Dimensional):
    name = "sam"
    DIMENSIONS = DIMENSIONS
    DIMENSION_NAMES = {
        "valence": _("valence"), "arousal": _("arousal"), "dominance": _("dominance"),
    }  # fmt: skip
    TITLE = "SAM"
    FIXED_SCALE = _("the Self-Assessment Manikin's scale is fixed (1–9 on each dimension)")
    UNKNOWN_DIMENSION = _("is not a dimension of the manikin")
