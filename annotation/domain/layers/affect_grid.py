"""The Affect Grid (Russell, Weiss & Mendelsohn, 1989, J. Pers. Soc. Psychol. 57(3):493-502):
one click on a 9 x 9 grid gives pleasure across (valence: 1 unpleasant .. 9 pleasant) and
arousal up (1 sleepy .. 9 aroused). A value is ``{"valence": v, "arousal": a}``."""

from annotation.domain.errors import _
from annotation.domain.layers.dimensional import Dimensional


class AffectGrid(Dimensional):
    name = "affect_grid"
    DIMENSIONS = ("valence", "arousal")
    DIMENSION_NAMES = {"valence": _("valence"), "arousal": _("arousal")}
    TITLE = "Affect Grid"
    FIXED_SCALE = _("the Affect Grid's scale is fixed (9 × 9 cells)")
    UNKNOWN_DIMENSION = _("is not a dimension of the affect grid")
