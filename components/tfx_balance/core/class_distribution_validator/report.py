"""What ClassDistributionValidator found: findings, and the report as JSON, markdown, Anomalies.
Notes are in the JSON and markdown only: they neither fail the check nor unbless a split."""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2

from tfx_balance.core.class_distribution_validator.config import Target
from tfx_balance.core.class_distribution_validator.counts import LabelDistribution
from tfx_balance.core.class_distribution_validator.drift import comparator_schema
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.labels import ClassValue, class_name, format_count_table
from tfx_balance.core.split import report as split_report
from tfx_balance.core.split.report import STRATA, STRATA_FEATURES  # the splitter's words

SPLIT_DISTANCE = 'split_distance'
MISSING_CLASS = 'missing_class'
TARGET_DISTANCE = 'target_distance'
# A note, not a violation: a class of fewer examples than splits, absent where the rule puts none.
UNAVOIDABLE_MISSING_CLASS = 'unavoidable_missing_class'
# Multi-label features (label sets: checks.LabelPrevalences).
PREVALENCE_DISTANCE = 'prevalence_distance'
CARDINALITY_DISTANCE = 'cardinality_distance'
PREVALENCE_DIFFERENCE = 'prevalence_difference'
MIN_PREVALENCE = 'min_prevalence'
# A split against its baseline (``baseline.py``); the last two are notes.
DRIFT_DISTANCE = 'drift_distance'
DRIFT_DIVERGENCE = 'drift_divergence'
CLASSES_CHANGED = 'classes_changed'
SPLIT_NOT_COMPARED = 'split_not_compared'
# A note: a split-vs-split difference within StratifiedSplitter's documented bound (presence.py).
WITHIN_SPLITTER_BOUND = 'within_splitter_bound'
# A split's class mix within a stratify feature's value, beyond StratifiedSplitter's bound
# (strata.py; within it: a WITHIN_SPLITTER_BOUND note).
STRATUM_DISTANCE = 'stratum_distance'
NOTE_KINDS = (UNAVOIDABLE_MISSING_CLASS, CLASSES_CHANGED, SPLIT_NOT_COMPARED, WITHIN_SPLITTER_BOUND)

# class_distribution.json's entries besides the arguments it repeats (keys.*_KEY), and a
# finding's (Finding.to_json): what its picture reads (core/pictures/validator.py).
CLASS_COUNTS = 'counts'
SHARES = 'shares'
TOTALS = 'totals'
SPLIT_DISTANCES = 'split_distances'
TARGET_DISTANCES = 'target_distances'
FINDINGS = 'findings'
NOTES = 'notes'
BASELINE_DRIFT = 'baseline_drift'
FINDING_KIND = 'kind'
FINDING_SPLITS = 'splits'
FINDING_CLASSES = 'classes'
FINDING_DISTANCE = 'distance'
FINDING_THRESHOLD = 'threshold'
FINDING_DESCRIPTION = 'description'
# With StratifiedSplitter's strata (strata.py): {'features': [names], 'values': {feature: {value:
# {'classes': {class: {split: examples}}, 'distance': {split: L-infinity from its overall mix}}}},
# 'largest_deviation': {feature: {'value', 'class', 'split', 'distance', 'counts' (the class's
# examples there), 'range' ([fewest, most] the bound allows), 'beyond_bound'}}}.
STRATA_MIX = 'values'
STRATA_CLASSES = 'classes'
STRATA_DISTANCE = 'distance'
STRATA_LARGEST = 'largest_deviation'
STRATUM_RANGE = 'range'
STRATUM_BEYOND = 'beyond_bound'

_L_INFTY = anomalies_pb2.AnomalyInfo.COMPARATOR_L_INFTY_HIGH
_CUSTOM = anomalies_pb2.AnomalyInfo.CUSTOM_VALIDATION
_REASONS = {  # kind -> the Anomalies reason's type and short description
    SPLIT_DISTANCE: (_L_INFTY, 'High Linfty distance between splits'),
    TARGET_DISTANCE: (_L_INFTY, 'High Linfty distance to the target distribution'),
    STRATUM_DISTANCE: (_L_INFTY, "High Linfty distance of a value's class mix between splits"),
    MISSING_CLASS: (_CUSTOM, 'Class missing from a split'),
    PREVALENCE_DISTANCE: (_L_INFTY, 'High label prevalence distance between splits'),
    CARDINALITY_DISTANCE: (_CUSTOM, 'High label cardinality difference between splits'),
    PREVALENCE_DIFFERENCE: (_CUSTOM, 'Label prevalence far from the reference split'),
    MIN_PREVALENCE: (_CUSTOM, 'Label prevalence below its minimum'),
    DRIFT_DISTANCE: (_L_INFTY, 'High Linfty distance to the baseline'),
    DRIFT_DIVERGENCE: (
        anomalies_pb2.AnomalyInfo.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
        'High Jensen-Shannon divergence to the baseline',
    ),
}


def above(value: float, threshold: float) -> str:
    """``value`` with 4 decimals, or more when 4 would not show it is above ``threshold``."""
    digits = 4
    while round(value, digits) <= threshold and digits < 12:
        digits += 1
    return f'{value:.{digits}f}'


class ClassDistributionError(DataError):
    """The label distributions violate the configured checks (fails the component)."""


@dataclasses.dataclass(frozen=True)
class Finding:
    """One violation or note; ``splits`` are the splits it concerns (its Anomalies go to each)."""

    kind: str  # one of the kinds above
    splits: Tuple[str, ...]
    description: str
    fix: str
    distance: float | None = None
    threshold: float | None = None
    classes: Tuple[str, ...] = ()  # the classes with the largest differences / the missing class

    @property
    def is_note(self) -> bool:
        return self.kind in NOTE_KINDS

    def to_json(self) -> dict:
        return {
            FINDING_KIND: self.kind,
            FINDING_SPLITS: list(self.splits),
            FINDING_CLASSES: list(self.classes),
            FINDING_DISTANCE: self.distance,
            FINDING_THRESHOLD: self.threshold,
            FINDING_DESCRIPTION: self.description,
            'fix': self.fix,
        }


@dataclasses.dataclass
class Report:
    """Everything the validator measured and found (``multi_label``: ``LabelPrevalence`` values)."""

    label_feature: str
    distributions: Dict[str, LabelDistribution]
    classes: List[ClassValue]
    max_split_distance: float
    target_tolerance: float
    targets: Dict[str, Target]
    split_distances: Dict[Tuple[str, str], dict]
    target_distances: Dict[str, dict]
    findings: List[Finding]
    notes: List[Finding] = dataclasses.field(default_factory=list)  # not violations
    multi_label: str | None = None
    max_cardinality_difference: float | None = None
    drift: Dict[str, dict] = dataclasses.field(default_factory=dict)  # vs a baseline, per split
    strata: dict = dataclasses.field(default_factory=dict)  # strata.check_strata's entry

    @property
    def passed(self) -> bool:
        return not self.findings

    def findings_for(self, split: str) -> List[Finding]:
        return [f for f in self.findings if split in f.splits]

    def count_table(self) -> str:
        splits = list(self.distributions)
        table = format_count_table(self._counts(), splits, title=self.label_feature)
        if self.multi_label:  # the total row sums label values; say how many examples there are
            sizes = ', '.join(f"'{s}' {d.examples}" for s, d in self.distributions.items())
            table += f'\n(counts are examples carrying each label; examples per split: {sizes})'
        return table

    def share_table(self) -> Dict[str, Dict[str, float]]:
        return {
            class_name(c): {s: round(d.share(c), 6) for s, d in self.distributions.items()}
            for c in self.classes
        }

    def _counts(self) -> Dict[str, Dict[str, int]]:
        return {
            class_name(c): {s: d.counts.get(c, 0) for s, d in self.distributions.items()}
            for c in self.classes
        }

    def to_json(self) -> dict:
        result = self._json()
        if self.drift:
            result[BASELINE_DRIFT] = self.drift
        if self.strata:
            result[STRATA] = self.strata
        if self.multi_label:
            result[keys.MULTI_LABEL_KEY] = self.multi_label
            result['max_cardinality_difference'] = self.max_cardinality_difference
            result['per_split'] = {
                s: {
                    'examples': d.examples,
                    'label_values': d.label_values,
                    'cardinality': round(d.cardinality, 6),
                    'unlabeled': d.unlabeled,
                }
                for s, d in self.distributions.items()
            }
        return result

    def _json(self) -> dict:
        return {
            keys.LABEL_FEATURE_KEY: self.label_feature,
            keys.PASSED: self.passed,
            keys.MAX_SPLIT_DISTANCE_KEY: self.max_split_distance,
            keys.TARGET_TOLERANCE_KEY: self.target_tolerance,
            keys.TARGETS_KEY: self.targets,
            CLASS_COUNTS: self._counts(),
            SHARES: self.share_table(),
            TOTALS: {s: d.total for s, d in self.distributions.items()},
            'sources': {s: d.source for s, d in self.distributions.items()},
            SPLIT_DISTANCES: [
                {keys.SPLITS_KEY: [a, b], **values}
                for (a, b), values in self.split_distances.items()
            ],
            TARGET_DISTANCES: self.target_distances,
            FINDINGS: [f.to_json() for f in self.findings],
            NOTES: [n.to_json() for n in self.notes],
        }

    def to_markdown(self) -> str:
        status = 'PASSED' if self.passed else f'FAILED ({len(self.findings)} finding(s))'
        if self.notes:
            status += f', {len(self.notes)} note(s)'
        if self.multi_label:
            lines = [
                f"# Label prevalence of `{self.label_feature}` (multi_label='{self.multi_label}'): "
                f'{status}',
                '',
                f'max_split_distance {self.max_split_distance:g} (largest prevalence difference '
                f'between splits), max_cardinality_difference {self.max_cardinality_difference:g}.'
                ' Counts are examples carrying the label; shares are prevalences.',
                '',
            ]
            lines += self._markdown_per_split() + ['']
        else:
            lines = [
                f'# Class distribution of `{self.label_feature}`: {status}',
                '',
                f'max_split_distance {self.max_split_distance:g} (L-infinity between splits), '
                f'target_tolerance {self.target_tolerance:g}.',
                '',
            ]
        lines += self._markdown_counts() + self._markdown_distances() + self._markdown_strata()
        if self.drift:
            lines += ['', '## Drift from the baseline', '']
            for split in self.drift:
                lines += [self.drift_table(split), '']
        lines += ['', '## Findings', '']
        if self.passed:
            lines.append('None: every check passed.')
        for f in self.findings:
            lines.append(f'- **{f.kind}** ({", ".join(f.splits)}): {f.description} Fix: {f.fix}')
        if self.notes:
            lines += ['', '## Notes (not violations)', '']
        for n in self.notes:
            lines.append(f'- **{n.kind}** ({", ".join(n.splits)}): {n.description} {n.fix}')
        return '\n'.join(lines) + '\n'

    def _markdown_per_split(self) -> List[str]:
        lines = ['| split | examples | label values | labels per example | no label |']
        lines.append('|---|---:|---:|---:|---:|')
        for s, d in self.distributions.items():
            unlabeled = 'unknown (statistics)' if d.unlabeled is None else str(d.unlabeled)
            lines.append(
                f'| {s} | {d.examples} | {d.label_values} | {d.cardinality:.4f} | {unlabeled} |'
            )
        return lines

    def _markdown_counts(self) -> List[str]:
        dists = self.distributions.values()
        head = 'label' if self.multi_label else 'class'
        lines = [f'| {head} | ' + ' | '.join(self.distributions) + ' |']
        lines.append('|---|' + '---:|' * len(self.distributions))
        for c in self.classes:
            cells = [f'{d.counts.get(c, 0)} ({d.share(c):.2%})' for d in dists]
            lines.append(f'| {class_name(c)} | ' + ' | '.join(cells) + ' |')
        total = 'examples' if self.multi_label else 'total'
        lines.append(f'| {total} | ' + ' | '.join(str(d.total) for d in dists) + ' |')
        return lines

    def _markdown_distances(self) -> List[str]:
        lines = []
        if self.split_distances:
            lines += ['', '| splits | L-infinity | Jensen-Shannon | largest differences |']
            lines.append('|---|---:|---:|---|')
            for (a, b), v in self.split_distances.items():
                jsd = v.get('jensen_shannon_divergence')
                jsd_text = f'{jsd:.4f}' if jsd is not None else ''
                top = ', '.join(v['top_classes'])
                lines.append(f'| {a} vs {b} | {v["linf"]:.4f} | {jsd_text} | {top} |')
        if self.target_distances:
            lines += ['', '| split | target | L-infinity | largest differences |']
            lines.append('|---|---|---:|---|')
            for split, v in self.target_distances.items():
                target = v['target'] if isinstance(v['target'], str) else 'custom'
                top = ', '.join(v['top_classes'])
                lines.append(f'| {split} | {target} | {v["linf"]:.4f} | {top} |')
        return lines

    def _markdown_strata(self) -> List[str]:
        """Per stratify feature: its values, and the largest distance of a value's class mix."""
        if not self.strata:
            return []
        lines = [
            '',
            '| stratify feature | values | largest distance of a class mix | where | class count '
            "| bound's range |",
            '|---|---:|---:|---|---:|---:|',
        ]
        for feature in self.strata[STRATA_FEATURES]:
            values = len(self.strata[STRATA_MIX][feature])
            worst = self.strata[STRATA_LARGEST].get(feature)
            if worst is None:
                lines.append(f'| {feature} | {values} | | | | |')
                continue
            low, high = worst[STRATUM_RANGE]
            value, label = worst[split_report.DEVIATION_VALUE], worst[split_report.STRATUM_CLASS]
            lines.append(
                f'| {feature} | {values} | {worst[STRATA_DISTANCE]:.4f} | {feature}={value!r}, '
                f"class '{label}', split '{worst[split_report.DEVIATION_SPLIT]}' | "
                f'{worst[split_report.STRATUM_COUNTS]} | {low}-{high} |'
            )
        return lines

    def drift_table(self, split: str) -> str:
        """The markdown per-class table of one split against its baseline, with its noise column."""
        d = self.drift[split]
        jsd = d['jensen_shannon_divergence']
        lines = [
            f"Split '{split}' against the baseline: L-infinity {d['linf']:.4f} "
            f'(max_drift_distance {d["max_drift_distance"]:g}), Jensen-Shannon '
            + ('-' if jsd is None else f'{jsd:.4f}')
            + (
                ''
                if d['max_drift_divergence'] is None
                else f' (max_drift_divergence {d["max_drift_divergence"]:g})'
            )
            + '. Noise: the difference chance alone gives (1 standard deviation); a threshold '
            'under 3-4 times the largest alarms on spans without a shift.',
            '',
            '| class | baseline share (count) | current share (count) | difference | noise |',
            '|---|---:|---:|---:|---:|',
        ]
        for name, row in d['classes'].items():
            change = (
                ' (appeared)'
                if name in d['appeared']
                else (' (vanished)' if name in d['vanished'] else '')
            )
            lines.append(
                f'| {name}{change} | {row["baseline_share"]:.4f} ({row["baseline"]}) | '
                f'{row["current_share"]:.4f} ({row["current"]}) | {row["difference"]:+.4f} | '
                f'{row["noise"]:.4f} |'
            )
        return '\n'.join(lines)

    def error_message(self) -> str:
        what = (
            'label prevalence check of multi-label feature'
            if self.multi_label
            else ('class distribution check of label')
        )
        head = f"{what} '{self.label_feature}' failed with {len(self.findings)} finding(s):"
        body = [f'- {f.description} Fix: {f.fix}' for f in self.findings]
        counts = 'Examples carrying each label:' if self.multi_label else 'Per-class counts:'
        drifted = [s for s in self.drift if any(s in f.splits for f in self._drift_findings())]
        tables = [self.drift_table(s) for s in drifted]
        return '\n'.join([head] + body + tables + [counts, self.count_table()])

    def _drift_findings(self) -> List[Finding]:
        return [f for f in self.findings if f.kind in (DRIFT_DISTANCE, DRIFT_DIVERGENCE)]

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
        if split in self.drift:
            info = result.drift_skew_info.add()
            info.path.step.append(self.label_feature)
            d = self.drift[split]
            info.drift_measurements.add(
                type=anomalies_pb2.DriftSkewInfo.Measurement.L_INFTY,
                value=d['linf'],
                threshold=d['max_drift_distance'],
            )
            if d['max_drift_divergence'] is not None:
                info.drift_measurements.add(
                    type=anomalies_pb2.DriftSkewInfo.Measurement.JENSEN_SHANNON_DIVERGENCE,
                    value=d['jensen_shannon_divergence'],
                    threshold=d['max_drift_divergence'],
                )
        findings = self.findings_for(split)
        if findings:
            self._add_anomaly_info(result, findings)
        return result

    def _add_anomaly_info(self, result: anomalies_pb2.Anomalies, findings: List[Finding]):
        info = result.anomaly_info[self.label_feature]
        info.path.step.append(self.label_feature)
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
        for f in findings:
            reason = info.reason.add()
            reason.type, reason.short_description = _REASONS[f.kind]
            reason.description = f'{f.description} Fix: {f.fix}'
        info.short_description = (
            info.reason[0].short_description if len(findings) == 1 else 'Multiple errors'
        )
        info.description = ' '.join(r.description for r in info.reason)
