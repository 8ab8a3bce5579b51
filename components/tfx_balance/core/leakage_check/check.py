"""FindLeakage: the streaming Beam transform behind LeakageCheck (design: docs/leakage_check.md).

Its steps, from ``(source, batch)`` items (``read_source``) to one report dict:

1. ``KeyBatches``: each batch's content keys (provenance features left out) and synthetic flags.
2. ``ByKeyHash`` + ``FindDuplicates``: keys grouped by ``key % num_buckets``, each bucket counted.
3. ``MergeCounts`` + ``Report``: the counts merged, then ``report.leakage_report``.
4. With ``group_feature``: ``GroupArrays`` + ``GroupsAcrossSplits`` (``groups``).

Example:
    >>> import apache_beam as beam
    >>> files = [('train', 'data/train-0.gz'), ('eval', 'data/eval-0.gz')]
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     report = p | beam.Create(files) | beam.FlatMap(read_source) | FindLeakage(
    ...         ['train', 'eval'], LeakageConfig().validate())
"""

from __future__ import annotations

import functools
import hashlib
from typing import Iterator, List, Mapping, NamedTuple, Sequence

import apache_beam as beam
import numpy as np

from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import example_keys, fingerprint, key_buckets
from tfx_balance.core.common.labels import decode_feature
from tfx_balance.core.common.records import fixed_batches, read_named_file_batches, unbatch
from tfx_balance.core.common.wire import feature_key
from tfx_balance.core.leakage_check.config import LeakageConfig
from tfx_balance.core.leakage_check.counts import (
    LeakageCounts,
    count_batch,
    count_bucket,
    locate_bucket,
)
from tfx_balance.core.leakage_check.groups import (
    SummariseGroups,
    batch_groups,
    pair_arrays,
    source_ranks,
)
from tfx_balance.core.leakage_check.index import (
    GROUPS_PER_RECORD,
    IndexedGroups,
    IndexedKeys,
    KeyIndex,
    encode_groups,
    encode_keys,
    read_index,
)
from tfx_balance.core.leakage_check.report import leakage_report


def key_array(keys: Sequence[bytes]) -> np.ndarray:
    """Content keys as a ``uint64`` array (a key not of 8 bytes is hashed to 8 first)."""
    if all(len(key) == 8 for key in keys):
        return np.frombuffer(b''.join(keys), '>u8').astype(np.uint64)
    short = [key if len(key) == 8 else hashlib.blake2b(key, digest_size=8).digest() for key in keys]
    return key_array(short)


def leakage_fingerprints(
    records: Sequence[bytes],
    provenance_feature: str = keys.DEFAULT_PROVENANCE_FEATURE,
    source_feature: str = keys.DEFAULT_SOURCE_FEATURE,
    label_feature: str | None = None,
) -> List[str]:
    """The report's fingerprint of each record's content, provenance features left out.

    >>> from tfx_balance.core.common.labels import example_fingerprint
    >>> from tensorflow.core.example import example_pb2
    >>> ex = example_pb2.Example()
    >>> ex.features.feature['x'].float_list.value.append(0.5)
    >>> plain = ex.SerializeToString()
    >>> ex.features.feature['is_synthetic'].int64_list.value.append(0)
    >>> leakage_fingerprints([plain, ex.SerializeToString()]) == [example_fingerprint(plain)] * 2
    True
    """
    label = () if label_feature is None else (label_feature,)
    keys = example_keys(records, ignore_features=(provenance_feature, source_feature, *label))
    return [fingerprint(int(key).to_bytes(8, 'big')) for key in key_array(keys).tolist()]


def read_synthetic(records: Sequence[bytes], feature: str, split: str) -> np.ndarray:
    """Whether each record's int64 ``feature`` is 1 (missing: 0); else ``DataError``."""
    import tensorflow as tf

    synthetic = np.zeros(len(records), bool)
    if not any(feature_key(feature) in record for record in records):
        return synthetic
    decoded = decode_feature(list(records), feature, tf.int64)
    if decoded is not None:
        values, row_splits = decoded
        lengths = np.diff(row_splits)
        if (lengths <= 1).all() and np.isin(values, (0, 1)).all():
            synthetic[lengths == 1] = values == 1
            return synthetic
    # Not one 0/1 int64 per example: read record by record, naming the first one at fault.
    return np.array([_is_synthetic(record, feature, split) for record in records], bool)


def _is_synthetic(record: bytes, feature: str, split: str) -> bool:
    from google.protobuf.message import DecodeError
    from tensorflow.core.example import example_pb2

    from tfx_balance.core.common.labels import example_fingerprint

    try:
        found = example_pb2.Example.FromString(record).features.feature
    except DecodeError:  # not a tf.Example: not marked
        return False
    if feature not in found:
        return False
    kind = found[feature].WhichOneof('kind')
    values = list(getattr(found[feature], kind).value) if kind else []
    if kind == 'int64_list' and len(values) == 1 and values[0] in (0, 1):
        return values[0] == 1
    what = f'a {kind.split("_")[0] if kind else "empty"} feature with values {values[:5]!r}'
    raise DataError(
        f"provenance_feature '{feature}' of example {example_fingerprint(record)} in split "
        f"'{split}' is {what}; expected one int64 value, 0 (original) or 1 (synthetic), as "
        'BalancedAugmenter writes it. Set provenance_feature to the name BalancedAugmenter was '
        'given (its provenance_feature argument), or rename the feature of yours that has '
        'this name.'
    )


def read_source(item) -> Iterator[tuple]:
    """The ``(source, batch)`` items of a ``(source, path)`` file or an ``index.KeyIndex``."""
    if isinstance(item, KeyIndex):
        return read_index(item)
    return read_named_file_batches(*item)


def keyed_batches(item, index_of: dict, config: LeakageConfig) -> list:
    """``(source, batch)`` -> ``[(split index, content keys, synthetic flags, source)]``."""
    source, batch = item
    if isinstance(batch, IndexedKeys):
        return [(index_of[source], *batch, source)] if source in index_of else []
    if isinstance(batch, IndexedGroups):
        return []
    keys = key_array(example_keys(batch, ignore_features=config.ignored_features))
    synthetic = read_synthetic(batch, config.provenance_feature, source)
    return [(index_of[source], keys, synthetic, source)]


def tally_batch(batch, num_splits: int) -> LeakageCounts:
    split, keys, synthetic, _ = batch
    return count_batch(split, keys, synthetic, num_splits)


def bucket_pieces(batch, num_buckets: int, number: dict) -> List[tuple]:
    """``(bucket, (split index, keys, synthetic flags, source number))`` per bucket of a batch."""
    split, keys, synthetic, source = batch
    if num_buckets == 1:
        return [(0, (split, keys, synthetic, number[source]))]
    return [
        (bucket, (split, keys[at], synthetic[at], number[source]))
        for bucket, at in key_buckets(keys, num_buckets)
    ]


class _BucketKeys(beam.CombineFn):
    """One bucket's pieces -> its ``LeakageCounts`` (with ``locate``: ``counts.located`` too)."""

    def __init__(self, num_splits: int, limit: int, outside: frozenset, locate: bool):
        self._num_splits, self._limit = num_splits, limit
        self._outside, self._locate = outside, locate

    def create_accumulator(self):
        return []

    def add_input(self, accumulator, piece):
        accumulator.append(piece)
        return accumulator

    def merge_accumulators(self, accumulators):
        return [piece for accumulator in accumulators for piece in accumulator]

    def compact(self, accumulator):
        by_source = {}
        for split, split_keys, synthetic, source in accumulator:
            by_source.setdefault((split, source), []).append((split_keys, synthetic))
        return [
            (split, np.concatenate([k for k, _ in parts]), np.concatenate([f for _, f in parts]),
             source)
            for (split, source), parts in sorted(by_source.items())
        ]  # fmt: skip

    def extract_output(self, accumulator):
        counts = count_bucket(accumulator, self._num_splits, self._limit, self._outside)
        if self._locate:
            counts.located = locate_bucket(accumulator, counts)
        return counts


class _MergeLeakCounts(beam.CombineFn):
    def __init__(self, num_splits: int, limit: int):
        self._num_splits, self._limit = num_splits, limit

    def create_accumulator(self):
        return LeakageCounts(self._num_splits)

    def add_input(self, accumulator, counts):
        return accumulator.merge(counts, self._limit)

    def merge_accumulators(self, accumulators):
        return functools.reduce(
            lambda merged, other: merged.merge(other, self._limit), accumulators
        )

    def extract_output(self, accumulator):
        return accumulator


PAIRS_OUTPUT = 'pairs'  # group_arrays' output: a batch of records' distinct (group, source) pairs


def group_arrays(item, group_feature: str, number: dict) -> Iterator:
    """``(source, batch)`` -> its checked ``(group, source)`` pairs as arrays; a batch of records'
    pairs also as they are, tagged ``PAIRS_OUTPUT``, for this run's key index."""
    source, batch = item
    if isinstance(batch, IndexedKeys):
        return
    if isinstance(batch, IndexedGroups):
        numbers = np.array([number.get(s, -1) for s in batch.sources], np.int32)[batch.splits]
        kept = numbers >= 0
        if kept.all():
            yield batch.ids, numbers
        elif kept.any():
            yield [batch.ids[at] for at in np.flatnonzero(kept).tolist()], numbers[kept]
        return
    pairs = batch_groups(item, group_feature)
    yield beam.pvalue.TaggedOutput(PAIRS_OUTPUT, pairs)
    yield pair_arrays(pairs, number)


class WithIndex(NamedTuple):
    """``FindLeakage``'s outputs with ``index_position``: report, key and group records."""

    report: beam.PCollection
    keys: beam.PCollection
    groups: beam.PCollection | None


class FindLeakage(beam.PTransform):
    """``(source, batch)`` items -> one report dict (``WithIndex`` with ``index_position``).

    ``split_of`` maps a window's sources to splits (``{'train of span 2': 'train'}``).
    """

    def __init__(
        self,
        splits: Sequence[str],
        config: LeakageConfig,
        num_buckets: int = 1,
        split_of: Mapping[str, str] | None = None,
        index_position: Mapping[str, int] | None = None,
    ):
        super().__init__()
        self._splits = list(splits)
        self._config = config
        self._training = config.resolve_training_splits(self._splits)
        self._num_buckets = num_buckets
        self._split_of = dict(split_of) if split_of else None
        self._position = dict(index_position) if index_position is not None else None

    def expand(self, batches):
        n, limit = len(self._splits), self._config.max_examples
        split_of = self._split_of or {split: split for split in self._splits}
        index_of = {source: self._splits.index(split) for source, split in split_of.items()}
        outside = frozenset(j for j, s in enumerate(self._splits) if s not in self._training)
        ranks = source_ranks(self._splits, split_of)  # each source's number
        names = sorted(ranks, key=ranks.get)
        keyed = batches | 'KeyBatches' >> beam.FlatMap(keyed_batches, index_of, self._config)
        tallies = keyed | 'TallyBatches' >> beam.Map(tally_batch, n)
        buckets = (
            keyed
            | 'ByKeyHash' >> beam.FlatMap(bucket_pieces, self._num_buckets, ranks)
            | 'FindDuplicates'
            >> beam.CombinePerKey(_BucketKeys(n, limit, outside, self._split_of is not None))
            | 'BucketCounts' >> beam.Values()
        )
        counts = (
            (tallies, buckets)
            | 'AllCounts' >> beam.Flatten()
            | 'MergeCounts' >> beam.CombineGlobally(_MergeLeakCounts(n, limit))
        )
        groups = pairs = None
        if self._config.group_feature is not None:
            arrays = batches | 'GroupArrays' >> beam.FlatMap(
                group_arrays, self._config.group_feature, ranks
            ).with_outputs(PAIRS_OUTPUT, main='arrays')
            pairs = arrays[PAIRS_OUTPUT]
            found = arrays.arrays | 'GroupsAcrossSplits' >> SummariseGroups(
                self._splits, limit, names, self._split_of, self._num_buckets
            )
            groups = beam.pvalue.AsSingleton(found)
        report = counts | 'Report' >> beam.Map(
            leakage_report,
            self._splits,
            self._training,
            self._config,
            groups,
            names if self._split_of else None,
        )
        if self._position is None:
            return report
        key_records = keyed | 'IndexKeys' >> beam.FlatMap(encode_keys, self._position)
        group_records = None
        if pairs is not None:  # the span's distinct pairs, GROUPS_PER_RECORD a record
            group_records = (
                pairs
                | 'EachPair' >> beam.FlatMap(unbatch)
                | 'DistinctPairs' >> beam.Distinct()
                | 'BatchGroups' >> fixed_batches(GROUPS_PER_RECORD)
                | 'IndexGroups' >> beam.Map(encode_groups, self._position)
            )
        return WithIndex(report, key_records, group_records)
