"""Groups in two or more splits (LeakageCheck's ``group_feature``): the same rule of what a group
is as StratifiedSplitter's (:func:`~tfx_balance.core.groups.read_group_id`: int64 ``123``, bytes
``b'123'`` and float ``123.0`` are one group), so that a split the splitter made with groups
passes, and one that lets a patient's examples into train and test does not.

Per batch, the distinct ``(group, split)`` pairs; grouped by group (a shuffle of one entry per
group and split); the groups found in two or more splits counted per split and per pair of
splits, with the ``max_examples`` least ids of each pair (the same report for any bundling).

Example:
    >>> summary = GroupSummary(['train', 'test'], max_examples=5)
    >>> acc = summary.add_input(summary.create_accumulator(), (b'u7', ['train', 'test']))
    >>> found = summary.extract_output(acc)
    >>> found['groups'], found['per_split'], found['pairs'][0]['ids']
    (1, {'train': 1, 'test': 1}, ['u7'])
"""

from __future__ import annotations

from typing import List, Sequence

import apache_beam as beam

from tfx_balance.core.groups import group_name, read_group_id
from tfx_balance.core.labels import example_fingerprint


def batch_groups(item, group_feature: str) -> List[tuple]:
    """``(split, records)`` -> the distinct ``(group, split)`` pairs of the batch."""
    from tensorflow.core.example import example_pb2

    split, records = item
    found = set()
    for record in records:
        example = example_pb2.Example.FromString(record)
        group, _ = read_group_id(
            example,
            group_feature,
            lambda: f"(fingerprint {example_fingerprint(record)}) in split '{split}'",  # noqa: B023
        )
        found.add((group, split))
    return sorted(found)


class GroupSummary(beam.CombineFn):
    """``(group, [splits])`` of the groups in two or more splits -> the report's
    ``groups_across_splits`` entry (see the module docstring)."""

    def __init__(self, splits: Sequence[str], max_examples: int):
        self._splits, self._limit = list(splits), max_examples

    def create_accumulator(self):
        return {'groups': 0, 'per_split': {}, 'pairs': {}}

    def add_input(self, acc, item):
        group, splits = item
        acc['groups'] += 1
        index = sorted({self._splits.index(s) for s in splits})
        for j in index:
            acc['per_split'][j] = acc['per_split'].get(j, 0) + 1
        for a_at, a in enumerate(index):
            for b in index[a_at + 1 :]:
                count, ids = acc['pairs'].get((a, b), (0, []))
                acc['pairs'][(a, b)] = (count + 1, sorted([*ids, group])[: self._limit])
        return acc

    def merge_accumulators(self, accs):
        merged = self.create_accumulator()
        for acc in accs:
            merged['groups'] += acc['groups']
            for j, n in acc['per_split'].items():
                merged['per_split'][j] = merged['per_split'].get(j, 0) + n
            for pair, (count, ids) in acc['pairs'].items():
                had, kept = merged['pairs'].get(pair, (0, []))
                merged['pairs'][pair] = (had + count, sorted(kept + ids)[: self._limit])
        return merged

    def extract_output(self, acc):
        splits = self._splits
        return {
            'groups': acc['groups'],
            'per_split': {s: acc['per_split'].get(j, 0) for j, s in enumerate(splits)},
            'pairs': [
                {
                    'splits': [splits[a], splits[b]],
                    'groups': count,
                    'ids': list(map(group_name, ids)),
                }
                for (a, b), (count, ids) in sorted(acc['pairs'].items())
            ],
        }


class FindGroupsAcrossSplits(beam.PTransform):
    """``(split, records)`` batches -> one ``groups_across_splits`` dict (see the module doc)."""

    def __init__(self, splits: Sequence[str], group_feature: str, max_examples: int):
        super().__init__()
        self._splits, self._feature, self._limit = list(splits), group_feature, max_examples

    def expand(self, batches):
        return (
            batches
            | 'GroupPairs' >> beam.FlatMap(batch_groups, self._feature)
            | 'DistinctPairs' >> beam.Distinct()
            | 'SplitsPerGroup' >> beam.GroupByKey()
            | 'InTwoOrMore' >> beam.Filter(lambda item: len(set(item[1])) > 1)
            | 'Summarise' >> beam.CombineGlobally(GroupSummary(self._splits, self._limit))
        )
