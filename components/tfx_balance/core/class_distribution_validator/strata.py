"""Each stratify feature value's class mix across splits, from StratifiedSplitter's strata.

With ``stratify_features``, the splitter's ``split_counts.json`` holds each stratum's (class x
values) examples per split (its ``"strata"`` entry). ``split.report.class_mix`` sums them per
feature value into ``{feature: {value: {class: {split: examples}}}}``. ``check_strata`` compares
each split's class shares within a value with that value's class shares over all splits. It uses
the L-infinity distance and the ``max_split_distance`` of whole splits: a user who asks the
splits to agree within 2 points asks it of each site too.

Small values cannot meet such a threshold: a site of 12 examples gives a 10% split one or two,
so its class shares there move in steps of 50%. What the splitter promises for them is its
bound on counts: each stratum within 1 of its share (the floor or ceiling of ``n * w / sum(w)``,
the split sizes as ``w``, widened as for whole classes by group slack and by how far the sizes
may be off the weights: ``presence.rule_range``). So a value whose class mix is above the
threshold but whose counts are within that bound is a note (``within_splitter_bound``), and only
a count beyond the bound is a violation (``stratum_distance``): the rounding is not something
the user can fix, a count beyond it is (data filtered after the split, groups larger than the
slack allows).

Example:
    >>> strata = {'features': ['site'], 'strata': [
    ...     {'class': '0', 'values': ['a'], 'counts': {'train': 8, 'eval': 1}},
    ...     {'class': '1', 'values': ['a'], 'counts': {'train': 0, 'eval': 3}}]}
    >>> class_mix(strata)
    {'site': {'a': {'0': {'train': 8, 'eval': 1}, '1': {'train': 0, 'eval': 3}}}}
    >>> config = ValidatorConfig('label').validate()
    >>> entry, findings, notes = check_strata(strata, {'train': 80, 'eval': 10}, config)
    >>> # class '1' of site 'a': 3 examples, the rule's range 2-3 in train and 0-1 in eval
    >>> [(f.kind, f.splits, f.classes) for f in findings]
    [('stratum_distance', ('train',), ('1',)), ('stratum_distance', ('eval',), ('1',))]
    >>> entry['largest_deviation']['site']['split'], entry['largest_deviation']['site']['distance']
    ('eval', 0.5)
"""

from __future__ import annotations

from typing import Dict, List, Mapping, NamedTuple, Sequence, Tuple

from tfx_balance.core.class_distribution_validator.config import ValidatorConfig
from tfx_balance.core.class_distribution_validator.presence import rule_range
from tfx_balance.core.class_distribution_validator.report import (
    STRATA_CLASSES,
    STRATA_DISTANCE,
    STRATA_FEATURES,
    STRATA_LARGEST,
    STRATA_MIX,
    STRATUM_BEYOND,
    STRATUM_DISTANCE,
    STRATUM_RANGE,
    WITHIN_SPLITTER_BOUND,
    Finding,
    above,
)
from tfx_balance.core.split import report as split_report
from tfx_balance.core.split.report import class_mix
from tfx_balance.core.split.stratify_features import MISSING

NOTED_VALUES = 3  # values named in a note of differences within the bound


def _strata_per_cell(strata: Mapping) -> Dict[Tuple[str, str, str], int]:
    """``{(feature, value, class): strata}``: how many strata a cell sums (each within 1)."""
    features = strata[split_report.STRATA_FEATURES]
    cells = {}
    for row in strata[split_report.STRATA_ROWS]:
        for feature, value in zip(features, row[split_report.STRATA_VALUES]):
            key = (feature, MISSING if value is None else value, row[split_report.STRATUM_CLASS])
            cells[key] = cells.get(key, 0) + 1
    return cells


class Deviation(NamedTuple):
    """A value's class mix in a split: its distance from the value's mix over all splits, and
    the class named (furthest off, or furthest off among those beyond the bound)."""

    distance: float
    value: str
    label: str  # the class
    split: str
    count: int  # the class's examples of the value in the split
    here: int  # the value's examples in the split
    span: Tuple[int, int]  # the class's (fewest, most) there by the splitter's bound


def check_strata(
    strata: Mapping,
    sizes: Mapping[str, int],
    config: ValidatorConfig,
    compared: Sequence[str] | None = None,
    slack: Mapping[str, int] | None = None,
    spread: int = 0,
) -> Tuple[dict, List[Finding], List[Finding]]:
    """``(entry, findings, notes)`` of each value's class mix in each compared split.

    Args:
      strata: the ``"strata"`` entry of StratifiedSplitter's ``split_counts.json``.
      sizes: ``{split: examples}``, the splits' sizes (the weights of the splitter's bound).
      compared: the splits checked (default: every split of ``sizes``).
      slack: ``{class name: examples}`` the bound is widened by with ``group_feature``.
      spread: how far the sizes may be off the splitter's weights (``checks._spread``).

    Returns:
      ``entry``: ``class_distribution.json``'s ``"strata"``: per feature value its class counts
      per split and its distance per split, and per feature the largest deviation (value,
      class, split, distance, count, the bound's range, whether beyond it: one beyond the bound
      comes first, then the largest distance); ``findings``: a ``stratum_distance`` per
      (feature, value, split) above ``max_split_distance`` and beyond the bound, naming the
      class furthest off; ``notes``: per feature, the values above it but within the bound.
    """
    compared = list(sizes) if compared is None else [s for s in compared if s in sizes]
    slack, limit = slack or {}, config.max_split_distance
    mix, per_cell = class_mix(strata), _strata_per_cell(strata)
    entry = {STRATA_FEATURES: list(mix), STRATA_MIX: {}, STRATA_LARGEST: {}}
    findings, notes = [], []
    for feature, values in mix.items():
        entry[STRATA_MIX][feature] = {}
        worst, within = None, []
        for value, classes in values.items():
            total = sum(sum(row.values()) for row in classes.values())
            ranges = {  # each class's (fewest, most) per split: a stratum's, or a sum's
                label: rule_range(
                    sizes,
                    sum(row.values()),
                    slack.get(label, 0) + per_cell[(feature, value, label)] - 1,
                    spread,
                )
                for label, row in classes.items()
            }
            distances = {}
            for split in compared:
                here = sum(row.get(split, 0) for row in classes.values())
                if not here:
                    continue
                off = [
                    Deviation(
                        abs(row.get(split, 0) / here - sum(row.values()) / total),
                        value,
                        label,
                        split,
                        row.get(split, 0),
                        here,
                        ranges[label][split],
                    )
                    for label, row in classes.items()
                ]
                found = max(off, key=lambda o: round(o.distance, 12))
                distances[split] = round(found.distance, 6)
                beyond = [o for o in off if not o.span[0] <= o.count <= o.span[1]]
                if beyond:  # name the class furthest off among those beyond the bound
                    named = max(beyond, key=lambda o: round(o.distance, 12))
                    found = named._replace(distance=found.distance)
                rank = (bool(beyond), round(found.distance, 12))  # beyond the bound first
                if worst is None or rank > worst[0]:
                    worst = (rank, found)
                if found.distance <= limit + 1e-12:
                    continue
                if beyond:
                    findings.append(_violation(feature, found, total, beyond, config))
                else:
                    within.append(found)
            entry[STRATA_MIX][feature][value] = {
                STRATA_CLASSES: classes,
                STRATA_DISTANCE: distances,
            }
        if worst is not None:
            (beyond, _), found = worst
            entry[STRATA_LARGEST][feature] = {
                split_report.DEVIATION_VALUE: found.value,
                split_report.STRATUM_CLASS: found.label,
                split_report.DEVIATION_SPLIT: found.split,
                STRATA_DISTANCE: round(found.distance, 6),
                split_report.STRATUM_COUNTS: found.count,
                STRATUM_RANGE: list(found.span),
                STRATUM_BEYOND: beyond,
            }
        if within:
            notes.append(_note(feature, within, config))
    return entry, findings, notes


def _violation(feature: str, found: Deviation, total: int, beyond, config) -> Finding:
    out = ', '.join(f"'{o.label}' {o.count} (range {o.span[0]}-{o.span[1]})" for o in beyond)
    shown = above(found.distance, config.max_split_distance)
    value, label, split = found.value, found.label, found.split
    return Finding(
        STRATUM_DISTANCE,
        (split,),
        f"the class mix of {feature}={value!r} ({total} examples) in split '{split}' is "
        f'{shown} (L-infinity) away from its class mix over all splits, above '
        f"max_split_distance {config.max_split_distance:g}: class '{label}' of label "
        f"'{config.label_feature}' has {found.count} of its {found.here} examples there. Beyond "
        f"StratifiedSplitter's documented bound (each stratum within 1 of its share): {out}.",
        'check that the statistics are of the StratifiedSplitter output given as examples=, as '
        'it wrote it (nothing filtered or resampled in between); with group_feature, use '
        f'smaller groups; or raise max_split_distance above {shown} if this is acceptable.',
        distance=found.distance,
        threshold=config.max_split_distance,
        classes=(label,),
    )


def _note(feature: str, within: List[Deviation], config: ValidatorConfig) -> Finding:
    within = sorted(within, key=lambda w: -round(w.distance, 12))
    named = ', '.join(
        f"{feature}={w.value!r} in '{w.split}' {w.distance:.4f} (class '{w.label}': {w.count} "
        f'of {w.here})'
        for w in within[:NOTED_VALUES]
    )
    more = f' and {len(within) - NOTED_VALUES} more' if len(within) > NOTED_VALUES else ''
    return Finding(
        WITHIN_SPLITTER_BOUND,
        tuple(dict.fromkeys(w.split for w in within)),
        f"in {len(within)} (value, split) pair(s) of stratify feature '{feature}', the value's "
        f'class mix in the split is more than max_split_distance {config.max_split_distance:g} '
        "from its mix over all splits, but every count is within StratifiedSplitter's "
        f'documented bound (each stratum within 1 of its share): {named}{more}. Not a '
        'violation: these values have too few examples for their splits to match closer.',
        'nothing to fix in the splitter; for an evaluation that says more about a small '
        'value, give the small split a larger weight or collect more of its examples.',
        distance=within[0].distance,
        threshold=config.max_split_distance,
        classes=tuple(dict.fromkeys(w.label for w in within[:NOTED_VALUES])),
    )
