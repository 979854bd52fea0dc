"""The CH-SIMS v2 batch-1 sheets (../shared/emos) as the platform's importer reads them, and
the project's default routing rule on label codes: shared by the replay test and benchmark."""

from functools import cache
from pathlib import Path

import numpy as np

from annotation.importers.labels import BASIC7_LAYER, Vocabulary, read_emos_xlsx
from annotation.routing import decide_static
from annotation.schema import BASIC7, default_label_schema, default_routing_rule

BATCH1 = Path(__file__).resolve().parents[3] / "shared" / "emos" / "ch-simsv2" / "first-2500"
SCHEMA = default_label_schema()
CLASSES = [value for value, _ in BASIC7]
FIXED_K_LABELS = 7497  # 2,499 clips x 3 annotators


@cache
def sheets() -> np.ndarray:
    """Clips x (a1, a2, a3) Basic-7 codes, -1 where an annotator has no label."""
    vocab = Vocabulary.from_schema(SCHEMA)
    by_annotator = {
        name: {r.clip.external_id: r.payload[BASIC7_LAYER]
               for r in read_emos_xlsx(BATCH1 / f"{name}.xlsx", vocab).records}
        for name in ("a1", "a2", "a3")
    }  # fmt: skip
    clips = sorted(set().union(*by_annotator.values()))
    return np.array(
        [[CLASSES.index(labels[c]) if c in labels else -1 for labels in by_annotator.values()]
         for c in clips]
    )  # fmt: skip


def route(labels: list[int]) -> int | None:
    """The project's default routing rule on a clip's labels: its gold code, or None."""
    payloads = [{BASIC7_LAYER: CLASSES[code]} for code in labels]
    decision = decide_static(SCHEMA, default_routing_rule(), payloads)
    return CLASSES.index(decision.aggregate[BASIC7_LAYER]) if decision.accepted else None
