"""The checks of ClassDistributionValidator, one path for one label per example and label sets.

``run_checks`` compares the splits named by ``compare_splits`` pairwise, reports classes (or
labels) absent from a checked split, and checks each split against its targets. One label per
example is the case of a label set of size one: the splits checked, the missing classes and the
report are this one code; what truly differs (class shares measured by TFDV against ``targets``,
or per-label prevalence, cardinality, ``max_prevalence_difference`` and ``min_prevalence``) is one
small strategy of ``forms.py``, chosen by ``config.multi_label`` (``forms.LABEL_FORMS``).
Every finding carries the fix that fits it. A class absent from a split to which
StratifiedSplitter's rule gives none of it (``presence.py``: fewer examples than splits) is a
note, not a finding.
Rules: docs/class_distribution_validator.md.

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
from typing import List, Mapping, Sequence

from tfx_balance.core.class_distribution_validator.baseline import check_baseline
from tfx_balance.core.class_distribution_validator.config import ValidatorConfig
from tfx_balance.core.class_distribution_validator.counts import (
    LabelDistribution,
    check_label_types,
)
from tfx_balance.core.class_distribution_validator.forms import (
    LABEL_FORMS,
    TOP_CLASSES,
    linf,
    shares,
)
from tfx_balance.core.class_distribution_validator.presence import (
    SplitterCounts,
    rule_allocation,
    rule_range,
    share_bound,
    unavoidable_absences,
)
from tfx_balance.core.class_distribution_validator.report import (
    MISSING_CLASS,
    UNAVOIDABLE_MISSING_CLASS,
    Finding,
    Report,
)
from tfx_balance.core.errors import UnknownSplitError
from tfx_balance.core.labels import ClassValue, check_distinct_names, class_name, sorted_classes

__all__ = [
    'TOP_CLASSES',
    'check_distributions',
    'linf',
    'run_checks',
    'run_multilabel_checks',
    'shares',
]


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
    """Runs every check on the splits' distributions (in the given split order).

    ``config`` is a validated ``ValidatorConfig``; ``distributions`` hold a
    ``LabelDistribution`` per split, or with ``multi_label`` a
    ``LabelPrevalence``. ``expected_classes`` (e.g. the label domain of a schema)
    are classes every checked split must have even if no split has them. ``jsd_threshold`` adds
    TFDV's Jensen-Shannon comparator between compared splits (one label per example).
    ``baseline`` (``{split: LabelDistribution}`` of e.g. the previous span) checks each split
    against the same split of the baseline (``baseline.py``); None: no such check.
    ``splitter`` (read from StratifiedSplitter's ``split_counts.json``) says the splits are its
    output: a difference or absence its documented bound allows is a note (``presence.py``).
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
    drift = {}
    if baseline is not None:
        config.check_baseline()
        check_label_types({**distributions, **_named_baseline(baseline)}, config.label_feature)
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
    )


def _bound(distributions, classes, splitter: SplitterCounts | None):
    """``bound(class, a, b)``: the largest share difference StratifiedSplitter's documented
    bound allows between splits ``a`` and ``b``; None when the splits are not known to be its."""
    if splitter is None:
        return None
    sizes = {s: d.total for s, d in distributions.items()}
    totals = {c: sum(d.counts.get(c, 0) for d in distributions.values()) for c in classes}
    spread = _spread(classes, splitter)
    return lambda c, a, b: share_bound(sizes, totals[c], a, b, splitter.slack.get(c, 0), spread)


def _spread(classes, splitter: SplitterCounts) -> int:
    """How far StratifiedSplitter's split sizes may be off its weights, in examples: a class's
    count is within one of the rule's (its rounding) or within its group slack."""
    return len(classes) + sum(splitter.slack.values())


def _named_baseline(baseline: Mapping[str, LabelDistribution]) -> dict:
    """The baseline's splits under names that say so (in a label-type error)."""
    return {f'baseline {split}': dist for split, dist in baseline.items()}


def run_multilabel_checks(
    prevalences: Mapping[str, LabelDistribution],
    config: ValidatorConfig,
    expected_labels: Sequence[ClassValue] = (),
) -> Report:
    """``run_checks`` of a label set (``config.multi_label`` set), kept for its old callers.

    Example:
        report = run_multilabel_checks(prevalences, config)  # the same as run_checks(...)
    """
    return run_checks(prevalences, config, expected_labels)


def _check_named_splits(config: ValidatorConfig, splits: List[str]) -> None:
    """Every split an argument names (config.named_splits) is a split of the statistics:
    here, where the splits are first known, so a typo fails the first run, baseline or not."""
    for argument, named in config.named_splits().items():
        unknown = [s for s in named if s not in splits]
        if unknown:
            raise UnknownSplitError(
                f'{argument} name(s) split(s) {", ".join(repr(s) for s in unknown)} that the '
                f'statistics do not have; splits present: {", ".join(splits)}. Name only '
                f'splits of the statistics in {argument}.'
            )


def _missing_class_findings(distributions, checked, classes, label_feature, splitter=None):
    """``(findings, notes)``: a finding per class that some checked split lacks although the
    splitter's rule would give it an example there (classes from any split or schema), and a note
    per class that checked splits lack because the rule gives them none (``presence.py``; with
    ``splitter``'s groups, at most the largest group - 1)."""
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
            # With groups the split sizes are off the splitter's weights by up to the spread, so
            # the sizes cannot say which split the rule gave a small class's few examples: an
            # absence is unavoidable wherever the documented bound allows a count of 0.
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
                MISSING_CLASS,
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
        UNAVOIDABLE_MISSING_CLASS,
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
