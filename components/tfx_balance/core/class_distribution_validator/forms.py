"""The label forms of ClassDistributionValidator: the one place one label and label sets differ.

One label per example has class **shares** that add up to 1 (``ClassShares``): two splits
are measured by TFDV's L-infinity (and Jensen-Shannon) comparator, cross-checked with the exact
counts, and a split can be held to target shares (``targets``). A label set has per-label
**prevalences** that do not (``LabelPrevalences``): two splits are measured by the largest
prevalence difference and the label cardinality, and each label can be held to
``max_prevalence_difference`` from the reference split (the first compared split) and to
``min_prevalence``. Everything else (the splits checked, missing classes, the report) is the same
code (``checks.py``, the validator's executor), which picks the form from ``multi_label`` in
one table (``LABEL_FORMS``).

Each form has ``from_statistics`` (the reader of one split's statistics, ``counts.py``; None
when the statistics hold no per-label counts and the examples must be counted),
``counts_examples`` (whether given examples are counted, ``example_counts.py``),
``schema_domain`` (whether a schema's label domain names expected classes),
``measure(config, classes, compared, jsd_threshold)``, giving the function that measures one
pair of splits (``(values, findings)``), and ``per_split(distributions, compared, classes,
config)``, giving ``(target_distances, findings)``. Rules: docs/class_distribution_validator.md.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Tuple

from tfx_balance.core.class_distribution_validator import drift
from tfx_balance.core.class_distribution_validator.config import UNIFORM, ValidatorConfig
from tfx_balance.core.class_distribution_validator.counts import (
    LabelDistribution,
    LabelPrevalence,
    label_distribution,
    prevalence_from_statistics,
)
from tfx_balance.core.class_distribution_validator.drift import comparator_schema
from tfx_balance.core.class_distribution_validator.presence import (
    described,
    split_by_bound,
    within_bound,
)
from tfx_balance.core.class_distribution_validator.report import (
    CARDINALITY_DISTANCE,
    MIN_PREVALENCE,
    PREVALENCE_DIFFERENCE,
    PREVALENCE_DISTANCE,
    SPLIT_DISTANCE,
    TARGET_DISTANCE,
    Finding,
    above,
)
from tfx_balance.core.labels import ClassValue, class_name, parse_class_name, sorted_classes

TOP_CLASSES = 3  # classes named in a distance finding


def linf(p: Mapping[ClassValue, float], q: Mapping[ClassValue, float]):
    """L-infinity distance of two share maps, and ``[(class, |p - q|)]`` largest first."""
    classes = sorted_classes(list(p) + list(q))
    diffs = [(c, abs(p.get(c, 0.0) - q.get(c, 0.0))) for c in classes]
    diffs.sort(key=lambda item: -round(item[1], 12))  # stable: ties keep class order
    return (diffs[0][1] if diffs else 0.0), diffs


def shares(dist: LabelDistribution) -> Dict[ClassValue, float]:
    return {c: dist.share(c) for c in dist.counts}


class ClassShares:
    """One label per example: class shares between splits (TFDV) and against targets."""

    from_statistics = staticmethod(label_distribution)
    counts_examples = False  # the statistics' counts are exact, or an error says why not
    schema_domain = True

    def measure(self, config: ValidatorConfig, classes, compared, jsd_threshold, bound=None):
        label_feature = config.label_feature
        schema = comparator_schema(label_feature, classes, config.max_split_distance, jsd_threshold)

        def pair(da: LabelDistribution, db: LabelDistribution):
            values, text = _measure_pair(da, db, schema, label_feature)
            splits = (da.split, db.split)
            if bound is not None:  # StratifiedSplitter's splits: its documented bound applies
                return values, _bounded_findings(
                    da, db, values, text, compared, config, jsd_threshold, bound
                )
            return values, _distance_findings(splits, values, text, compared, config, jsd_threshold)

        return pair

    def per_split(self, distributions, compared, classes, config: ValidatorConfig):
        return _target_distances(distributions, classes, config)


class LabelPrevalences:
    """A label set: per-label prevalence and label cardinality between splits, per-label limits."""

    counts_examples = True

    def __init__(self, from_statistics, schema_domain: bool):
        self.from_statistics, self.schema_domain = from_statistics, schema_domain

    def measure(self, config: ValidatorConfig, classes, compared, jsd_threshold, bound=None):
        return lambda pa, pb: _pair(pa, pb, config)

    def per_split(self, distributions, compared, labels, config: ValidatorConfig):
        findings = []
        if len(compared) > 1 and config.max_prevalence_difference is not None:
            findings += _prevalence_differences(distributions, compared, labels, config)
        if config.min_prevalence is not None:
            findings += _min_prevalence(distributions, compared, labels, config)
        return {}, findings


# One row per value of multi_label. A multi-hot vector has no per-position statistics, and its
# schema domain is its values (0/1), not its label positions.
LABEL_FORMS = {
    None: ClassShares(),
    'ids': LabelPrevalences(prevalence_from_statistics, schema_domain=True),
    'multi_hot': LabelPrevalences(None, schema_domain=False),
}


def _measure_pair(da: LabelDistribution, db: LabelDistribution, schema, label_feature: str):
    """TFDV's measurements of one pair, cross-checked with the exact counts (``drift.measure``)."""
    values = drift.measure(da, db, schema, label_feature, f"splits '{da.split}' and '{db.split}'")
    names, text = _top(linf(shares(da), shares(db))[1])
    return {**values, 'top_classes': list(names)}, text


def _distance_findings(
    pair, values, text, compared, config, jsd_threshold, splitter: bool = False, beyond=''
) -> List[Finding]:
    """The L-infinity and Jensen-Shannon findings of one measured pair of splits (``splitter``:
    the splits are StratifiedSplitter's, and ``beyond`` says which classes exceed its bound)."""
    what = f"the '{config.label_feature}' distributions of splits '{pair[0]}' and '{pair[1]}'"
    findings = []
    linf_value, limit = values['linf'], config.max_split_distance
    if linf_value > limit:
        shown = above(linf_value, limit)
        findings.append(
            Finding(
                SPLIT_DISTANCE,
                pair,
                f'the L-infinity distance between {what} is {shown}, above max_split_distance '
                f'{limit:g}; largest share differences: {text}.{beyond}',
                _split_fix(
                    pair, compared, config, f'raise max_split_distance above {shown}', splitter
                ),
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
                f'the Jensen-Shannon divergence between {what} is {above(jsd, jsd_threshold)}, '
                f"above the schema's threshold {jsd_threshold:g}.",
                _split_fix(pair, compared, config, loosen, splitter),
                distance=jsd,
                threshold=jsd_threshold,
                classes=tuple(values['top_classes']),
            )
        )
    return findings


def _bounded_findings(da, db, values, text, compared, config, jsd_threshold, bound):
    """The findings of a pair of StratifiedSplitter's splits: a class whose share difference is
    within the splitter's documented bound (``bound(class, a, b)``) is a note
    (presence.within_bound); the L-infinity finding stays when some class is beyond it."""
    limit, pair = config.max_split_distance, (da.split, db.split)
    over, within = split_by_bound(da, db, limit, bound)
    beyond = f" Beyond StratifiedSplitter's documented bound: {described(over)}." if over else ''
    measured = values if over else dict(values, linf=0.0)  # all within: Jensen-Shannon only
    found = _distance_findings(pair, measured, text, compared, config, jsd_threshold, True, beyond)
    if within:
        found.append(within_bound(*pair, config.label_feature, limit, within, values))
    return found


def _split_fix(
    pair: Tuple[str, str], compared, config: ValidatorConfig, loosen: str, splitter: bool = False
) -> str:
    """The fix of a split-vs-split distance: it depends on whether a split has its own target,
    and on whether the splits are known to be StratifiedSplitter's (``splitter``)."""
    targeted = [s for s in pair if s in config.targets]
    if targeted:
        rest = [s for s in compared if s not in config.targets]
        example = rest if len(rest) >= 2 else []
        return (
            f"split '{targeted[0]}' has a target of its own in targets, so it is expected to "
            f'differ from the other splits: leave it out of compare_splits (e.g. '
            f'compare_splits={example!r}), or {loosen} if the two must stay close.'
        )
    rebalanced = (
        'if one of these splits was rebalanced on purpose (e.g. by BalancedAugmenter), leave it '
        'out of compare_splits and check it with targets instead'
    )
    if splitter:
        return (
            "these splits are StratifiedSplitter's (split_counts.json of examples=), and the "
            'difference is beyond its documented bound: check that the statistics are of its '
            f'output as it wrote it (nothing filtered or resampled in between); {rebalanced}; '
            f'or {loosen} if this difference is acceptable.'
        )
    return (
        'if these splits were not made by StratifiedSplitter, split with it to give every split '
        'the same class shares; if they were, pass its output as examples= so that the '
        'differences its documented bound allows (group_feature, classes with fewer examples '
        f'than splits) are not reported; {rebalanced}; or {loosen} if this difference is '
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
                    f"split '{split}' is {above(distance, config.target_tolerance)} "
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
        f'target_tolerance above {above(distance, tolerance)}, or change the target (if you '
        'balance at training time with tfx_balance.balanced_dataset instead, the stored split '
        'stays as it is: leave it out of targets).'
    )


_STRATIFY = (
    "split with StratifiedSplitter(multi_label='{mode}'), which keeps every label's prevalence "
    'close in every split; if a split was rebalanced on purpose, leave it out of compare_splits'
)


def _pair(pa: LabelPrevalence, pb: LabelPrevalence, config: ValidatorConfig):
    """The prevalence and cardinality distances of two splits, and their findings."""
    distance, diffs = linf(shares(pa), shares(pb))
    names, text = _top(diffs)
    cardinality = abs(pa.cardinality - pb.cardinality)
    values = {
        'linf': distance,
        'cardinality_difference': cardinality,
        'cardinality': [pa.cardinality, pb.cardinality],
        'top_classes': list(names),
    }
    what = f"multi-label feature '{config.label_feature}' in splits '{pa.split}' and '{pb.split}'"
    fix = _STRATIFY.format(mode=config.multi_label)
    findings = []
    if distance > config.max_split_distance:
        shown = above(distance, config.max_split_distance)
        findings.append(
            Finding(
                PREVALENCE_DISTANCE,
                (pa.split, pb.split),
                f'the largest label prevalence difference of {what} is {shown}, above '
                f'max_split_distance {config.max_split_distance:g}; largest differences: {text}.',
                f'{fix}; or raise max_split_distance above {shown}.',
                distance=distance,
                threshold=config.max_split_distance,
                classes=names,
            )
        )
    if cardinality > config.max_cardinality_difference:
        shown = above(cardinality, config.max_cardinality_difference)
        findings.append(
            Finding(
                CARDINALITY_DISTANCE,
                (pa.split, pb.split),
                f'the label cardinality (mean labels per example) of {what} is '
                f'{pa.cardinality:.4f} and {pb.cardinality:.4f}, a difference of {shown}, above '
                f'max_cardinality_difference {config.max_cardinality_difference:g}.',
                f'{fix}; or raise max_cardinality_difference above {shown}.',
                distance=cardinality,
                threshold=config.max_cardinality_difference,
            )
        )
    return values, findings


def _limits(per_label, labels: List[ClassValue]) -> dict:
    """``{label: limit}`` of a per-label argument: every label, or the labels it names."""
    if isinstance(per_label, Mapping):
        return {parse_class_name(name, labels): limit for name, limit in per_label.items()}
    return dict.fromkeys(labels, per_label)


def _describe(p: LabelPrevalence, label: ClassValue) -> str:
    return f'{p.share(label):.4f} ({p.counts.get(label, 0)} of {p.examples} examples)'


def _prevalence_differences(prevalences, compared, labels, config) -> List[Finding]:
    """Every (label, split) whose prevalence is too far from the reference split's."""
    reference = prevalences[compared[0]]
    findings = []
    for split in compared[1:]:
        p = prevalences[split]
        for label, limit in _limits(config.max_prevalence_difference, labels).items():
            difference = abs(p.share(label) - reference.share(label))
            if difference <= limit:
                continue
            name, shown = class_name(label), above(difference, limit)
            findings.append(
                Finding(
                    PREVALENCE_DIFFERENCE,
                    (reference.split, split),
                    f"label '{name}' of multi-label feature '{config.label_feature}' has "
                    f"prevalence {_describe(p, label)} in split '{split}' and "
                    f"{_describe(reference, label)} in the reference split '{reference.split}' "
                    f'(the first compared split): a difference of {shown}, above '
                    f'max_prevalence_difference {limit:g}.',
                    f'{_STRATIFY.format(mode=config.multi_label)}; or raise the limit of label '
                    f"'{name}' in max_prevalence_difference above {shown}.",
                    distance=difference,
                    threshold=limit,
                    classes=(name,),
                )
            )
    return findings


def _min_prevalence(prevalences, compared, labels, config) -> List[Finding]:
    """Every (label, split) below its minimum prevalence."""
    findings = []
    for split in compared:
        p = prevalences[split]
        for label, minimum in _limits(config.min_prevalence, labels).items():
            if p.share(label) >= minimum:
                continue
            name = class_name(label)
            findings.append(
                Finding(
                    MIN_PREVALENCE,
                    (split,),
                    f"label '{name}' of multi-label feature '{config.label_feature}' has "
                    f"prevalence {_describe(p, label)} in split '{split}', below min_prevalence "
                    f'{minimum:g}.',
                    f"collect more examples carrying label '{name}', or lower its "
                    'min_prevalence (e.g. min_prevalence={'
                    + repr(name)
                    + f': {p.share(label):.4f}}}'
                    ') if its prevalence is as expected.',
                    distance=p.share(label),
                    threshold=minimum,
                    classes=(name,),
                )
            )
    return findings


def _top(diffs, k: int = TOP_CLASSES) -> Tuple[Tuple[str, ...], str]:
    named = [(class_name(c), d) for c, d in diffs[:k] if d > 0]
    text = ', '.join(f"'{name}' ({d:.4f})" for name, d in named)
    return tuple(name for name, _ in named), text
