"""Groups in two or more splits (LeakageCheck's ``group_feature``): the same rule of what a group
is as StratifiedSplitter's (``groups.read_group_id``: int64 ``123``, bytes
``b'123'`` and float ``123.0`` are one group), so that a split the splitter made with groups
passes, and one that lets a patient's examples into train and test does not.

Per batch, the distinct ``(group, source)`` pairs (a batch's source is its split, or over a
window of spans, one split of one span: ``split_of`` maps it to its split) as arrays, ``(ids,
sources)`` (``pair_arrays``: the group ids, and each one's source as its number, its rank in
``source_ranks``), split by bucket (``zlib.crc32`` of the id modulo the buckets: every pair of a
group in one bucket) and combined per bucket into each group's sources (``GroupsPerBucket``: a
worker holds one bucket's pairs, and no Beam element is one pair; a pair found in several
batches counts once); the groups found in two or more splits counted per split and per pair of
splits, with the ``max_examples`` least ids of each pair (the same report for any bundling).
Over a window, ``seen_in`` names the sources of each id listed. An earlier span's key index
holds its pairs in this form already (``index.read_index``), so a window's earlier groups cost
no Python object per pair until a group's crc32 is found in two splits.

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

from tfx_balance.core.groups import group_name, read_group_ids
from tfx_balance.core.hashing import key_buckets
from tfx_balance.core.labels import example_fingerprint
from tfx_balance.core.records import unbatch


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
    """``{source: rank}``: sources in the order of their splits, then in the order given (a
    window's spans oldest first), the order the report names them in."""
    order = sorted(split_of, key=lambda s: splits.index(split_of[s]))
    return {source: rank for rank, source in enumerate(order)}


def in_two_or_more_splits(item, split_of: Mapping[str, str] | None) -> bool:
    """Whether a ``(group, [sources])`` has sources of two or more splits."""
    return len({split_of[s] for s in item[1]} if split_of else set(item[1])) > 1


class GroupSummary(beam.CombineFn):
    """``(group, [sources])`` of the groups in two or more splits -> the report's
    ``groups_across_splits`` entry (see the module docstring)."""

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
    """Distinct ``(group, source)`` pairs as a batch of arrays, ``(ids, sources)``: the ids (a
    list of bytes) and each one's source number (``number``: ``source_ranks``), int32.

    >>> pair_arrays([(b'u1', 'eval'), (b'u2', 'train')], {'train': 0, 'eval': 1})
    ([b'u1', b'u2'], array([1, 0], dtype=int32))
    """
    return [group for group, _ in pairs], np.array([number[s] for _, s in pairs], np.int32)


def pairs_by_bucket(batch: tuple, num_buckets: int) -> List[tuple]:
    """``(bucket, (ids, sources, crcs))`` for each bucket of a batch of arrays (``pair_arrays``):
    each id's crc32 (int64) picks its bucket and travels with it, for ``GroupsPerBucket``."""
    ids, sources = batch
    crc = np.array([zlib.crc32(group) for group in ids], np.int64)
    if num_buckets == 1:
        return [(0, (ids, sources, crc))]
    return [
        (bucket, ([ids[i] for i in at.tolist()], sources[at], crc[at]))
        for bucket, at in key_buckets(crc.astype(np.uint64), num_buckets)
    ]


class GroupsPerBucket(beam.CombineFn):
    """One bucket's batches of arrays (``pairs_by_bucket``) -> ``[(group, [sources])]`` of its groups
    in two or more splits (``sources``: the source of each number; ``split_of``: each source's
    split; None: a source is a split).

    The batches are kept as they come and pooled once, in ``extract_output``: each pair's id is
    compared by its crc32 first (numpy, as the content keys are), and only the pairs whose crc32
    is in two or more splits are grouped by id, so the few ids that share a crc32 are still told
    apart. A window's earlier spans add many groups of one span and split each; none of them
    costs a Python set or tuple."""

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
    """Batches of arrays of distinct ``(group, source)`` pairs (``pair_arrays``; ``sources``: the
    source of each number) -> one ``groups_across_splits`` dict (module doc)."""
    return (
        batches
        | 'ByGroupHash' >> beam.FlatMap(pairs_by_bucket, num_buckets)
        | 'GroupsPerBucket' >> beam.CombinePerKey(GroupsPerBucket(sources, split_of))
        | 'Crossing' >> beam.Values()
        | 'InTwoOrMore' >> beam.FlatMap(unbatch)
        | 'Summarise' >> beam.CombineGlobally(GroupSummary(splits, max_examples, split_of))
    )
