"""Groups in two or more splits (``group_feature``), by StratifiedSplitter's rule of a group.

``SummariseGroups``: each batch's distinct ``(group, source)`` pairs (``pair_arrays``), bucketed
by the id's crc32 (``pairs_by_bucket``), each bucket's groups in two splits (``GroupsPerBucket``),
counted per split and pair of splits with the least ids (``GroupSummary``).

Example:
    >>> summary = GroupSummary(['train', 'test'], max_examples=5)
    >>> acc = summary.add_input(summary.create_accumulator(), (b'u7', ['train', 'test']))
    >>> found = summary.extract_output(acc)
    >>> found['groups'], found['per_split'], found['pairs'][0]['ids']
    (1, {'train': 1, 'test': 1}, ['u7'])
"""

from __future__ import annotations

import zlib
from typing import List, Mapping, Sequence

import apache_beam as beam
import numpy as np

from tfx_balance.core.common.groups import group_name, read_group_ids
from tfx_balance.core.common.hashing import key_buckets
from tfx_balance.core.common.labels import example_fingerprint
from tfx_balance.core.common.records import unbatch


def batch_groups(item, group_feature: str) -> List[tuple]:
    """``(source, records)`` -> the distinct ``(group, source)`` pairs of the batch."""
    split, records = item
    ids = read_group_ids(
        records,
        group_feature,
        lambda i: f'(fingerprint {example_fingerprint(records[i])})',
        f"split '{split}'",
    )
    return sorted({(group, split) for group, _ in ids})


def source_ranks(splits: Sequence[str], split_of: Mapping[str, str]) -> dict:
    """``{source: rank}``: by split, then in the order given (the order the report names them)."""
    order = sorted(split_of, key=lambda s: splits.index(split_of[s]))
    return {source: rank for rank, source in enumerate(order)}


def in_two_or_more_splits(item, split_of: Mapping[str, str] | None) -> bool:
    """Whether a ``(group, [sources])`` has sources of two or more splits."""
    return len({split_of[s] for s in item[1]} if split_of else set(item[1])) > 1


class GroupSummary(beam.CombineFn):
    """``(group, [sources])`` of groups in two splits -> the report's ``groups_across_splits``."""

    def __init__(
        self, splits: Sequence[str], max_examples: int, split_of: Mapping[str, str] | None = None
    ):
        self._splits, self._limit, self._split_of = list(splits), max_examples, split_of
        self._rank = source_ranks(self._splits, split_of) if split_of else None

    def create_accumulator(self):
        return {'groups': 0, 'per_split': {}, 'pairs': {}}

    def add_input(self, acc, item):
        group, sources = item
        sources = tuple(sorted(set(sources), key=self._rank.get if self._rank else None))
        split_of = self._split_of or {s: s for s in sources}
        acc['groups'] += 1
        index = sorted({self._splits.index(split_of[s]) for s in sources})
        for j in index:
            acc['per_split'][j] = acc['per_split'].get(j, 0) + 1
        for a_at, a in enumerate(index):
            for b in index[a_at + 1 :]:
                count, ids = acc['pairs'].get((a, b), (0, []))
                acc['pairs'][(a, b)] = (count + 1, sorted([*ids, (group, sources)])[: self._limit])
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
        found = {
            'groups': acc['groups'],
            'per_split': {s: acc['per_split'].get(j, 0) for j, s in enumerate(splits)},
            'pairs': [
                {
                    'splits': [splits[a], splits[b]],
                    'groups': count,
                    'ids': [group_name(group) for group, _ in ids],
                }
                for (a, b), (count, ids) in sorted(acc['pairs'].items())
            ],
        }
        if self._split_of:  # a window: where each listed id is
            listed = sorted({entry for _, ids in acc['pairs'].values() for entry in ids})
            found['seen_in'] = {group_name(group): list(sources) for group, sources in listed}
        return found


def pair_arrays(pairs: Sequence[tuple], number: Mapping[str, int]) -> tuple:
    """Distinct ``(group, source)`` pairs as ``(ids, source numbers)``."""
    return [group for group, _ in pairs], np.array([number[s] for _, s in pairs], np.int32)


def pairs_by_bucket(batch: tuple, num_buckets: int) -> List[tuple]:
    """``(bucket, (ids, sources, crcs))`` per bucket (by crc32) of a ``pair_arrays`` batch."""
    ids, sources = batch
    crc = np.array([zlib.crc32(group) for group in ids], np.int64)
    if num_buckets == 1:
        return [(0, (ids, sources, crc))]
    return [
        (bucket, ([ids[i] for i in at.tolist()], sources[at], crc[at]))
        for bucket, at in key_buckets(crc.astype(np.uint64), num_buckets)
    ]


class GroupsPerBucket(beam.CombineFn):
    """One bucket's ``pairs_by_bucket`` batches -> ``[(group, [sources])]`` of its groups in two
    or more splits; only ids whose crc32 is in two splits are compared by id."""

    def __init__(self, sources: Sequence[str], split_of: Mapping[str, str] | None = None):
        self._sources, self._split_of = list(sources), split_of
        split_of, number = split_of or {}, {}
        # each source number's split number
        self._split = np.array(
            [number.setdefault(split_of.get(s, s), len(number)) for s in self._sources], np.int64
        )

    def create_accumulator(self):
        return []

    def add_input(self, acc, batch):
        acc.append(batch)
        return acc

    def merge_accumulators(self, accs):
        return [batch for acc in accs for batch in acc]

    def extract_output(self, acc):
        if not acc:
            return []
        ids = [group for batch_ids, _, _ in acc for group in batch_ids]
        sources = np.concatenate([batch_sources for _, batch_sources, _ in acc])
        crc = np.concatenate([batch_crcs for _, _, batch_crcs in acc])
        split = self._split[sources]
        n = max(1, len(self._split))
        rows = np.unique(crc * n + split)  # distinct (crc32, split)
        crcs, splits = np.unique(rows // n, return_counts=True)
        suspect = crcs[splits > 1]  # the crc32s in two or more splits
        found = {}
        for at in np.flatnonzero(np.isin(crc, suspect)).tolist():
            found.setdefault(ids[at], set()).add(self._sources[sources[at]])
        crossing = [
            (group, sorted(names))
            for group, names in found.items()
            if len(names) > 1 and in_two_or_more_splits((group, names), self._split_of)
        ]
        return sorted(crossing)


@beam.ptransform_fn
def SummariseGroups(  # noqa: N802
    batches, splits, max_examples, sources, split_of=None, num_buckets=1
):
    """``pair_arrays`` batches -> one ``groups_across_splits`` dict."""
    return (
        batches
        | 'ByGroupHash' >> beam.FlatMap(pairs_by_bucket, num_buckets)
        | 'GroupsPerBucket' >> beam.CombinePerKey(GroupsPerBucket(sources, split_of))
        | 'Crossing' >> beam.Values()
        | 'InTwoOrMore' >> beam.FlatMap(unbatch)
        | 'Summarise' >> beam.CombineGlobally(GroupSummary(splits, max_examples, split_of))
    )
