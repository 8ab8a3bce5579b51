"""The checks of ClassDistributionValidator for a multi-label feature (``multi_label`` set).

From each split's :class:`~.multilabel_counts.LabelPrevalence` (share of the split's examples
carrying each label), :func:`run_multilabel_checks` reports:

- ``prevalence_distance``: two compared splits whose prevalence vectors are more than
  ``max_split_distance`` apart, the distance being the largest absolute prevalence difference
  over the labels (L-infinity; the labels that differ most are named);
- ``cardinality_distance``: two compared splits whose label cardinalities (mean labels per
  example) differ by more than ``max_cardinality_difference``;
- ``prevalence_difference``: a label whose prevalence in a compared split differs from its
  prevalence in the reference split (the first compared split) by more than
  ``max_prevalence_difference`` (one limit for every label, or ``{label: limit}``);
- ``min_prevalence``: a label below ``min_prevalence`` in a checked split;
- ``missing_class``: a label absent from a checked split, with the same rule as single-label
  classes (a label of fewer examples than splits, absent where StratifiedSplitter's rule puts none
  of it, is a note, not a violation).

Each finding names the label(s) and split(s). Rules: docs/class_distribution_validator.md.

Example:
    >>> from tfx_balance.core.class_distribution.multilabel_counts import LabelPrevalence
    >>> def split(name, counts, n):
    ...     return LabelPrevalence(name, counts, n, sum(counts.values()), 0, 'examples')
    >>> prevalences = {'train': split('train', {0: 400, 1: 80}, 800),
    ...                'eval': split('eval', {0: 50, 1: 2}, 100)}
    >>> config = ValidatorConfig('tags', multi_label='ids', max_split_distance=0.1,
    ...                          max_prevalence_difference={1: 0.05}).validate()
    >>> report = run_multilabel_checks(prevalences, config)  # label 1: 0.10 in train, 0.02 in eval
    >>> [(f.kind, f.splits, f.classes) for f in report.findings]
    [('prevalence_difference', ('train', 'eval'), ('1',))]
"""

from __future__ import annotations

import itertools
from typing import List, Mapping, Sequence

from tfx_balance.core.class_distribution.checks import (
    _above,
    _check_named_splits,
    _missing_class_findings,
    _top,
    linf,
    shares,
)
from tfx_balance.core.class_distribution.config import ValidatorConfig
from tfx_balance.core.class_distribution.label_counts import check_label_types
from tfx_balance.core.class_distribution.multilabel_counts import LabelPrevalence
from tfx_balance.core.class_distribution.report import (
    CARDINALITY_DISTANCE,
    MIN_PREVALENCE,
    PREVALENCE_DIFFERENCE,
    PREVALENCE_DISTANCE,
    Finding,
    Report,
)
from tfx_balance.core.labels import (
    ClassValue,
    check_distinct_names,
    class_name,
    parse_class_name,
    sorted_classes,
)

_STRATIFY = (
    "split with StratifiedSplitter(multi_label='{mode}'), which keeps every label's prevalence "
    'close in every split; if a split was rebalanced on purpose, leave it out of compare_splits'
)


def run_multilabel_checks(
    prevalences: Mapping[str, LabelPrevalence],
    config: ValidatorConfig,
    expected_labels: Sequence[ClassValue] = (),
) -> Report:
    """Runs every multi-label check on the splits' prevalences (in the given split order).

    ``config`` is a validated :class:`ValidatorConfig` with ``multi_label`` set;
    ``expected_labels`` (e.g. a schema's domain) are labels every checked split must have.
    """
    splits = list(prevalences)
    _check_named_splits(config, splits)
    feature = config.label_feature
    check_label_types(prevalences, feature)
    compared = [s for s in splits if config.compare_splits is None or s in config.compare_splits]
    labels = sorted_classes(
        [c for p in prevalences.values() for c in p.counts] + list(expected_labels)
    )
    check_distinct_names(labels, feature)
    findings, notes = _missing_class_findings(prevalences, compared, labels, feature)
    split_distances = {}
    for a, b in itertools.combinations(compared, 2):
        if not prevalences[a].examples or not prevalences[b].examples:
            continue  # an empty split is reported by the missing-label check
        values, found = _pair(prevalences[a], prevalences[b], config)
        split_distances[(a, b)] = values
        findings += found
    if len(compared) > 1 and config.max_prevalence_difference is not None:
        findings += _prevalence_differences(prevalences, compared, labels, config)
    if config.min_prevalence is not None:
        findings += _min_prevalence(prevalences, compared, labels, config)
    return Report(
        label_feature=feature,
        distributions=dict(prevalences),
        classes=labels,
        max_split_distance=config.max_split_distance,
        target_tolerance=config.target_tolerance,
        targets={},
        split_distances=split_distances,
        target_distances={},
        findings=findings,
        notes=notes,
        multi_label=config.multi_label,
        max_cardinality_difference=config.max_cardinality_difference,
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
        shown = _above(distance, config.max_split_distance)
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
        shown = _above(cardinality, config.max_cardinality_difference)
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
            name, shown = class_name(label), _above(difference, limit)
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
