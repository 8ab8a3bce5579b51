"""The checks of ClassDistributionValidator: splits against each other, targets, a baseline.

``run_checks`` compares the splits of ``compare_splits`` pairwise, reports classes absent from
a checked split, and checks splits against targets; each finding carries its fix. What differs
between one label per example and a label set is one strategy per ``multi_label`` value, in
``LABEL_FORMS``.

Example (a label set; ``LabelDistribution`` values and ``targets`` for one label per example):
    >>> from tfx_balance.core.class_distribution_validator.counts import LabelPrevalence
    >>> def split(name, counts, n):
    ...     return LabelPrevalence(name, counts, n, sum(counts.values()), 0, 'examples')
    >>> prevalences = {'train': split('train', {0: 400, 1: 80}, 800),
    ...                'eval': split('eval', {0: 50, 1: 2}, 100)}
    >>> config = ValidatorConfig('tags', multi_label='ids', max_split_distance=0.1,
    ...                          max_prevalence_difference={1: 0.05}).validate()
    >>> report = run_checks(prevalences, config)  # label 1: 0.10 in train, 0.02 in eval
    >>> [(f.kind, f.splits, f.classes) for f in report.findings]
    [('prevalence_difference', ('train', 'eval'), ('1',))]
"""

from __future__ import annotations

import itertools
from typing import Dict, List, Mapping, Sequence, Tuple

from tfx_balance.core.class_distribution_validator import drift, report
from tfx_balance.core.class_distribution_validator.baseline import check_baseline
from tfx_balance.core.class_distribution_validator.config import UNIFORM, ValidatorConfig
from tfx_balance.core.class_distribution_validator.counts import (
    LabelDistribution,
    LabelPrevalence,
    check_label_types,
    label_distribution,
    prevalence_from_statistics,
)
from tfx_balance.core.class_distribution_validator.drift import comparator_schema
from tfx_balance.core.class_distribution_validator.presence import (
    SplitterCounts,
    described,
    rule_allocation,
    rule_range,
    share_bound,
    split_by_bound,
    unavoidable_absences,
    within_bound,
)
from tfx_balance.core.class_distribution_validator.report import Finding, Report, above
from tfx_balance.core.class_distribution_validator.strata import check_strata
from tfx_balance.core.common.errors import UnknownSplitError
from tfx_balance.core.common.labels import (
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
    """Validates the arguments as ``ValidatorConfig`` and runs ``run_checks``."""
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
    baseline: Mapping[str, LabelDistribution] | None = None,
    splitter: SplitterCounts | None = None,
) -> Report:
    """Runs every check on ``{split: LabelDistribution}`` (or ``LabelPrevalence``).

    Args:
      expected_classes: a schema's label domain; every checked split must have them.
      jsd_threshold: TFDV's Jensen-Shannon threshold between splits, if any.
      baseline: distributions each split is compared with by name (``baseline.py``).
      splitter: from ``split_counts.json``; what the splitter's bound allows becomes a note.
        With its strata (``stratify_features``), each value's class mix is checked too
        (``strata.check_strata``).
    """
    form = LABEL_FORMS[config.multi_label]
    splits = list(distributions)
    _check_named_splits(config, splits)
    check_label_types(distributions, config.label_feature)
    compared = [s for s in splits if config.compare_splits is None or s in config.compare_splits]
    checked = [s for s in splits if s in compared or s in config.targets]
    classes = sorted_classes(
        [c for d in distributions.values() for c in d.counts] + list(expected_classes)
    )
    check_distinct_names(classes, config.label_feature)
    findings, notes = _missing_class_findings(
        distributions, checked, classes, config.label_feature, splitter
    )
    measure = form.measure(
        config, classes, compared, jsd_threshold, _bound(distributions, classes, splitter)
    )
    split_distances = {}
    for a, b in itertools.combinations(compared, 2):
        if not distributions[a].total or not distributions[b].total:
            continue  # an empty split is reported by the missing-class check
        split_distances[(a, b)], found = measure(distributions[a], distributions[b])
        findings += [f for f in found if not f.is_note]
        notes += [f for f in found if f.is_note]
    target_distances, found = form.per_split(distributions, compared, classes, config)
    strata = {}
    if splitter is not None and splitter.strata:
        strata, violations, noted = check_strata(
            splitter.strata,
            {s: d.total for s, d in distributions.items()},
            config,
            compared,
            {class_name(c): n for c, n in splitter.slack.items()},
            _spread(classes, splitter),
        )
        found, notes = found + violations, notes + noted
    drift = {}
    if baseline is not None:
        config.check_baseline()
        named = {f'baseline {split}': dist for split, dist in baseline.items()}
        check_label_types({**distributions, **named}, config.label_feature)
        drift, drifted, changed = check_baseline(distributions, baseline, config)
        found, notes = found + drifted, notes + changed
    return Report(
        label_feature=config.label_feature,
        distributions=dict(distributions),
        classes=classes,
        max_split_distance=config.max_split_distance,
        target_tolerance=config.target_tolerance,
        targets=dict(config.targets),
        split_distances=split_distances,
        target_distances=target_distances,
        findings=findings + found,
        notes=notes,
        multi_label=config.multi_label,
        max_cardinality_difference=config.max_cardinality_difference
        if config.multi_label
        else None,
        drift=drift,
        strata=strata,
    )


def _bound(distributions, classes, splitter: SplitterCounts | None):
    """``bound(class, a, b)`` of StratifiedSplitter's bound; None without ``splitter``."""
    if splitter is None:
        return None
    sizes = {s: d.total for s, d in distributions.items()}
    totals = {c: sum(d.counts.get(c, 0) for d in distributions.values()) for c in classes}
    spread = _spread(classes, splitter)
    return lambda c, a, b: share_bound(sizes, totals[c], a, b, splitter.slack.get(c, 0), spread)


def _spread(classes, splitter: SplitterCounts) -> int:
    """How far the split sizes may be off the splitter's weights: one per class, plus its slack."""
    return len(classes) + sum(splitter.slack.values())


def run_multilabel_checks(
    prevalences: Mapping[str, LabelDistribution],
    config: ValidatorConfig,
    expected_labels: Sequence[ClassValue] = (),
) -> Report:
    """``run_checks`` under a second public name, for a label set."""
    return run_checks(prevalences, config, expected_labels)


def _check_named_splits(config: ValidatorConfig, splits: List[str]) -> None:
    """Each split an argument names must be in the statistics (a typo fails the first run)."""
    for argument, named in config.named_splits().items():
        unknown = [s for s in named if s not in splits]
        if unknown:
            raise UnknownSplitError(
                f'{argument} name(s) split(s) {", ".join(repr(s) for s in unknown)} that the '
                f'statistics do not have; splits present: {", ".join(splits)}. Name only '
                f'splits of the statistics in {argument}.'
            )


def _missing_class_findings(distributions, checked, classes, label_feature, splitter=None):
    """``(findings, notes)`` of absent classes: a note where the rule gives a split none."""
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
        slack = splitter.slack.get(c, 0) if splitter else 0
        if splitter is not None and splitter.group_feature:
            # With groups the sizes are off the weights: absent is unavoidable where the bound
            # allows 0.
            ranges = rule_range(sizes, total, slack, _spread(classes, splitter))
            unavoidable = [s for s in absent if ranges[s][0] == 0]
        else:
            unavoidable = unavoidable_absences(sizes, total, absent, slack)
        if unavoidable:
            notes.append(
                _unavoidable_note(name, label_feature, total, splits, listed, unavoidable, slack)
            )
        absent = [s for s in absent if s not in unavoidable]
        if not absent:
            continue
        where = f'in split(s) {listed} but' if present else 'in the schema domain but'
        findings.append(
            Finding(
                report.MISSING_CLASS,
                tuple(checked),
                f"class '{name}' of label '{label_feature}' is {where} missing from "
                f'split(s) {_names(absent)}.',
                _missing_class_fix(name, total, sizes, absent, label_feature, splitter),
                classes=(name,),
            )
        )
    return findings, notes


def _names(splits) -> str:
    return ', '.join(repr(s) for s in splits)


def _unavoidable_note(name, label_feature, total, splits, listed, unavoidable, slack) -> Finding:
    why = (
        f'{total} example(s), fewer than the {len(splits)} splits, so some split must lack it'
        if total < len(splits)
        else f'{total} example(s) in groups of up to {slack + 1} (split_counts.json)'
    )
    return Finding(
        report.UNAVOIDABLE_MISSING_CLASS,
        tuple(unavoidable),
        f"class '{name}' of label '{label_feature}' has {why}: it is in split(s) {listed} and "
        f"missing from split(s) {_names(unavoidable)}, to which StratifiedSplitter's rule (the "
        'split sizes as weights) gives none of it'
        + (f' or at most {slack}, less than a group' if slack else '')
        + '. Not a violation.',
        f'nothing to fix in the splits; to have the class in every split, collect at least '
        f'{len(splits)} examples of it, merge it into another class, or filter it out before '
        'splitting.',
        classes=(name,),
    )


def _missing_class_fix(name: str, total: int, sizes, absent, label_feature: str, splitter) -> str:
    if total == 0:
        return (
            f"the data has no example of class '{name}': add examples of it, or remove it from "
            f"the domain of '{label_feature}' in the schema given to the validator if the class "
            'is not expected.'
        )
    if splitter is not None:
        return (
            f"these splits are StratifiedSplitter's (split_counts.json of examples=), whose rule "
            f"gives class '{name}' ({total} example(s)) an example in split(s) {_names(absent)}: "
            'check that the statistics are of its output as it wrote it (nothing filtered in '
            'between).'
        )
    if total < len(sizes):
        placed = {s: n for s, n in rule_allocation(sizes, total).items() if n}
        return (
            f"class '{name}' has only {total} example(s) in total, fewer than the "
            f'{len(sizes)} splits, so some split must lack it, but not split(s) '
            f"{_names(absent)}: StratifiedSplitter's rule puts it in the largest split(s) "
            f'({", ".join(f"{s!r} ({n})" for s, n in placed.items())}, with the split sizes as '
            'weights). If these splits were not made by StratifiedSplitter, split with it (if '
            'they were, with group_feature, pass its output as examples= so its bound applies); '
            'to have it in every split, collect more examples of it, merge it into another '
            'class, or filter it out before splitting.'
        )
    return (
        'use StratifiedSplitter, which puts every class into every split with exact '
        'per-class counts, instead of a hash split (if these splits are its output with '
        'group_feature, pass that output as examples= so its documented bound applies).'
    )


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


# multi_label -> its form: from_statistics (None: count the examples), counts_examples,
# schema_domain, measure(...) -> pair(a, b) -> (values, findings), per_split(...).
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
    """The L-infinity and Jensen-Shannon findings of one measured pair of splits."""
    what = f"the '{config.label_feature}' distributions of splits '{pair[0]}' and '{pair[1]}'"
    findings = []
    linf_value, limit = values['linf'], config.max_split_distance
    if linf_value > limit:
        shown = above(linf_value, limit)
        findings.append(
            Finding(
                report.SPLIT_DISTANCE,
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
                report.SPLIT_DISTANCE,
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
    """Findings of StratifiedSplitter's splits: classes within its bound are a note."""
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
    """The fix of a split-vs-split distance, by the splits' targets and maker."""
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
                    report.TARGET_DISTANCE,
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
    measures = (  # kind, value, its argument, what is measured (up to the value), details, classes
        (
            report.PREVALENCE_DISTANCE,
            distance,
            'max_split_distance',
            f'the largest label prevalence difference of {what} is ',
            f'; largest differences: {text}',
            names,
        ),
        (
            report.CARDINALITY_DISTANCE,
            cardinality,
            'max_cardinality_difference',
            f'the label cardinality (mean labels per example) of {what} is '
            f'{pa.cardinality:.4f} and {pb.cardinality:.4f}, a difference of ',
            '',
            (),
        ),
    )
    findings = []
    for kind, value, argument, measured, details, classes in measures:
        limit = getattr(config, argument)
        if not value > limit:
            continue
        shown = above(value, limit)
        findings.append(
            Finding(
                kind,
                (pa.split, pb.split),
                f'{measured}{shown}, above {argument} {limit:g}{details}.',
                f'{fix}; or raise {argument} above {shown}.',
                distance=value,
                threshold=limit,
                classes=classes,
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
                    report.PREVALENCE_DIFFERENCE,
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
                    report.MIN_PREVALENCE,
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
