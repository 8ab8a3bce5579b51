"""A label's exact counts in one split's TFDV statistics, for both label forms, or a DataError.

``label_distribution``: one label per example; ``prevalence_from_statistics``: an ``'ids'``
label set; ``pool``: a window by split name. Summaries that lose classes are refused
("Labels TFDV cannot count" in docs/class_distribution_validator.md).
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Mapping, Sequence

import numpy as np
from tensorflow_metadata.proto.v0 import statistics_pb2

from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.labels import (
    FLOAT_LABEL_FIX,
    ClassValue,
    empty_label_error,
    sorted_classes,
)
from tfx_balance.core.common.wire import LENGTH_DELIMITED, delimited, fields, varint

MAX_MOMENT_CLASSES = 4  # numeric int labels: most consecutive values solvable exactly
EXACT_FLOAT_INT = 2**53  # float64 holds every integer below this exactly
NON_UTF8_PLACEHOLDER = '__BYTES_VALUE__'  # tfdv.constants: all non-UTF-8 values, in one name
LARGE_BYTES_PLACEHOLDER = '__LARGE_BYTES__'  # tfdv.constants: all long values, in one name


@dataclasses.dataclass(frozen=True)
class LabelDistribution:
    """Exact per-class counts of the label in one split."""

    split: str
    counts: Dict[ClassValue, int]  # in sorted_classes order, only classes with count > 0
    source: str  # 'rank_histogram' | 'top_values' | 'numeric_moments'

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, value: ClassValue) -> float:
        return self.counts.get(value, 0) / self.total if self.total else 0.0


@dataclasses.dataclass(frozen=True)
class LabelPrevalence:
    """Per-label example counts of a multi-label feature in one split (``share``: prevalence)."""

    split: str
    counts: Dict[ClassValue, int]  # examples carrying each label (sorted, only counts > 0)
    examples: int
    label_values: int  # labels over all examples (sum of counts)
    unlabeled: int | None  # examples with no label; None when the statistics cannot tell
    source: str  # 'rank_histogram' | 'top_values' | 'examples'
    width: int | None = None  # 'multi_hot': the vector length

    @property
    def total(self) -> int:
        return self.examples

    def share(self, value: ClassValue) -> float:
        return self.counts.get(value, 0) / self.examples if self.examples else 0.0

    @property
    def cardinality(self) -> float:
        return self.label_values / self.examples if self.examples else 0.0


def label_distribution(stats, label_feature: str, split: str) -> LabelDistribution:
    """The exact label counts of one split's (unsliced) statistics, or a ``DataError``."""
    feature = _find_feature(_single_dataset(stats, split), label_feature, split)
    kind = feature.WhichOneof('stats')
    is_int = feature.type == statistics_pb2.FeatureNameStatistics.INT
    if feature.type == statistics_pb2.FeatureNameStatistics.FLOAT:
        raise DataError(
            f"label_feature '{label_feature}' is a float feature in split '{split}'; class "
            f'labels must be int64 or bytes (string). {FLOAT_LABEL_FIX}'
        )
    if kind == 'string_stats':
        return _from_string_stats(feature.string_stats, is_int, label_feature, split)
    if kind == 'num_stats' and is_int:
        return _from_numeric_stats(feature.num_stats, label_feature, split)
    raise DataError(
        f"the statistics of label_feature '{label_feature}' in split '{split}' hold no "
        f'per-class information (stats kind {kind!r}); expected string statistics (string or '
        'categorical int label) or numeric statistics of an int label.'
    )


def prevalence_from_statistics(stats, label_feature: str, split: str) -> LabelPrevalence:
    """The prevalence of a multi-label ``'ids'`` feature from one split's TFDV statistics.

    Example (int ids need ``label_stats_options('tags')``)::
        stats = tfdv.generate_statistics_from_tfrecord('train.tfrecord')
        prevalence_from_statistics(stats, 'tags', 'train').share(b'cat')  # e.g. 0.25
    """
    stats = _single_dataset(stats, split)
    feature = _find_feature(stats, label_feature, split)
    kind = feature.WhichOneof('stats')
    if kind != 'string_stats':
        int_fix = (
            'StatisticsGen(stats_options=tfx_balance.label_stats_options('
            f"'{label_feature}')), or a schema with int_domain {{ is_categorical: true }} on it "
            f"(tfx_balance.label_schema('{label_feature}')) as StatisticsGen's schema; or pass "
            'examples= to the validator to count the ids from the examples'
        )
        raise DataError(
            f"the statistics of multi-label feature '{label_feature}' in split '{split}' are "
            f'{kind or "empty"} (feature type '
            f'{statistics_pb2.FeatureNameStatistics.Type.Name(feature.type)}), which hold no '
            "per-label counts; multi_label='ids' needs string statistics (bytes label names, or "
            f'int ids StatisticsGen treated as categorical). Fix: {int_fix}.'
        )
    is_int = feature.type == statistics_pb2.FeatureNameStatistics.INT
    string_stats = feature.string_stats
    source, counts, total, _ = _string_counts(string_stats, is_int, label_feature, split, 'ids')
    if source:
        return LabelPrevalence(
            split=split,
            counts=counts,
            examples=int(stats.num_examples),
            label_values=total,
            unlabeled=_unlabeled(string_stats.common_stats),
            source=source,
        )
    raise DataError(
        f"the statistics of split '{split}' list only part of multi-label feature "
        f"'{label_feature}': the rank histogram and top values cover fewer than its {total} "
        f'label values in about {string_stats.unique} labels, so the per-label prevalence cannot '
        'be recovered. Give StatisticsGen stats_options=tfdv.StatsOptions('
        'num_rank_histogram_buckets=<more than the number of labels>), or pass examples= to the '
        'validator to count the labels from the examples.'
    )


def label_statistics(serialized: bytes, label_feature: str):
    """A split's statistics from ``FeatureStats.pb`` bytes, parsing only ``label_feature``'s
    (all of it when the label is not found, so that the error names every feature).

    Example::
        with open('Split-train/FeatureStats.pb', 'rb') as f:
            label_distribution(label_statistics(f.read(), 'label'), 'label', 'train')
    """
    statistics = statistics_pb2.DatasetFeatureStatisticsList
    name, paths = _name_fields(label_feature)
    try:
        kept = b''.join(
            _field(_DATASETS, _label_dataset(serialized, value, end, name, paths))
            if number == _DATASETS
            else serialized[start:end]
            for number, _, start, value, end in fields(serialized, 0, len(serialized))
        )
    except (IndexError, ValueError):  # not a valid message: protobuf's parse says why
        return statistics.FromString(serialized)
    parsed = statistics.FromString(kept)
    if all(
        any(_feature_name(f) == label_feature for f in dataset.features)
        for dataset in parsed.datasets
    ):
        return parsed
    return statistics.FromString(serialized)


# Field numbers of statistics.proto: DatasetFeatureStatisticsList.datasets,
# DatasetFeatureStatistics.features and .cross_features, FeatureNameStatistics.name and .path,
# Path.step.
_DATASETS, _FEATURES, _CROSS_FEATURES, _NAME, _PATH, _STEP = 1, 3, 5, 1, 8, 1


def _name_fields(label_feature: str) -> tuple:
    """The serialized ``name`` and ``path`` fields a feature named ``label_feature`` may have."""
    steps = [label_feature.split('.'), [label_feature]]
    paths = {
        _field(_PATH, b''.join(_field(_STEP, step.encode()) for step in path)) for path in steps
    }
    return _field(_NAME, label_feature.encode()), tuple(paths)


def _label_dataset(data: bytes, start: int, end: int, name: bytes, paths: tuple) -> bytes:
    """The serialized dataset ``data[start:end]`` with only the label's features."""
    kept = []
    for number, _, begin, value, stop in fields(data, start, end):
        if number == _FEATURES:
            if not data.startswith(name, value, stop) and not any(
                data.endswith(path, value, stop) for path in paths
            ):
                continue
        elif number == _CROSS_FEATURES:
            continue
        kept.append(data[begin:stop])
    return b''.join(kept)


def _field(number: int, payload: bytes) -> bytes:
    """Field ``number`` holding ``payload`` (bytes, a string or a message), serialized."""
    return delimited(varint(number << 3 | LENGTH_DELIMITED), payload)


def _unlabeled(common) -> int | None:
    """Examples with no label value, when the statistics determine it exactly."""
    non_missing, values = int(common.num_non_missing), int(common.tot_num_values)
    if non_missing == 0 or common.min_num_values >= 1:
        empty = 0
    elif common.max_num_values <= 1:
        empty = non_missing - values  # every present list holds 0 or 1 value
    else:
        return None  # empty lists and longer lists: only a quantile sketch counts the empties
    return int(common.num_missing) + empty


def _feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return '.'.join(feature.path.step) if feature.path.step else feature.name


def _single_dataset(stats, split: str):
    """The one dataset of a ``DatasetFeatureStatisticsList`` (or ``stats`` itself)."""
    if isinstance(stats, statistics_pb2.DatasetFeatureStatisticsList):
        if len(stats.datasets) != 1:
            raise DataError(
                f"the statistics of split '{split}' hold {len(stats.datasets)} datasets; "
                'expected exactly one (unsliced statistics, as StatisticsGen writes them).'
            )
        return stats.datasets[0]
    return stats


def _find_feature(stats, label_feature: str, split: str) -> statistics_pb2.FeatureNameStatistics:
    for feature in stats.features:
        if _feature_name(feature) == label_feature:
            return feature
    names = sorted(_feature_name(f) for f in stats.features)
    shown = ', '.join(names[:20]) + (', ...' if len(names) > 20 else '')
    raise DataError(
        f"label_feature '{label_feature}' not found in the statistics of split '{split}'; "
        f'features present: {shown or "(none)"}. Set label_feature to the feature holding the '
        'class label.'
    )


def _value_count(common: statistics_pb2.CommonStatistics) -> int:
    if common.tot_num_values:
        return int(common.tot_num_values)
    return int(round(common.num_non_missing * common.avg_num_values))


def _check_one_label_per_example(common, label_feature: str, split: str) -> None:
    if common.max_num_values > 1:
        raise DataError(
            f"label_feature '{label_feature}' has up to {common.max_num_values} values per "
            f"example in split '{split}'; exactly one class label per example is required. "
            'Filter or convert multi-label examples before this component.'
        )
    unlabeled = int(common.num_missing) + (
        int(common.num_non_missing) - _value_count(common) if common.min_num_values == 0 else 0
    )
    if unlabeled > 0:
        raise DataError(
            f"label_feature '{label_feature}' is missing or empty in {unlabeled} example(s) of "
            f"split '{split}'; exactly one class label per example is required, and a class "
            "distribution without those examples would not be the split's. Filter unlabeled "
            'examples (or give them a class) before this component.'
        )


def _check_no_merged_values(string_stats, names: List[str], label_feature: str, split: str):
    """Refuses TFDV's placeholder buckets, each of which stands for many distinct labels."""
    invalid = int(string_stats.invalid_utf8_count)
    if invalid or NON_UTF8_PLACEHOLDER in names:
        raise DataError(
            f"label_feature '{label_feature}' of split '{split}' has "
            f'{invalid or "some"} value(s) that are not valid UTF-8: TFDV statistics count all '
            f"of them under the one name '{NON_UTF8_PLACEHOLDER}', so their classes cannot be "
            'told apart and no class distribution can be measured from these statistics. '
            'Map the labels to UTF-8 strings or int64 class ids upstream (e.g. hex-encode the '
            'bytes in ExampleGen or a preprocessing step); the other tfx-balance components '
            'accept such labels as they are.'
        )
    if LARGE_BYTES_PLACEHOLDER in names:
        raise DataError(
            f"label_feature '{label_feature}' of split '{split}' has values longer than 1,024 "
            f"bytes, which TFDV's sketch-based top-k counts under the one name "
            f"'{LARGE_BYTES_PLACEHOLDER}', so their classes cannot be told apart. Use shorter "
            'class names (e.g. int64 ids), or mark the label categorical in the schema given '
            'to StatisticsGen (string_domain with is_categorical: CATEGORICAL_YES), or turn '
            'off use_sketch_based_topk_uniques in its stats_options.'
        )


def check_no_empty_name(candidates, label_feature: str, split: str, multi_label=None) -> None:
    """Refuses an empty label name in the statistics (``labels.empty_label_error``)."""
    for _, pairs in candidates:
        for name, count in pairs:
            if name == '':
                found = f'{int(round(count))} example(s), by its statistics'
                raise empty_label_error(label_feature, f"split '{split}'", found, multi_label)


def _string_counts(string_stats, is_int: bool, label_feature: str, split: str, multi_label=None):
    """``(source, counts, total, covered)`` of the first candidate covering every value."""
    total = _value_count(string_stats.common_stats)
    candidates = [
        (
            'rank_histogram',
            [(b.label, b.sample_count) for b in string_stats.rank_histogram.buckets],
        ),
        ('top_values', [(v.value, v.frequency) for v in string_stats.top_values]),
    ]
    names = [label for _, pairs in candidates for label, _ in pairs]
    _check_no_merged_values(string_stats, names, label_feature, split)
    check_no_empty_name(candidates, label_feature, split, multi_label)
    best = 0
    for source, pairs in candidates:
        covered = int(round(sum(count for _, count in pairs)))
        best = max(best, covered)
        if covered == total:
            counts = {}
            for label, count in pairs:
                value = int(label) if is_int else label.encode('utf-8')
                counts[value] = counts.get(value, 0) + int(round(count))
            return source, sorted_counts(counts), total, best
    return None, {}, total, best


def _from_string_stats(string_stats, is_int: bool, label_feature: str, split: str):
    _check_one_label_per_example(string_stats.common_stats, label_feature, split)
    source, counts, total, best = _string_counts(string_stats, is_int, label_feature, split)
    if source:
        return LabelDistribution(split, counts, source)
    raise DataError(
        f"the statistics of split '{split}' list only part of label_feature "
        f"'{label_feature}': {best} of its {total} values in about {string_stats.unique} "
        'classes are covered by the rank histogram and top values, so its class distribution '
        'cannot be fully recovered. Give StatisticsGen stats_options=tfdv.StatsOptions('
        'num_rank_histogram_buckets=<more than the number of classes>) and exact (not '
        'sketch-based) top-k statistics.'
    )


def _from_numeric_stats(num_stats, label_feature: str, split: str):
    common = num_stats.common_stats
    _check_one_label_per_example(common, label_feature, split)
    n = _value_count(common)
    if n == 0:
        return LabelDistribution(split, {}, 'numeric_moments')
    low, high = int(round(num_stats.min)), int(round(num_stats.max))
    values = list(range(low, high + 1))
    counts = None
    if len(values) <= MAX_MOMENT_CLASSES and _moments_are_exact(low, high, n):
        counts = _solve_counts(values, n, num_stats)
    if counts is None:
        raise DataError(
            f"label_feature '{label_feature}' of split '{split}' is an int feature that "
            'StatisticsGen summarized as numeric: TFDV interpolates numeric histograms from '
            f'quantile sketches, so the exact counts of its values {low}..{high} cannot be '
            'recovered (exact recovery from count, mean, std_dev and num_zeros works for at most '
            '3 consecutive small values, or 4 including 0). Mark the label categorical for '
            'StatisticsGen: StatisticsGen(stats_options=tfx_balance.label_stats_options('
            f"'{label_feature}')), or a schema with int_domain {{ is_categorical: true }} on "
            f"'{label_feature}' (tfx_balance.label_schema('{label_feature}') builds one) as "
            "StatisticsGen's schema."
        )
    return LabelDistribution(split, sorted_counts(counts), 'numeric_moments')


def _moments_are_exact(low: int, high: int, n: int) -> bool:
    """Whether float64 sums of the values and their squares are exact integers."""
    return max(abs(low), abs(high)) ** 2 * n < EXACT_FLOAT_INT


def _solve_counts(values: List[int], n: int, num_stats) -> Dict[int, int] | None:
    """Solves the counts of consecutive int ``values`` from exact moments; None if ambiguous."""
    mean, std = float(num_stats.mean), float(num_stats.std_dev)
    rows = [[1.0] * len(values), [float(v) for v in values], [float(v * v) for v in values]]
    rhs = [float(n), mean * n, (std * std + mean * mean) * n]
    if 0 in values:
        rows.append([1.0 if v == 0 else 0.0 for v in values])
        rhs.append(float(num_stats.num_zeros))
    a, b = np.array(rows), np.array(rhs)
    if np.linalg.matrix_rank(a) < len(values):
        return None
    solution = np.rint(np.linalg.lstsq(a, b, rcond=None)[0]).astype(np.int64)
    if (solution < 0).any() or solution[0] == 0 or solution[-1] == 0:
        return None
    if not np.allclose(a @ solution, b, rtol=1e-6, atol=1e-3):
        return None
    return {v: int(c) for v, c in zip(values, solution) if c > 0}


def sorted_counts(counts: Mapping[ClassValue, int]) -> Dict[ClassValue, int]:
    return {value: counts[value] for value in sorted_classes(counts) if counts[value] > 0}


def check_label_types(distributions: Mapping[str, LabelDistribution], label_feature: str):
    """Raises ``DataError`` if some splits have int64 labels and others bytes labels."""
    kinds: Dict[str, List[str]] = {}
    for split, dist in distributions.items():
        for kind in {'int64' if isinstance(c, int) else 'bytes' for c in dist.counts}:
            kinds.setdefault(kind, []).append(split)
    if len(kinds) > 1:
        raise DataError(
            f"label_feature '{label_feature}' is int64 in split(s) "
            f'{", ".join(repr(s) for s in kinds["int64"])} and bytes (string) in split(s) '
            f"{', '.join(repr(s) for s in kinds['bytes'])}; 1 and b'1' would be different "
            'classes with the same name. Give the label one type in every split.'
        )


def pool(windows: Sequence[Mapping[str, LabelDistribution]]) -> Dict[str, LabelDistribution]:
    """Adds up several ``{split: counts}`` (e.g. a window of spans) by split name, splits in order
    of first appearance; a ``LabelPrevalence``'s unlabeled examples stay None if a part lacks them.

    Example:
        >>> a = {'train': LabelDistribution('train', {0: 90, 1: 10}, 'top_values')}
        >>> b = {'train': LabelDistribution('train', {0: 80, 1: 20}, 'top_values'),
        ...      'eval': LabelDistribution('eval', {0: 9, 1: 1}, 'top_values')}
        >>> {s: d.counts for s, d in pool([a, b]).items()}
        {'train': {0: 170, 1: 30}, 'eval': {0: 9, 1: 1}}
    """
    pooled: Dict[str, LabelDistribution] = {}
    for window in windows:
        for split, dist in window.items():
            pooled[split] = dist if split not in pooled else _add(pooled[split], dist)
    return pooled


def _add(a, b):
    counts = {c: a.counts.get(c, 0) + b.counts.get(c, 0) for c in {**a.counts, **b.counts}}
    changes = {'counts': sorted_counts(counts)}
    if a.source != b.source:
        changes['source'] = 'pooled'  # parts read from different statistics fields
    if isinstance(a, LabelPrevalence):
        changes.update(
            examples=a.examples + b.examples,
            label_values=a.label_values + b.label_values,
            unlabeled=None if None in (a.unlabeled, b.unlabeled) else a.unlabeled + b.unlabeled,
        )
    return dataclasses.replace(a, **changes)
