"""Label distributions from TFDV statistics, and the checks of ClassDistributionValidator.

Pure logic (TFDV + protos, no TFX). Three steps:

1. :func:`label_distribution` reads the exact per-class counts of the label from one split's
   ``DatasetFeatureStatistics``:

   - string labels, and int labels that StatisticsGen treated as categorical (a schema with
     ``int_domain { is_categorical: true }`` on the label, e.g. ``schemas/digits.pbtxt`` or
     :func:`label_stats_options`): the ``string_stats.rank_histogram`` (TFDV keeps up to
     ``num_rank_histogram_buckets``, default 1000, classes; ``top_values`` only 20). The counts
     are used only if they add up to the label's value count, so a truncated histogram is an
     error, never a silently wrong distribution.
   - int labels summarized as numeric (no categorical marking): TFDV's numeric histograms are
     interpolated from quantile sketches, not counts, so they are not used. The counts are
     solved exactly from the exact fields (value count, mean, std_dev, num_zeros, min, max) when
     these determine them: up to 3 consecutive values, or 4 when 0 is one of them (binary 0/1
     labels always). Any other case raises ``DataError`` saying how to mark the label
     categorical. Nothing is guessed.

2. :func:`check_distributions` compares the splits: the L-infinity distance between every pair
   of splits is measured by TFDV itself (``drift_comparator.infinity_norm`` in a label-only
   schema, ``tfdv.validate_statistics(current, schema, previous_statistics=previous)`` on
   label-only statistics built from the exact counts, so TFDV's comparator sees a categorical
   feature whatever the label's type; this avoids TFDV's pitfall of reporting 0 for a
   non-categorical int feature) and cross-checked with our own computation; classes present in
   one split and absent from another are findings of their own; and ``targets`` ('uniform' or
   ``{class: share}`` per split) are checked with the L-infinity distance to the target.

3. :class:`Report` turns the findings into TFDV ``Anomalies`` protos (one per split), a JSON
   summary, a markdown summary, and the error message of :class:`ClassDistributionError`.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Dict, List, Mapping, Sequence, Tuple, Union

import numpy as np
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from tfx_balance.core.errors import ConfigError, DataError
from tfx_balance.core.labels import (
    ClassValue,
    class_name,
    format_count_table,
    parse_class_name,
    sorted_classes,
)

UNIFORM = 'uniform'
TOP_CLASSES = 3  # classes named in a distance finding
MAX_MOMENT_CLASSES = 4  # numeric int labels: most consecutive values solvable exactly

SPLIT_DISTANCE = 'split_distance'
MISSING_CLASS = 'missing_class'
TARGET_DISTANCE = 'target_distance'

Target = Union[str, Mapping[object, float]]


class ClassDistributionError(DataError):
    """The label distributions violate the configured checks (fails the component)."""


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
class Finding:
    """One violation; ``splits`` are the splits it concerns (its Anomalies go to each)."""

    kind: str  # SPLIT_DISTANCE | MISSING_CLASS | TARGET_DISTANCE
    splits: Tuple[str, ...]
    description: str
    fix: str
    distance: float | None = None
    threshold: float | None = None
    classes: Tuple[str, ...] = ()  # the classes with the largest differences / the missing class

    def to_json(self) -> dict:
        return {
            'kind': self.kind,
            'splits': list(self.splits),
            'classes': list(self.classes),
            'distance': self.distance,
            'threshold': self.threshold,
            'description': self.description,
            'fix': self.fix,
        }


# ----------------------------------------------------------------------------------------------
# 1. Reading the label distribution from statistics.


def _feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return '.'.join(feature.path.step) if feature.path.step else feature.name


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


def _check_single_valued(common, label_feature: str, split: str) -> None:
    if common.max_num_values > 1:
        raise DataError(
            f"label_feature '{label_feature}' has up to {common.max_num_values} values per "
            f"example in split '{split}'; exactly one class label per example is required. "
            'Filter or convert multi-label examples before this component.'
        )


def label_distribution(stats, label_feature: str, split: str) -> LabelDistribution:
    """Returns the exact label counts of one split's statistics (see module doc), or raises.

    ``stats`` is a ``DatasetFeatureStatistics`` or a ``DatasetFeatureStatisticsList`` with one
    (unsliced) dataset, as StatisticsGen writes per split.
    """
    if isinstance(stats, statistics_pb2.DatasetFeatureStatisticsList):
        if len(stats.datasets) != 1:
            raise DataError(
                f"the statistics of split '{split}' hold {len(stats.datasets)} datasets; "
                'expected exactly one (unsliced statistics, as StatisticsGen writes them).'
            )
        stats = stats.datasets[0]
    feature = _find_feature(stats, label_feature, split)
    kind = feature.WhichOneof('stats')
    is_int = feature.type == statistics_pb2.FeatureNameStatistics.INT
    if feature.type == statistics_pb2.FeatureNameStatistics.FLOAT:
        raise DataError(
            f"label_feature '{label_feature}' is a float feature in split '{split}'; class "
            'labels must be int64 or bytes (string). Convert the label to an integer or string '
            'class id upstream (e.g. in ExampleGen or a preprocessing step).'
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


def _from_string_stats(string_stats, is_int: bool, label_feature: str, split: str):
    common = string_stats.common_stats
    _check_single_valued(common, label_feature, split)
    total = _value_count(common)
    candidates = [
        (
            'rank_histogram',
            [(b.label, b.sample_count) for b in string_stats.rank_histogram.buckets],
        ),
        ('top_values', [(v.value, v.frequency) for v in string_stats.top_values]),
    ]
    best = 0
    for source, pairs in candidates:
        covered = int(round(sum(count for _, count in pairs)))
        best = max(best, covered)
        if covered == total:
            counts = {}
            for label, count in pairs:
                value = int(label) if is_int else label.encode('utf-8')
                counts[value] = counts.get(value, 0) + int(round(count))
            return LabelDistribution(split, _sorted_counts(counts), source)
    raise DataError(
        f"the statistics of split '{split}' list only part of label_feature "
        f"'{label_feature}': {best} of its {total} values in {string_stats.unique} classes are "
        'covered by the rank histogram and top values, so its class distribution cannot be '
        'fully recovered. Give StatisticsGen stats_options=tfdv.StatsOptions('
        'num_rank_histogram_buckets=<more than the number of classes>) and exact (not '
        'sketch-based) top-k statistics.'
    )


def _from_numeric_stats(num_stats, label_feature: str, split: str):
    common = num_stats.common_stats
    _check_single_valued(common, label_feature, split)
    n = _value_count(common)
    if n == 0:
        return LabelDistribution(split, {}, 'numeric_moments')
    low, high = int(round(num_stats.min)), int(round(num_stats.max))
    values = list(range(low, high + 1))
    counts = _solve_counts(values, n, num_stats) if len(values) <= MAX_MOMENT_CLASSES else None
    if counts is None:
        raise DataError(
            f"label_feature '{label_feature}' of split '{split}' is an int feature that "
            'StatisticsGen summarized as numeric: TFDV interpolates numeric histograms from '
            f'quantile sketches, so the exact counts of its values {low}..{high} cannot be '
            'recovered (exact recovery from count, mean, std_dev and num_zeros works for at most '
            '3 consecutive values, or 4 including 0). Mark the label categorical for '
            'StatisticsGen: pass a schema with int_domain { is_categorical: true } on '
            f"'{label_feature}' (e.g. ImportSchemaGen(schema_file='schemas/digits.pbtxt')) as "
            "StatisticsGen's schema, or StatisticsGen(stats_options="
            f"label_stats_options('{label_feature}'))."
        )
    return LabelDistribution(split, _sorted_counts(counts), 'numeric_moments')


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


def _sorted_counts(counts: Mapping[ClassValue, int]) -> Dict[ClassValue, int]:
    return {value: counts[value] for value in sorted_classes(counts) if counts[value] > 0}


def label_schema(label_feature: str, is_int: bool = True) -> schema_pb2.Schema:
    """A schema holding only ``label_feature`` marked categorical (for StatsOptions)."""
    schema = schema_pb2.Schema()
    feature = schema.feature.add(name=label_feature)
    if is_int:
        feature.type = schema_pb2.INT
        feature.int_domain.is_categorical = True
    else:
        feature.type = schema_pb2.BYTES
    return schema


def label_stats_options(label_feature: str, **kwargs) -> tfdv.StatsOptions:
    """``StatsOptions`` for StatisticsGen that give an int label exact per-class counts.

    Example:
        StatisticsGen(examples=..., stats_options=label_stats_options('label'))
    """
    return tfdv.StatsOptions(schema=label_schema(label_feature), **kwargs)


# ----------------------------------------------------------------------------------------------
# 2. Checks.


def linf(p: Mapping[ClassValue, float], q: Mapping[ClassValue, float]):
    """L-infinity distance of two share maps, and ``[(class, |p - q|)]`` largest first."""
    classes = sorted_classes(list(p) + list(q))
    diffs = [(c, abs(p.get(c, 0.0) - q.get(c, 0.0))) for c in classes]
    diffs.sort(key=lambda item: -round(item[1], 12))  # stable: ties keep class order
    return (diffs[0][1] if diffs else 0.0), diffs


def shares(dist: LabelDistribution) -> Dict[ClassValue, float]:
    return {c: dist.share(c) for c in dist.counts}


def validate_targets(targets: Mapping[str, Target] | None) -> Dict[str, Target]:
    """Checks the ``targets`` argument (split -> 'uniform' | {class: share}); returns a copy."""
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise ConfigError(
            f"targets must be a dict of split -> 'uniform' or {{class: share}}, got {targets!r}."
        )
    result = {}
    for split, target in targets.items():
        if not isinstance(split, str) or not split:
            raise ConfigError(f'targets keys must be split names, got {split!r}.')
        if isinstance(target, str):
            if target != UNIFORM:
                raise ConfigError(
                    f"targets['{split}'] is {target!r}; use 'uniform' or a dict {{class: share}}."
                )
            result[split] = UNIFORM
            continue
        if not isinstance(target, Mapping) or not target:
            raise ConfigError(
                f"targets['{split}'] must be 'uniform' or a non-empty dict {{class: share}}, got "
                f'{target!r}.'
            )
        cleaned = {}
        for cls, share in target.items():
            if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
                raise ConfigError(
                    f"targets['{split}'][{cls!r}] is {share!r}; shares must be numbers >= 0."
                )
            cleaned[class_name(cls) if isinstance(cls, bytes) else str(cls)] = float(share)
        total = sum(cleaned.values())
        if abs(total - 1.0) > 1e-6:
            raise ConfigError(
                f"targets['{split}'] shares add up to {total:g}, not 1. Make them sum to 1 "
                "(or use 'uniform')."
            )
        result[split] = cleaned
    return result


def _label_only_stats(
    dist: LabelDistribution, label_feature: str
) -> statistics_pb2.DatasetFeatureStatisticsList:
    """Label-only statistics whose label is a string feature with the exact counts."""
    result = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = result.datasets.add(name=dist.split, num_examples=dist.total)
    feature = dataset.features.add(type=statistics_pb2.FeatureNameStatistics.STRING)
    feature.path.step.append(label_feature)
    string_stats = feature.string_stats
    common = string_stats.common_stats
    common.num_non_missing = dist.total
    common.min_num_values = common.max_num_values = 1
    common.avg_num_values = 1.0
    common.tot_num_values = dist.total
    string_stats.unique = len(dist.counts)
    ordered = sorted(dist.counts.items(), key=lambda item: -item[1])
    for rank, (value, count) in enumerate(ordered):
        string_stats.top_values.add(value=class_name(value), frequency=count)
        string_stats.rank_histogram.buckets.add(
            low_rank=rank, high_rank=rank, label=class_name(value), sample_count=count
        )
    return result


def comparator_schema(
    label_feature: str,
    classes: Sequence[ClassValue],
    max_split_distance: float,
    jsd_threshold: float | None = None,
) -> schema_pb2.Schema:
    """Label-only schema: categorical label with its domain and drift comparators."""
    schema = schema_pb2.Schema()
    feature = schema.feature.add(name=label_feature, type=schema_pb2.BYTES)
    feature.domain = label_feature
    feature.drift_comparator.infinity_norm.threshold = max_split_distance
    if jsd_threshold is not None:
        feature.drift_comparator.jensen_shannon_divergence.threshold = jsd_threshold
    domain = schema.string_domain.add(name=label_feature)
    domain.value.extend(class_name(c) for c in classes)
    return schema


def tfdv_split_drift(
    previous: LabelDistribution,
    current: LabelDistribution,
    schema: schema_pb2.Schema,
    label_feature: str,
) -> Dict[str, float]:
    """TFDV's drift measurements (``{'L_INFTY': .., 'JENSEN_SHANNON_DIVERGENCE': ..}``)."""
    anomalies = tfdv.validate_statistics(
        _label_only_stats(current, label_feature),
        schema,
        previous_statistics=_label_only_stats(previous, label_feature),
    )
    measurements = {}
    for info in anomalies.drift_skew_info:
        for m in info.drift_measurements:
            name = anomalies_pb2.DriftSkewInfo.Measurement.Type.Name(m.type)
            measurements[name] = m.value
    return measurements


def _top(diffs, k: int = TOP_CLASSES) -> Tuple[Tuple[str, ...], str]:
    named = [(class_name(c), d) for c, d in diffs[:k] if d > 0]
    text = ', '.join(f"'{name}' ({d:.4f})" for name, d in named)
    return tuple(name for name, _ in named), text


@dataclasses.dataclass
class Report:
    """Everything the validator measured and found; serializable and printable."""

    label_feature: str
    distributions: Dict[str, LabelDistribution]
    classes: List[ClassValue]
    max_split_distance: float
    target_tolerance: float
    targets: Dict[str, Target]
    split_distances: Dict[Tuple[str, str], dict]
    target_distances: Dict[str, dict]
    findings: List[Finding]

    @property
    def passed(self) -> bool:
        return not self.findings

    def findings_for(self, split: str) -> List[Finding]:
        return [f for f in self.findings if split in f.splits]

    def count_table(self) -> str:
        splits = list(self.distributions)
        rows = {
            class_name(c): {s: self.distributions[s].counts.get(c, 0) for s in splits}
            for c in self.classes
        }
        return format_count_table(rows, splits, title=self.label_feature)

    def share_table(self) -> Dict[str, Dict[str, float]]:
        return {
            class_name(c): {s: round(d.share(c), 6) for s, d in self.distributions.items()}
            for c in self.classes
        }

    def to_json(self) -> dict:
        return {
            'label_feature': self.label_feature,
            'passed': self.passed,
            'max_split_distance': self.max_split_distance,
            'target_tolerance': self.target_tolerance,
            'targets': self.targets,
            'counts': {
                class_name(c): {s: d.counts.get(c, 0) for s, d in self.distributions.items()}
                for c in self.classes
            },
            'shares': self.share_table(),
            'totals': {s: d.total for s, d in self.distributions.items()},
            'sources': {s: d.source for s, d in self.distributions.items()},
            'split_distances': [
                {'splits': [a, b], **values} for (a, b), values in self.split_distances.items()
            ],
            'target_distances': self.target_distances,
            'findings': [f.to_json() for f in self.findings],
        }

    def to_markdown(self) -> str:
        status = 'PASSED' if self.passed else f'FAILED ({len(self.findings)} finding(s))'
        lines = [
            f'# Class distribution of `{self.label_feature}`: {status}',
            '',
            f'max_split_distance {self.max_split_distance:g} (L-infinity between splits), '
            f'target_tolerance {self.target_tolerance:g}.',
            '',
            '| class | ' + ' | '.join(self.distributions) + ' |',
            '|---|' + '---:|' * len(self.distributions),
        ]
        for c in self.classes:
            cells = [
                f'{d.counts.get(c, 0)} ({d.share(c):.2%})' for d in self.distributions.values()
            ]
            lines.append(f'| {class_name(c)} | ' + ' | '.join(cells) + ' |')
        lines.append('| total | ' + ' | '.join(str(d.total) for d in self.distributions.values()))
        lines[-1] += ' |'
        if self.split_distances:
            lines += ['', '| splits | L-infinity | Jensen-Shannon | largest differences |']
            lines.append('|---|---:|---:|---|')
            for (a, b), v in self.split_distances.items():
                jsd = v.get('jensen_shannon_divergence')
                jsd_text = f'{jsd:.4f}' if jsd is not None else ''
                lines.append(
                    f'| {a} vs {b} | {v["linf"]:.4f} | {jsd_text} | {", ".join(v["top_classes"])} |'
                )
        if self.target_distances:
            lines += ['', '| split | target | L-infinity | largest differences |']
            lines.append('|---|---|---:|---|')
            for split, v in self.target_distances.items():
                target = v['target'] if isinstance(v['target'], str) else 'custom'
                lines.append(
                    f'| {split} | {target} | {v["linf"]:.4f} | {", ".join(v["top_classes"])} |'
                )
        lines += ['', '## Findings', '']
        if self.passed:
            lines.append('None: every check passed.')
        for f in self.findings:
            lines.append(f'- **{f.kind}** ({", ".join(f.splits)}): {f.description} Fix: {f.fix}')
        return '\n'.join(lines) + '\n'

    def error_message(self) -> str:
        head = (
            f"class distribution check of label '{self.label_feature}' failed with "
            f'{len(self.findings)} finding(s):'
        )
        body = [f'- {f.description} Fix: {f.fix}' for f in self.findings]
        return '\n'.join([head] + body + ['Per-class counts:', self.count_table()])

    def anomalies(self, split: str) -> anomalies_pb2.Anomalies:
        """The TFDV ``Anomalies`` of one split: every finding that concerns it."""
        result = anomalies_pb2.Anomalies()
        result.baseline.CopyFrom(
            comparator_schema(self.label_feature, self.classes, self.max_split_distance)
        )
        result.anomaly_name_format = anomalies_pb2.Anomalies.SERIALIZED_PATH
        for (_previous, current), values in self.split_distances.items():
            if current == split:
                info = result.drift_skew_info.add()
                info.path.step.append(self.label_feature)
                info.drift_measurements.add(
                    type=anomalies_pb2.DriftSkewInfo.Measurement.L_INFTY,
                    value=values['linf'],
                    threshold=self.max_split_distance,
                )
        findings = self.findings_for(split)
        if not findings:
            return result
        info = result.anomaly_info[self.label_feature]
        info.path.step.append(self.label_feature)
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
        for f in findings:
            reason = info.reason.add()
            reason.type = _REASON_TYPES[f.kind]
            reason.short_description = _SHORT[f.kind]
            reason.description = f'{f.description} Fix: {f.fix}'
        info.short_description = (
            info.reason[0].short_description if len(findings) == 1 else 'Multiple errors'
        )
        info.description = ' '.join(r.description for r in info.reason)
        return result


_REASON_TYPES = {
    SPLIT_DISTANCE: anomalies_pb2.AnomalyInfo.COMPARATOR_L_INFTY_HIGH,
    TARGET_DISTANCE: anomalies_pb2.AnomalyInfo.COMPARATOR_L_INFTY_HIGH,
    MISSING_CLASS: anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION,
}
_SHORT = {
    SPLIT_DISTANCE: 'High Linfty distance between splits',
    TARGET_DISTANCE: 'High Linfty distance to the target distribution',
    MISSING_CLASS: 'Class missing from a split',
}


def check_distributions(
    distributions: Mapping[str, LabelDistribution],
    label_feature: str,
    max_split_distance: float = 0.02,
    targets: Mapping[str, Target] | None = None,
    target_tolerance: float = 0.01,
    expected_classes: Sequence[ClassValue] = (),
    jsd_threshold: float | None = None,
) -> Report:
    """Runs every check on the splits' distributions (in the given split order).

    ``expected_classes`` (e.g. the label domain of a schema) are classes that every split must
    have even if no split has them. ``jsd_threshold`` adds TFDV's Jensen-Shannon comparator.
    """
    targets = validate_targets(targets)
    splits = list(distributions)
    missing_targets = [s for s in targets if s not in distributions]
    if missing_targets:
        raise DataError(
            f'targets name split(s) {", ".join(repr(s) for s in missing_targets)} that the '
            f'statistics do not have; splits present: {", ".join(splits)}.'
        )
    classes = sorted_classes(
        [c for d in distributions.values() for c in d.counts] + list(expected_classes)
    )
    findings: List[Finding] = []

    # Classes present somewhere but absent from a split.
    for c in classes:
        present = [s for s in splits if distributions[s].counts.get(c, 0) > 0]
        absent = [s for s in splits if s not in present]
        if not absent or (len(splits) < 2 and present):
            continue
        total = sum(distributions[s].counts.get(c, 0) for s in splits)
        where = (
            'in split(s) '
            + ', '.join(f"'{s}' ({distributions[s].counts[c]})" for s in present)
            + ' but'
            if present
            else 'in the schema domain but'
        )
        if present and total < len(splits):
            fix = (
                f"class '{class_name(c)}' has only {total} example(s) in total, fewer than the "
                f'{len(splits)} splits, so no split method can put it in every split: collect '
                'more examples of it, merge it into another class, or filter it out before '
                'splitting.'
            )
        else:
            fix = (
                'use StratifiedSplitter, which puts every class into every split with exact '
                'per-class counts, instead of a hash split.'
            )
        findings.append(
            Finding(
                MISSING_CLASS,
                tuple(splits),
                f"class '{class_name(c)}' of label '{label_feature}' is {where} missing from "
                f'split(s) {", ".join(repr(s) for s in absent)}.',
                fix,
                classes=(class_name(c),),
            )
        )

    # L-infinity between every pair of splits, measured by TFDV and cross-checked.
    schema = comparator_schema(label_feature, classes, max_split_distance, jsd_threshold)
    split_distances = {}
    for a, b in itertools.combinations(splits, 2):
        da, db = distributions[a], distributions[b]
        if not da.total or not db.total:
            continue  # an empty split is reported by the missing-class check
        ours, diffs = linf(shares(da), shares(db))
        measured = tfdv_split_drift(da, db, schema, label_feature)
        distance = measured.get('L_INFTY', ours)
        if abs(distance - ours) > 1e-9:
            raise AssertionError(f'TFDV L-infinity {distance} != computed {ours} for {a}/{b}')
        names, text = _top(diffs)
        jsd = measured.get('JENSEN_SHANNON_DIVERGENCE')
        split_distances[(a, b)] = {
            'linf': distance,
            'jensen_shannon_divergence': jsd,
            'top_classes': list(names),
        }
        if distance > max_split_distance:
            findings.append(
                Finding(
                    SPLIT_DISTANCE,
                    (a, b),
                    f"the L-infinity distance between the '{label_feature}' distributions of "
                    f"splits '{a}' and '{b}' is {distance:.4f}, above max_split_distance "
                    f'{max_split_distance:g}; largest share differences: {text}.',
                    'use StratifiedSplitter to split with the same class shares in every split, '
                    f'or raise max_split_distance above {distance:.4f} if this difference is '
                    'acceptable.',
                    distance=distance,
                    threshold=max_split_distance,
                    classes=names,
                )
            )
        if jsd_threshold is not None and jsd is not None and jsd > jsd_threshold:
            findings.append(
                Finding(
                    SPLIT_DISTANCE,
                    (a, b),
                    f"the Jensen-Shannon divergence between the '{label_feature}' "
                    f"distributions of splits '{a}' and '{b}' is {jsd:.4f}, above the schema's "
                    f'threshold {jsd_threshold:g}.',
                    'use StratifiedSplitter, or raise the jensen_shannon_divergence threshold '
                    'of the label in the schema.',
                    distance=jsd,
                    threshold=jsd_threshold,
                    classes=names,
                )
            )

    # Targets.
    target_distances = {}
    for split, target in targets.items():
        dist = distributions[split]
        if target == UNIFORM:
            wanted = {c: 1.0 / len(classes) for c in classes} if classes else {}
        else:
            wanted = {parse_class_name(name, classes): s for name, s in target.items()}
        distance, diffs = linf(shares(dist), wanted)
        names, text = _top(diffs)
        target_distances[split] = {
            'target': target if target == UNIFORM else dict(target),
            'linf': distance,
            'top_classes': list(names),
        }
        if distance > target_tolerance:
            label = "'uniform'" if target == UNIFORM else 'the given target shares'
            findings.append(
                Finding(
                    TARGET_DISTANCE,
                    (split,),
                    f"split '{split}' is {distance:.4f} (L-infinity) away from its target "
                    f'{label} of {len(wanted)} classes, above target_tolerance '
                    f'{target_tolerance:g}; largest share differences: {text}.',
                    f"rebalance split '{split}' with BalancedAugmenter (or sample it with "
                    f'tfx_balance.balanced_dataset at training time), or raise target_tolerance above '
                    f'{distance:.4f}, or change the target.',
                    distance=distance,
                    threshold=target_tolerance,
                    classes=names,
                )
            )
    return Report(
        label_feature=label_feature,
        distributions=dict(distributions),
        classes=classes,
        max_split_distance=max_split_distance,
        target_tolerance=target_tolerance,
        targets=targets,
        split_distances=split_distances,
        target_distances=target_distances,
        findings=findings,
    )


def schema_label_info(schema: schema_pb2.Schema, label_feature: str):
    """``(expected_classes, jsd_threshold)`` from a schema's label feature (or ``((), None)``).

    Expected classes come from a string domain or a categorical int domain with min and max.
    """
    for feature in schema.feature:
        if feature.name != label_feature:
            continue
        classes: List[ClassValue] = []
        domain = None
        if feature.HasField('string_domain'):
            domain = feature.string_domain
        elif feature.HasField('domain'):
            domain = next((d for d in schema.string_domain if d.name == feature.domain), None)
        if domain is not None:
            classes = [v.encode('utf-8') for v in domain.value]
        elif (
            feature.HasField('int_domain')
            and feature.int_domain.is_categorical
            and feature.int_domain.HasField('min')
            and feature.int_domain.HasField('max')
        ):
            classes = list(range(feature.int_domain.min, feature.int_domain.max + 1))
        jsd = None
        if feature.drift_comparator.HasField('jensen_shannon_divergence'):
            jsd = feature.drift_comparator.jensen_shannon_divergence.threshold
        return classes, jsd
    return (), None


def report_json_text(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + '\n'
