"""The Markdown agreement report's section headings say what kind of agreement each layer's
figures are (the ordinal one lost its "(ordinal)" in the registry refactor)."""

import numpy as np

from annotation.agreement.categorical import Ratings
from annotation.agreement.markdown import render_markdown
from annotation.agreement.report import ordinal_report


def test_an_ordinal_layers_section_says_ordinal():
    items, raters = np.repeat(np.arange(4), 2), np.tile(np.arange(2), 4)
    values = np.array([1, 2, 3, 3, 5, 4, 2, 2])
    report = ordinal_report(Ratings(items, raters, values - 1, 4, 2, 5), values=[1, 2, 3, 4, 5])
    text = render_markdown(
        {"n_clips": 4, "n_annotations": 8, "n_annotators": 2, "layers": {"intensity": report}},
        title="t",
    )
    assert "## intensity (ordinal)\n" in text
    assert "| items | Krippendorff α (ordinal) | Krippendorff α (interval) |" in text
