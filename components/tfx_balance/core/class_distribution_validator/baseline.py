"""Class-distribution drift: each split against the same split of a baseline (e.g. the last span).

Periodic training runs a pipeline per new span of data; a baseline is an earlier span's
statistics (the validator's ``baseline_statistics``, resolved from MLMD). Each split the current
statistics and the baseline both have is measured by TFDV's drift comparators on the label
(drift.measure: L-infinity, as TFDV's ``infinity_norm``, and Jensen-Shannon), and
reported per class (baseline share, current share, difference). A measure above its threshold
(``max_drift_distance``, ``max_drift_divergence``) is a violation; a class that appeared (absent
from the baseline) or vanished (absent now) is named, in the violation or, within the
thresholds, in a note.

Example:
    >>> from tfx_balance.core.class_distribution_validator.counts import LabelDistribution
    >>> from tfx_balance.core.class_distribution_validator.config import ValidatorConfig
    >>> previous = {'train': LabelDistribution('train', {b'fraud': 54, b'ok': 946}, 'top_values')}
    >>> current = {'train': LabelDistribution('train', {b'fraud': 101, b'ok': 899}, 'top_values')}
    >>> drift, findings, notes = check_baseline(current, previous, ValidatorConfig('label'))
    >>> round(drift['train']['linf'], 3), [f.kind for f in findings]
    (0.047, ['drift_distance'])
    >>> drift['train']['classes']['fraud']
    {'baseline': 54, 'baseline_share': 0.054, 'current': 101, 'current_share': 0.101, 'difference': 0.047}
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Tuple

from tfx_balance.core.class_distribution_validator import drift
from tfx_balance.core.class_distribution_validator.config import ValidatorConfig
from tfx_balance.core.class_distribution_validator.counts import LabelDistribution
from tfx_balance.core.class_distribution_validator.report import (
    CLASSES_CHANGED,
    DRIFT_DISTANCE,
    DRIFT_DIVERGENCE,
    Finding,
    above,
)
from tfx_balance.core.errors import DataError
from tfx_balance.core.labels import class_name, sorted_classes

# TFDV computes the Jensen-Shannon divergence only for a feature whose schema has a threshold:
# without max_drift_divergence the comparator gets the largest one, so the value is reported.
_REPORT_ONLY_DIVERGENCE = 1.0


def check_baseline(
    distributions: Mapping[str, LabelDistribution],
    baseline: Mapping[str, LabelDistribution],
    config: ValidatorConfig,
) -> Tuple[Dict[str, dict], List[Finding], List[Finding]]:
    """``(drift, findings, notes)``: per split in both, its measures and per-class table, and the
    findings and notes of the comparison (module doc)."""
    splits = [s for s in distributions if s in baseline]
    if not splits:
        raise DataError(
            f'the baseline statistics have split(s) {", ".join(map(repr, baseline)) or "(none)"}'
            f' and the statistics split(s) {", ".join(map(repr, distributions))}: none in '
            'common, so no split can be compared with its baseline. Give baseline_statistics '
            'from the same pipeline step as statistics (the same splits, an earlier span).'
        )
    label = config.label_feature
    results, findings, notes = {}, [], []
    for split in splits:
        previous, current = baseline[split], distributions[split]
        if not previous.total or not current.total:
            continue  # an empty split is reported by the missing-class check
        classes = sorted_classes(list(previous.counts) + list(current.counts))
        schema = drift.comparator_schema(
            label,
            classes,
            config.max_drift_distance,
            config.max_drift_divergence or _REPORT_ONLY_DIVERGENCE,
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
            }
            for c in classes
        }
        appeared = [class_name(c) for c in classes if c not in previous.counts]
        vanished = [class_name(c) for c in classes if c not in current.counts]
        results[split] = {
            **values,
            'max_drift_distance': config.max_drift_distance,
            'max_drift_divergence': config.max_drift_divergence,
            'classes': table,
            'appeared': appeared,
            'vanished': vanished,
        }
        found = _findings(split, values, table, appeared, vanished, config)
        findings += found
        if not found and (appeared or vanished):
            notes.append(_changed_note(split, appeared, vanished, label))
    return results, findings, notes


def _findings(split, values, table, appeared, vanished, config) -> List[Finding]:
    moved = sorted(table, key=lambda name: -abs(table[name]['difference']))
    top = [name for name in moved if table[name]['difference']][:3]
    differences = ', '.join(
        f"'{n}' {table[n]['baseline_share']:.4f} -> {table[n]['current_share']:.4f}" for n in top
    )
    changed = _changed_text(appeared, vanished)
    what = f"the '{config.label_feature}' class shares of split '{split}'"
    checks = [
        (DRIFT_DISTANCE, 'L-infinity distance', values['linf'], config.max_drift_distance),
        (
            DRIFT_DIVERGENCE,
            'Jensen-Shannon divergence',
            values['jensen_shannon_divergence'],
            config.max_drift_divergence,
        ),
    ]
    findings = []
    for kind, measure, value, limit in checks:
        if limit is None or value is None or value <= limit:
            continue
        shown = above(value, limit)
        parameter = 'max_drift_distance' if kind == DRIFT_DISTANCE else 'max_drift_divergence'
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
                'fail_on_violation=False to record the drift and go on.',
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
