"""The checks of ClassDistributionValidator: missing classes, split distances, target distances.

:func:`run_checks` compares the splits named by ``compare_splits`` pairwise (L-infinity measured
by TFDV, :mod:`.drift`, and cross-checked with the exact counts), reports classes absent from a
checked split, and checks each split named in ``targets`` against its target shares. Every
finding carries the fix that fits it. A class absent from a split to which StratifiedSplitter's
rule gives none of it (:mod:`.presence`: fewer examples than splits) is a note, not a finding.
Rules: docs/class_distribution_validator.md.
"""

from __future__ import annotations

import itertools
from typing import Dict, List, Mapping, Sequence, Tuple

from tfx_balance.core.class_distribution.config import UNIFORM, ValidatorConfig
from tfx_balance.core.class_distribution.drift import comparator_schema, tfdv_split_drift
from tfx_balance.core.class_distribution.label_counts import LabelDistribution, check_label_types
from tfx_balance.core.class_distribution.presence import rule_allocation, unavoidable_absences
from tfx_balance.core.class_distribution.report import (
    MISSING_CLASS,
    SPLIT_DISTANCE,
    TARGET_DISTANCE,
    UNAVOIDABLE_MISSING_CLASS,
    Finding,
    Report,
)
from tfx_balance.core.errors import DataError
from tfx_balance.core.labels import (
    ClassValue,
    check_distinct_names,
    class_name,
    parse_class_name,
    sorted_classes,
)

TOP_CLASSES = 3  # classes named in a distance finding


def linf(p: Mapping[ClassValue, float], q: Mapping[ClassValue, float]):
    """L-infinity distance of two share maps, and ``[(class, |p - q|)]`` largest first."""
    classes = sorted_classes(list(p) + list(q))
    diffs = [(c, abs(p.get(c, 0.0) - q.get(c, 0.0))) for c in classes]
    diffs.sort(key=lambda item: -round(item[1], 12))  # stable: ties keep class order
    return (diffs[0][1] if diffs else 0.0), diffs


def shares(dist: LabelDistribution) -> Dict[ClassValue, float]:
    return {c: dist.share(c) for c in dist.counts}


def check_distributions(
    distributions: Mapping[str, LabelDistribution],
    label_feature: str,
    max_split_distance: float = 0.02,
    targets=None,
    target_tolerance: float = 0.01,
    expected_classes: Sequence[ClassValue] = (),
    jsd_threshold: float | None = None,
    compare_splits: Sequence[str] | None = None,
) -> Report:
    """Validates the arguments as :class:`ValidatorConfig` and runs :func:`run_checks`."""
    config = ValidatorConfig(
        label_feature,
        max_split_distance=max_split_distance,
        targets=targets,
        target_tolerance=target_tolerance,
        compare_splits=compare_splits,
    ).validate()
    return run_checks(distributions, config, expected_classes, jsd_threshold)


def run_checks(
    distributions: Mapping[str, LabelDistribution],
    config: ValidatorConfig,
    expected_classes: Sequence[ClassValue] = (),
    jsd_threshold: float | None = None,
) -> Report:
    """Runs every check on the splits' distributions (in the given split order).

    ``config`` is a validated :class:`ValidatorConfig`. ``expected_classes`` (e.g. the label
    domain of a schema) are classes every checked split must have even if no split has them.
    ``jsd_threshold`` adds TFDV's Jensen-Shannon comparator between compared splits.
    """
    splits = list(distributions)
    _check_named_splits(config, splits)
    check_label_types(distributions, config.label_feature)
    compared = [s for s in splits if config.compare_splits is None or s in config.compare_splits]
    checked = [s for s in splits if s in compared or s in config.targets]
    classes = sorted_classes(
        [c for d in distributions.values() for c in d.counts] + list(expected_classes)
    )
    check_distinct_names(classes, config.label_feature)
    findings, notes = _missing_class_findings(distributions, checked, classes, config.label_feature)
    split_distances, found = _split_distances(
        distributions, compared, classes, config, jsd_threshold
    )
    target_distances, on_target = _target_distances(distributions, classes, config)
    return Report(
        label_feature=config.label_feature,
        distributions=dict(distributions),
        classes=classes,
        max_split_distance=config.max_split_distance,
        target_tolerance=config.target_tolerance,
        targets=dict(config.targets),
        split_distances=split_distances,
        target_distances=target_distances,
        findings=findings + found + on_target,
        notes=notes,
    )


def _check_named_splits(config: ValidatorConfig, splits: List[str]) -> None:
    for argument, named in (('targets', config.targets), ('compare_splits', config.compare_splits)):
        unknown = [s for s in named or () if s not in splits]
        if unknown:
            raise DataError(
                f'{argument} name(s) split(s) {", ".join(repr(s) for s in unknown)} that the '
                f'statistics do not have; splits present: {", ".join(splits)}. Name only '
                f'splits of the statistics in {argument}.'
            )


def _missing_class_findings(distributions, checked, classes, label_feature):
    """``(findings, notes)``: a finding per class that some checked split lacks although the
    splitter's rule would give it an example there (classes from any split or schema), and a note
    per class that checked splits lack because the rule gives them none (:mod:`.presence`)."""
    findings, notes = [], []
    splits = list(distributions)
    sizes = {s: distributions[s].total for s in splits}
    for c in classes:
        absent = [s for s in checked if distributions[s].counts.get(c, 0) == 0]
        if not absent:
            continue
        present = [s for s in splits if distributions[s].counts.get(c, 0) > 0]
        total = sum(distributions[s].counts.get(c, 0) for s in splits)
        name = class_name(c)
        listed = ', '.join(f"'{s}' ({distributions[s].counts[c]})" for s in present)
        unavoidable = unavoidable_absences(sizes, total, absent)
        if unavoidable:
            notes.append(_unavoidable_note(name, label_feature, total, splits, listed, unavoidable))
        absent = [s for s in absent if s not in unavoidable]
        if not absent:
            continue
        where = f'in split(s) {listed} but' if present else 'in the schema domain but'
        findings.append(
            Finding(
                MISSING_CLASS,
                tuple(checked),
                f"class '{name}' of label '{label_feature}' is {where} missing from "
                f'split(s) {_names(absent)}.',
                _missing_class_fix(name, total, sizes, absent, label_feature),
                classes=(name,),
            )
        )
    return findings, notes


def _names(splits) -> str:
    return ', '.join(repr(s) for s in splits)


def _unavoidable_note(name, label_feature, total, splits, listed, unavoidable) -> Finding:
    return Finding(
        UNAVOIDABLE_MISSING_CLASS,
        tuple(unavoidable),
        f"class '{name}' of label '{label_feature}' has {total} example(s), fewer than the "
        f'{len(splits)} splits, so some split must lack it: it is in split(s) {listed} and '
        f"missing from split(s) {_names(unavoidable)}, to which StratifiedSplitter's rule (the "
        'split sizes as weights) gives none of it. Not a violation.',
        f'nothing to fix in the splits; to have the class in every split, collect at least '
        f'{len(splits)} examples of it, merge it into another class, or filter it out before '
        'splitting.',
        classes=(name,),
    )


def _missing_class_fix(name: str, total: int, sizes, absent, label_feature: str) -> str:
    if total == 0:
        return (
            f"the data has no example of class '{name}': add examples of it, or remove it from "
            f"the domain of '{label_feature}' in the schema given to the validator if the class "
            'is not expected.'
        )
    if total < len(sizes):
        placed = {s: n for s, n in rule_allocation(sizes, total).items() if n}
        return (
            f"class '{name}' has only {total} example(s) in total, fewer than the "
            f'{len(sizes)} splits, so some split must lack it, but not split(s) '
            f"{_names(absent)}: StratifiedSplitter's rule puts it in the largest split(s) "
            f'({", ".join(f"{s!r} ({n})" for s, n in placed.items())}, with the split sizes as '
            'weights). Split with StratifiedSplitter; to have it in every split, collect more '
            'examples of it, merge it into another class, or filter it out before splitting.'
        )
    return (
        'use StratifiedSplitter, which puts every class into every split with exact '
        'per-class counts, instead of a hash split.'
    )


def _split_distances(distributions, compared, classes, config, jsd_threshold):
    """L-infinity (and JSD) between every pair of compared splits, measured by TFDV."""
    label_feature = config.label_feature
    schema = comparator_schema(label_feature, classes, config.max_split_distance, jsd_threshold)
    split_distances, findings = {}, []
    for a, b in itertools.combinations(compared, 2):
        if not distributions[a].total or not distributions[b].total:
            continue  # an empty split is reported by the missing-class check
        values, text = _measure_pair(distributions[a], distributions[b], schema, label_feature)
        split_distances[(a, b)] = values
        findings += _distance_findings((a, b), values, text, compared, config, jsd_threshold)
    return split_distances, findings


def _measure_pair(da: LabelDistribution, db: LabelDistribution, schema, label_feature: str):
    """TFDV's measurements of one pair, cross-checked with the exact counts."""
    ours, diffs = linf(shares(da), shares(db))
    measured = tfdv_split_drift(da, db, schema, label_feature)
    distance = measured.get('L_INFTY', ours)
    if abs(distance - ours) > 1e-9:
        raise DataError(
            f"TFDV measured an L-infinity distance of {distance} between splits '{da.split}' "
            f"and '{db.split}' of label '{label_feature}', but their exact counts give {ours}; "
            'the distance cannot be trusted. Report this with the statistics of both splits.'
        )
    names, text = _top(diffs)
    values = {
        'linf': distance,
        'jensen_shannon_divergence': measured.get('JENSEN_SHANNON_DIVERGENCE'),
        'top_classes': list(names),
    }
    return values, text


def _distance_findings(pair, values, text, compared, config, jsd_threshold) -> List[Finding]:
    """The L-infinity and Jensen-Shannon findings of one measured pair of splits."""
    what = f"the '{config.label_feature}' distributions of splits '{pair[0]}' and '{pair[1]}'"
    findings = []
    linf_value, limit = values['linf'], config.max_split_distance
    if linf_value > limit:
        shown = _above(linf_value, limit)
        findings.append(
            Finding(
                SPLIT_DISTANCE,
                pair,
                f'the L-infinity distance between {what} is {shown}, above max_split_distance '
                f'{limit:g}; largest share differences: {text}.',
                _split_fix(pair, compared, config, f'raise max_split_distance above {shown}'),
                distance=linf_value,
                threshold=limit,
                classes=tuple(values['top_classes']),
            )
        )
    jsd = values['jensen_shannon_divergence']
    if jsd_threshold is not None and jsd is not None and jsd > jsd_threshold:
        loosen = 'raise the jensen_shannon_divergence threshold of the label in the schema'
        findings.append(
            Finding(
                SPLIT_DISTANCE,
                pair,
                f'the Jensen-Shannon divergence between {what} is {_above(jsd, jsd_threshold)}, '
                f"above the schema's threshold {jsd_threshold:g}.",
                _split_fix(pair, compared, config, loosen),
                distance=jsd,
                threshold=jsd_threshold,
                classes=tuple(values['top_classes']),
            )
        )
    return findings


def _split_fix(pair: Tuple[str, str], compared, config: ValidatorConfig, loosen: str) -> str:
    """The fix of a split-vs-split distance: it depends on whether a split has its own target."""
    targeted = [s for s in pair if s in config.targets]
    if targeted:
        rest = [s for s in compared if s not in config.targets]
        example = rest if len(rest) >= 2 else []
        return (
            f"split '{targeted[0]}' has a target of its own in targets, so it is expected to "
            f'differ from the other splits: leave it out of compare_splits (e.g. '
            f'compare_splits={example!r}), or {loosen} if the two must stay close.'
        )
    return (
        'split with StratifiedSplitter to give every split the same class shares; if one of '
        'these splits was rebalanced on purpose (e.g. by BalancedAugmenter), leave it out of '
        f'compare_splits and check it with targets instead; or {loosen} if this difference is '
        'acceptable.'
    )


def _target_distances(distributions, classes, config: ValidatorConfig):
    """L-infinity between each split in ``targets`` and its target shares."""
    target_distances, findings = {}, []
    for split, target in config.targets.items():
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
        if distance > config.target_tolerance:
            label = "'uniform'" if target == UNIFORM else 'the given target shares'
            findings.append(
                Finding(
                    TARGET_DISTANCE,
                    (split,),
                    f"split '{split}' is {_above(distance, config.target_tolerance)} "
                    f'(L-infinity) away from its target {label} of {len(wanted)} classes, above '
                    f'target_tolerance {config.target_tolerance:g}; largest share differences: '
                    f'{text}.',
                    _target_fix(split, dist, wanted, distance, config.target_tolerance),
                    distance=distance,
                    threshold=config.target_tolerance,
                    classes=names,
                )
            )
    return target_distances, findings


def _target_fix(split, dist, wanted, distance, tolerance) -> str:
    empty = [class_name(c) for c, share in wanted.items() if share > 0 and c not in dist.counts]
    if empty:
        return (
            f"split '{split}' has no example of class(es) {', '.join(empty)}, which the target "
            'gives a share; BalancedAugmenter can only grow classes that have examples: add '
            'examples of them to this split (StratifiedSplitter puts every class in every '
            'split), or change the target.'
        )
    return (
        f"rebalance split '{split}' with BalancedAugmenter and check its output, raise "
        f'target_tolerance above {_above(distance, tolerance)}, or change the target (if you '
        'balance at training time with tfx_balance.balanced_dataset instead, the stored split '
        'stays as it is: leave it out of targets).'
    )


def _above(value: float, threshold: float) -> str:
    """``value`` with 4 decimals, or more when 4 would not show it is above ``threshold``."""
    digits = 4
    while round(value, digits) <= threshold and digits < 12:
        digits += 1
    return f'{value:.{digits}f}'


def _top(diffs, k: int = TOP_CLASSES) -> Tuple[Tuple[str, ...], str]:
    named = [(class_name(c), d) for c, d in diffs[:k] if d > 0]
    text = ', '.join(f"'{name}' ({d:.4f})" for name, d in named)
    return tuple(name for name, _ in named), text
