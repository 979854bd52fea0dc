"""The agreement statistics, each named once: its key in the report, its label in English and
Chinese, the families it belongs to and how to read it. The report, its Markdown, the
dashboard and the report history's summary take names and headline sets from here.

A family is the set of figures one kind of computation gives (a single label's agreement, a
label set's, a scale's, the ICCs, the monologues' utterances, the traces). A layer type says
which families its report has (``LayerType.metric_families``), so a new type that reuses
existing figures names no type here."""

from dataclasses import dataclass
from typing import Literal

LABEL = "label"  # agreement on one label of several (single)
LABEL_SET = "label_set"  # agreement on a set of labels (multi)
SCALE = "scale"  # agreement on an ordinal scale (ordinal_report)
ICC = "icc"  # intra-class correlations of numbers on a scale (agreement.report.icc_figures)
UTTERANCES = "utterances"  # the per-utterance figures of streaming monologues
TRACES = "traces"
FAMILIES = (LABEL, LABEL_SET, SCALE, ICC, UTTERANCES, TRACES)


@dataclass(frozen=True, slots=True)
class Metric:
    key: str  # as the report stores it
    en: str
    zh: str
    families: tuple[str, ...]  # of ``FAMILIES``
    better: Literal["higher", "lower"] | None = "higher"
    range: tuple[float | None, float | None] = (-1.0, 1.0)
    fmt: str = ".3f"
    long: str | None = None  # the Markdown report's fuller English name, when it has one
    # The dashboard's name for the figure over utterances (en, zh), when it shows one.
    per_utterance: tuple[str, str] | None = None
    summary: bool = False  # listed in the report history's summary of a layer

    def label(self, language: str) -> str:
        return self.zh if language == "zh" else self.en

    def utterance_label(self, language: str) -> str:
        en, zh = self.per_utterance or (self.en, self.zh)
        return zh if language == "zh" else en

    @property
    def text(self) -> str:
        """The name the (English) Markdown report gives."""
        return self.long or self.en


_RATIO = (0.0, 1.0)

METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("n_items", "items", "条目数", (LABEL, LABEL_SET, SCALE, UTTERANCES),
               better=None, range=(0, None), fmt="d"),
        Metric("all_same_ratio", "all same", "全部一致", (LABEL, UTTERANCES), range=_RATIO),
        Metric("two_same_ratio", "two same", "两人一致", (LABEL,), better=None, range=_RATIO),
        Metric("all_different_ratio", "all different", "全部不同", (LABEL,), better="lower",
               range=_RATIO),
        Metric("fleiss_kappa", "Fleiss κ", "Fleiss κ", (LABEL, UTTERANCES), summary=True,
               per_utterance=("Fleiss κ per utterance", "逐句 Fleiss κ")),
        Metric("fleiss_kappa_time_weighted", "Fleiss κ, time-weighted", "Fleiss κ（按时长加权）",
               (UTTERANCES,),
               per_utterance=("Fleiss κ per utterance, time-weighted",
                              "逐句 Fleiss κ（按时长加权）")),
        Metric("cohen_kappa", "Cohen κ", "Cohen κ", (LABEL,)),
        Metric("cohen_kappa_mean", "pairwise Cohen κ (mean)", "两两 Cohen κ（均值）",
               (LABEL, UTTERANCES), summary=True,
               long="pairwise Cohen κ (mean weighted by shared items)"),
        Metric("krippendorff_alpha_nominal", "Krippendorff α (nominal)", "Krippendorff α（名义）",
               (LABEL,), summary=True),
        Metric("pairwise_agreement", "agreeing pairs", "一致的标注对", (UTTERANCES,), range=_RATIO),
        Metric("pairwise_agreement_time_weighted", "agreeing pairs, time-weighted",
               "一致的标注对（按时长加权）", (UTTERANCES,), range=_RATIO),
        Metric("jaccard_mean", "mean Jaccard", "平均 Jaccard", (LABEL_SET, UTTERANCES),
               range=_RATIO, summary=True, long="mean pairwise Jaccard"),
        Metric("jaccard_median", "median Jaccard", "Jaccard 中位数", (LABEL_SET,), range=_RATIO,
               long="median pairwise Jaccard"),
        Metric("jaccard_mean_time_weighted", "mean Jaccard, time-weighted",
               "平均 Jaccard（按时长加权）", (UTTERANCES,), range=_RATIO,
               per_utterance=("mean Jaccard per utterance, time-weighted",
                              "逐句平均 Jaccard（按时长加权）")),
        Metric("exact_match_ratio", "exact match", "完全一致", (LABEL_SET, UTTERANCES),
               range=_RATIO),
        Metric("overlap_ratio", "overlap", "有重叠", (LABEL_SET, UTTERANCES), range=_RATIO),
        Metric("identical_set_ratio", "identical-set pairs", "集合相同的标注对",
               (LABEL_SET, UTTERANCES), range=_RATIO),
        Metric("krippendorff_alpha_masi", "Krippendorff α (MASI)", "Krippendorff α（MASI）",
               (LABEL_SET, UTTERANCES), summary=True),
        Metric("krippendorff_alpha_ordinal", "Krippendorff α (ordinal)", "Krippendorff α（有序）",
               (SCALE, UTTERANCES), summary=True,
               per_utterance=("Krippendorff α per utterance (ordinal)",
                              "逐句 Krippendorff α（序数）")),
        Metric("krippendorff_alpha_interval", "Krippendorff α (interval)", "Krippendorff α（区间）",
               (SCALE, UTTERANCES), summary=True),
        Metric("icc_1", "ICC(1,1)", "ICC(1,1)", (ICC,),
               long="ICC(1,1), one-way random, clips with the usual number of raters"),
        Metric("icc_a1", "ICC(A,1)", "ICC(A,1)", (ICC,),
               long="ICC(A,1), absolute agreement, the largest panel of the same raters"),
        Metric("icc_a1_n_items", "items in the ICC(A,1) panel", "ICC(A,1) 所用条目数", (ICC,),
               better=None, range=(0, None), fmt="d"),
        Metric("mean_abs_difference", "mean |difference| (points)", "平均绝对差（分）",
               (UTTERANCES,), better="lower", range=(0, None)),
        Metric("mean_abs_difference_time_weighted", "mean |difference|, time-weighted",
               "平均绝对差（按时长加权）", (UTTERANCES,), better="lower", range=(0, None)),
        Metric("ccc_pairwise", "trace CCC", "连续曲线 CCC", (TRACES,)),
    )
}  # fmt: skip

# The figures shown for a layer's segment role in streaming monologues: on the dashboard, and
# in the report history's summary.
UTTERANCE_HEADLINE: dict[str, tuple[str, ...]] = {
    "primary": ("fleiss_kappa", "fleiss_kappa_time_weighted"),
    "secondary": ("jaccard_mean_time_weighted",),
    "intensity": ("krippendorff_alpha_ordinal",),
}
UTTERANCE_SUMMARY: dict[str, tuple[str, ...]] = {
    "primary": ("fleiss_kappa", "fleiss_kappa_time_weighted"),
    "secondary": ("jaccard_mean", "jaccard_mean_time_weighted"),
    "intensity": ("krippendorff_alpha_ordinal", "mean_abs_difference_time_weighted"),
}
# The Markdown report's rows for monologues, per role.
UTTERANCE_ROWS: dict[str, tuple[str, ...]] = {
    "primary": (
        "fleiss_kappa", "fleiss_kappa_time_weighted", "cohen_kappa_mean", "all_same_ratio",
        "pairwise_agreement", "pairwise_agreement_time_weighted",
    ),
    "secondary": ("jaccard_mean", "jaccard_mean_time_weighted", "krippendorff_alpha_masi"),
    "intensity": (
        "krippendorff_alpha_ordinal", "pairwise_agreement", "pairwise_agreement_time_weighted",
        "mean_abs_difference", "mean_abs_difference_time_weighted",
    ),
}  # fmt: skip
# The Markdown report's overall/per-batch rows of the label-choice families, in order; a
# layer of another family shows every registered figure its report has.
LAYER_ROWS: dict[str, tuple[str, ...]] = {
    LABEL: (
        "n_items", "all_same_ratio", "two_same_ratio", "all_different_ratio", "fleiss_kappa",
        "cohen_kappa_mean", "krippendorff_alpha_nominal",
    ),
    LABEL_SET: (
        "n_items", "jaccard_mean", "jaccard_median", "exact_match_ratio", "overlap_ratio",
        "identical_set_ratio", "krippendorff_alpha_masi",
    ),
}  # fmt: skip

SUMMARY_KEYS = frozenset(m.key for m in METRICS.values() if m.summary)


def metric(key: str) -> Metric:
    return METRICS[key]
