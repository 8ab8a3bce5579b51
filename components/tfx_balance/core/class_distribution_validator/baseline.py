"""Class-distribution drift: each split against the same split of a baseline (e.g. the last span).

Each split both sides have is measured by TFDV's comparators (``drift.measure``) and tabled
per class with the sampling noise of the difference (information only); a measure above its split's
threshold is a violation. A split only one side has is not compared: a note names it and a
warning is logged (no split in common is a DataError). Rules: docs/class_distribution_validator.md.

Example:
    >>> from tfx_balance.core.class_distribution_validator.counts import LabelDistribution
    >>> from tfx_balance.core.class_distribution_validator.config import ValidatorConfig
    >>> previous = {'train': LabelDistribution('train', {b'fraud': 54, b'ok': 946}, 'top_values')}
    >>> current = {'train': LabelDistribution('train', {b'fraud': 101, b'ok': 899}, 'top_values')}
    >>> drift, findings, notes = check_baseline(current, previous, ValidatorConfig('label'))
    >>> round(drift['train']['linf'], 3), [f.kind for f in findings]
    (0.047, ['drift_distance'])
    >>> drift['train']['classes']['fraud']['noise']
    0.011958
    >>> suggest_max_drift_distance(previous)  # 4 x the noise of a 5.4% share, 1,000 vs 1,000
    {'train': 0.041}
"""

from __future__ import annotations

import logging
import math
from typing import Dict, List, Mapping, Tuple

from tfx_balance.core.class_distribution_validator import drift
from tfx_balance.core.class_distribution_validator.config import (
    DEFAULT_MAX_DRIFT_DISTANCE,
    ValidatorConfig,
)
from tfx_balance.core.class_distribution_validator.counts import LabelDistribution
from tfx_balance.core.class_distribution_validator.report import (
    CLASSES_CHANGED,
    DRIFT_DISTANCE,
    DRIFT_DIVERGENCE,
    SPLIT_NOT_COMPARED,
    Finding,
    above,
)
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.labels import class_name, sorted_classes

# TFDV computes the Jensen-Shannon divergence only for a feature whose schema has a threshold:
# without max_drift_divergence the comparator gets the largest one, so the value is reported.
_REPORT_ONLY_DIVERGENCE = 1.0
# Standard deviations of noise a threshold should leave: 3 alarms by chance on about 1 split in
# 370 per class, 4 on about 1 in 16,000.
NOISE_MULTIPLE = 4.0

_log = logging.getLogger(__name__)


def check_baseline(
    distributions: Mapping[str, LabelDistribution],
    baseline: Mapping[str, LabelDistribution],
    config: ValidatorConfig,
) -> Tuple[Dict[str, dict], List[Finding], List[Finding]]:
    """``(drift, findings, notes)``: per split in both, its measures and per-class table."""
    splits = [s for s in distributions if s in baseline]
    if not splits:
        raise DataError(
            f'the baseline statistics have split(s) {", ".join(map(repr, baseline)) or "(none)"}'
            f' and the statistics split(s) {", ".join(map(repr, distributions))}: none in '
            'common, so no split can be compared with its baseline. Give baseline_statistics '
            'from the same pipeline step as statistics (the same splits, an earlier span).'
        )
    label = config.label_feature
    results, findings, notes = {}, [], _not_compared(distributions, baseline)
    for note in notes:
        _log.warning('ClassDistributionValidator: %s %s', note.description, note.fix)
    for split in splits:
        previous, current = baseline[split], distributions[split]
        if not previous.total or not current.total:
            continue  # an empty split is reported by the missing-class check
        classes = sorted_classes(list(previous.counts) + list(current.counts))
        distance, divergence = config.drift_thresholds(split)
        schema = drift.comparator_schema(
            label, classes, distance, divergence or _REPORT_ONLY_DIVERGENCE
        )
        what = f"split '{split}' and the baseline's split '{split}'"
        values = drift.measure(previous, current, schema, label, what)
        table = {
            class_name(c): {
                'baseline': previous.counts.get(c, 0),
                'baseline_share': round(previous.share(c), 6),
                'current': current.counts.get(c, 0),
                'current_share': round(current.share(c), 6),
                'difference': round(current.share(c) - previous.share(c), 6),
                'noise': round(_noise(c, previous, current), 6),
            }
            for c in classes
        }
        appeared = [class_name(c) for c in classes if c not in previous.counts]
        vanished = [class_name(c) for c in classes if c not in current.counts]
        results[split] = {
            **values,
            'max_drift_distance': distance,
            'max_drift_divergence': divergence,
            'classes': table,
            'appeared': appeared,
            'vanished': vanished,
        }
        found = _findings(split, results[split], config.label_feature)
        findings += found
        if not found and (appeared or vanished):
            notes.append(_changed_note(split, appeared, vanished, label))
    return results, findings, notes


def _not_compared(
    distributions: Mapping[str, LabelDistribution], baseline: Mapping[str, LabelDistribution]
) -> List[Finding]:
    """A note per split only one side (the statistics or the baseline) has: it is not compared."""
    today, before = ', '.join(distributions), ', '.join(baseline)
    notes = [
        Finding(
            SPLIT_NOT_COMPARED,
            (split,),
            f"split '{split}' was not compared with the baseline: the baseline statistics have "
            f"no split '{split}' (baseline splits: {before}), so its drift is not checked.",
            'Nothing to fix if the split is new (the next span compares it); otherwise give '
            'baseline_statistics from the StatisticsGen of statistics (the same splits, an '
            'earlier span).',
        )
        for split in distributions
        if split not in baseline
    ]
    notes += [
        Finding(
            SPLIT_NOT_COMPARED,
            (split,),
            f"the baseline's split '{split}' was not compared: the statistics have no split "
            f"'{split}' (splits: {today}).",
            'Nothing to fix if the split was dropped on purpose; otherwise check the splits of '
            "this span's ExampleGen or StratifiedSplitter.",
        )
        for split in baseline
        if split not in distributions
    ]
    return notes


def _noise(c, previous: LabelDistribution, current: LabelDistribution) -> float:
    """The sampling noise of class c's share difference, at its share in both spans pooled."""
    pooled = (previous.counts.get(c, 0) + current.counts.get(c, 0)) / (
        previous.total + current.total
    )
    return drift.sampling_noise(pooled, current.total, previous.total)


def suggest_max_drift_distance(
    baseline: Mapping[str, LabelDistribution],
    multiple: float = NOISE_MULTIPLE,
    at_least: float = DEFAULT_MAX_DRIFT_DISTANCE,
) -> Dict[str, float]:
    """``{split: max_drift_distance}``: ``multiple`` times the largest sampling noise of a class
    share, rounded up to 3 decimals, at least ``at_least``; empty splits left out."""
    result = {}
    for split, dist in baseline.items():
        if not dist.total:
            continue
        noise = max(
            drift.sampling_noise(dist.share(c), dist.total, dist.total) for c in dist.counts
        )
        result[split] = max(at_least, math.ceil(round(multiple * noise, 9) * 1000) / 1000)
    return result


def _findings(split: str, measured: dict, label: str) -> List[Finding]:
    """The violations of one split's measures against its thresholds."""
    table = measured['classes']
    moved = sorted(table, key=lambda name: -abs(table[name]['difference']))
    top = [name for name in moved if table[name]['difference']][:3]
    differences = ', '.join(
        f"'{n}' {table[n]['baseline_share']:.4f} -> {table[n]['current_share']:.4f}" for n in top
    )
    changed = _changed_text(measured['appeared'], measured['vanished'])
    what = f"the '{label}' class shares of split '{split}'"
    checks = [
        (DRIFT_DISTANCE, 'L-infinity distance', 'linf', 'max_drift_distance'),
        (DRIFT_DIVERGENCE, 'Jensen-Shannon divergence', 'jensen_shannon_divergence',
         'max_drift_divergence'),
    ]  # fmt: skip
    findings = []
    for kind, measure, key, parameter in checks:
        value, limit = measured[key], measured[parameter]
        if limit is None or value is None or value <= limit:
            continue
        shown = above(value, limit)
        noise = table[top[0]]['noise'] if top else 0.0
        findings.append(
            Finding(
                kind,
                (split,),
                f'the {measure} between {what} and the baseline (the same split of the '
                f'baseline statistics) is {shown}, above {parameter} {limit:g}; largest share '
                f'changes: {differences}.{changed}',
                f"check how the new data of split '{split}' was collected and labelled (the "
                'per-class table below shows which classes moved); if the shift is real, retrain '
                f'on it knowingly: raise {parameter} above {shown} for this run, or set '
                'fail_on_violation=False to record the drift and go on. Chance alone moves '
                + (f"'{top[0]}' by {noise:.4f} here" if top else 'no class here')
                + ' (one standard deviation, the noise column): a limit under 3-4 times that '
                f"alarms on spans without a shift; give split '{split}' its own, e.g. "
                f"{parameter}={{'{split}': ...}}.",
                distance=value,
                threshold=limit,
                classes=tuple(top),
            )
        )
    return findings


def _changed_text(appeared, vanished) -> str:
    parts = []
    if appeared:
        parts.append(f'appeared (not in the baseline): {", ".join(map(repr, appeared))}')
    if vanished:
        parts.append(f'vanished (in the baseline only): {", ".join(map(repr, vanished))}')
    return f' Classes {"; ".join(parts)}.' if parts else ''


def _changed_note(split, appeared, vanished, label) -> Finding:
    return Finding(
        CLASSES_CHANGED,
        (split,),
        f"split '{split}' of label '{label}' compared with the baseline:{_changed_text(appeared, vanished)}"
        ' The shares are within the drift thresholds. Not a violation.',
        'nothing to fix if the change is expected; a class that vanished has no example to '
        'train or evaluate on in this span.',
        classes=tuple(appeared + vanished),
    )
