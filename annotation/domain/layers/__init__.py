"""The registry of layer types: the one place that knows which kinds of label layer exist.
Add a type by writing its module (a ``LayerType`` subclass) and listing it here."""

from annotation.domain.layers.affect_grid import AffectGrid
from annotation.domain.layers.base import LayerType
from annotation.domain.layers.multi import Multi
from annotation.domain.layers.ordinal import Ordinal
from annotation.domain.layers.sam import SAM
from annotation.domain.layers.single import Single

REGISTRY: dict[str, LayerType] = {
    kind.name: kind for kind in (Single(), Multi(), Ordinal(), SAM(), AffectGrid())
}


def layer_type(name: str) -> LayerType:
    """The layer type named ``name`` (a schema's ``type``); KeyError when unknown."""
    return REGISTRY[name]


def role_type(role: str) -> LayerType:
    """The layer type a segment role (primary, secondary, intensity) must name."""
    return next(kind for kind in REGISTRY.values() if kind.segment_role == role)
