"""Units kept from earlier spans (pinned), and how they bend the split rule.

A unit found in an earlier span's assignments (``assignments.PinUnits``) keeps that split. Both
label forms call this module: the histogram pass counts pinned units apart (``count_pinned``),
the plan applies the rule to the whole stratum (``whole_units``) and gives the fresh units what
each split still lacks (``fresh_counts``), the placement pass gives a group its pinned split
(``PinnedGroups``), and the report says what was pinned (``pinning_report``).

Example:
    >>> fresh_counts([8, 1, 1], [3, 0, 1], 6)  # the deficits (5, 1, 0) add up to 6: exact
    [5, 1, 0]
"""

from __future__ import annotations

from typing import Dict, Mapping, NamedTuple, Sequence

from tfx_balance.core.labels import class_name, sorted_classes
from tfx_balance.core.split.allocation import allocate

# A report's entry with earlier spans' assignments: {'pinned': {class: {split: n}}, 'deviation':
# {class: {split: d}}, 'exact': bool}: per class the units pinned in each split (examples, or
# label-set units), and, for classes the pinned units kept from the rule's counts, a split's
# planned count minus the rule's (pinned units are never moved, so a split already over its
# count stays over it).
PINNED = 'pinned'
DEVIATION = 'deviation'


def count_pinned(pinned: dict, stratum, split: int, units: int) -> None:
    """Adds ``units`` pinned to ``split`` to ``pinned``: ``{stratum: {split: units}}``."""
    per_split = pinned.setdefault(stratum, {})
    per_split[split] = per_split.get(split, 0) + units


def merge_pinned(into: dict, other: dict) -> dict:
    """``into`` with ``other``'s pinned units added (both ``{stratum: {split: units}}``)."""
    for stratum, per_split in other.items():
        for split, units in per_split.items():
            count_pinned(into, stratum, split, units)
    return into


def whole_units(*tables: Mapping) -> dict:
    """``{stratum: units}`` summed over ``tables`` (strata in first-seen order): the rule
    applies to a stratum whole, its fresh and its pinned units (``pinned_units``) together."""
    whole = {}
    for table in tables:
        for stratum, units in table.items():
            whole[stratum] = whole.get(stratum, 0) + units
    return whole


def pinned_units(pinned: dict) -> dict:
    """``{stratum: units}`` of ``{stratum: {split: units}}``."""
    return {stratum: sum(per_split.values()) for stratum, per_split in pinned.items()}


def held(pinned: dict, stratum, num_splits: int) -> tuple:
    """The units of ``stratum`` pinned in each split, in split order."""
    per_split = pinned.get(stratum, {})
    return tuple(per_split.get(i, 0) for i in range(num_splits))


def fresh_counts(rule: Sequence[int], pinned: Sequence[int], fresh: int) -> list:
    """Counts per split of a stratum's ``fresh`` units when ``pinned[i]`` units are already in
    split ``i`` and ``rule`` is the whole stratum's: each split's deficit ``max(0, rule[i] -
    pinned[i])``, apportioned by ``allocate`` when a split holds more than its rule count.

    >>> fresh_counts([8, 1, 1], [0, 3, 0], 7)  # 2 too many in eval: 7 over deficits (8, 0, 1)
    [6, 0, 1]
    """
    deficits = [max(0, r - p) for r, p in zip(rule, pinned)]
    open_splits = [i for i, d in enumerate(deficits) if d]
    counts = [0] * len(rule)
    if not fresh or not open_splits:
        return counts
    for i, n in zip(open_splits, allocate(fresh, [deficits[i] for i in open_splits])):
        counts[i] = n
    return counts


class PinnedGroups(NamedTuple):
    """The groups of one plan-pass batch that earlier spans pinned: ``{group: split}``."""

    splits: Dict[bytes, int]


def pinned_groups(units) -> list:
    """The ``PinnedGroups`` of a plan-pass batch of units, as one element (none when none is)."""
    found = {u.group: u.pinned for u in units if u.group is not None and u.pinned is not None}
    return [PinnedGroups(found)] if found else []


def key_by_group_or_pinned(element, key_by_group, *args, **kwargs):
    """The ``(group, value)`` pairs of an element of the placement pass's input: an input
    batch's ``key_by_group(batch, *args, **kwargs)`` (the form's), or a ``PinnedGroups``' items.
    They come in one PCollection so that the grouping stays fused (docs: "Design")."""
    if isinstance(element, PinnedGroups):
        return list(element.splits.items())
    return key_by_group(element, *args, **kwargs)


def group_members(members) -> tuple:
    """A group's ``(entries, pinned)``: its examples' ``key_by_group`` entries, and its pinned
    split (the one int among the grouped values) or None."""
    entries, pinned = [], None
    for member in members:
        if isinstance(member, int):
            pinned = member
        else:
            entries.append(member)
    return entries, pinned


def pinning_report(plans, split_names) -> dict:
    """The ``PINNED`` entry of a report from the plans (``{stratum: ClassSplitPlan or split
    index}``): per label, the units pinned per split and the planned count minus the rule's."""
    pinned, deviation = {}, {}
    for stratum, plan in plans.items():
        if isinstance(plan, int) or plan.pinned is None:
            continue
        off = [p + c - r for p, c, r in zip(plan.pinned, plan.counts, plan.rule)]
        for label in stratum if isinstance(stratum, tuple) else (stratum,):
            for table, row in ((pinned, plan.pinned), (deviation, off)):
                sums = table.setdefault(label, [0] * len(split_names))
                for i, n in enumerate(row):
                    sums[i] += n
    named = lambda table: {  # noqa: E731
        class_name(label): dict(zip(split_names, table[label]))
        for label in sorted_classes(table)
        if any(table[label])
    }
    off = named(deviation)
    return {PINNED: named(pinned), DEVIATION: off, 'exact': not off}


def pinning_lines(report: dict, what: str = 'examples') -> list:
    """The logged lines of a report's ``PINNED`` entry."""
    pinning = report.get(PINNED)
    if not isinstance(pinning, dict) or PINNED not in pinning:
        return []
    units = sum(n for row in pinning[PINNED].values() for n in row.values())
    if pinning['exact']:
        return [f"pinned by earlier spans: {units} {what}; every class at the rule's counts"]
    off = '; '.join(
        f'{label} ' + ', '.join(f'{split} {d:+d}' for split, d in row.items() if d)
        for label, row in pinning[DEVIATION].items()
    )
    return [f'pinned by earlier spans: {units} {what}; off the rule (planned - rule): {off}']
