"""LeakageCheck's key index: one span's checked examples as data, for later runs' windows.

A run writes per example its content key, split and synthetic flag (``KEY_RECORD``), with
``group_feature`` the span's distinct (group id, split) pairs, and a ``header``; a later run's
``read_index`` turns them into ``(source, batch)`` items for ``FindLeakage``.

Example:
    >>> import numpy as np
    >>> entries = np.array([(7, 1, 0), (9, 0, 1)], KEY_RECORD)
    >>> sources = ('train of span 2', 'eval of span 2')
    >>> [(s, k.tolist(), f.tolist()) for s, k, f in index_batches(sources, entries)]
    [('train of span 2', [9], [True]), ('eval of span 2', [7], [False])]
    >>> decode_groups([encode_groups([(b'u1', 'eval of span 2')], {'eval of span 2': 1})])
    ([b'u1'], array([1]))
"""

from __future__ import annotations

from typing import Iterator, List, Mapping, NamedTuple, Sequence, Tuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.key_records import (
    damaged_file_error,
    encode_entries,
    file_entries,
    file_records,
    header_differences,
)
from tfx_balance.core.common.keys import PREVIOUS_KEY_INDEX_KEY

# content key, split index (into the header's splits), synthetic (1) or not (0): 10 bytes
KEY_RECORD = np.dtype([('key', '>u8'), ('split', 'u1'), ('synthetic', 'u1')])
INDEX_FORMAT = 1  # the header's 'format': the version of KEY_RECORD, the group records, the header
GROUPS_PER_RECORD = 4096  # distinct (group, split) pairs per group record
GROUP, SPLIT = 'group', 'split'  # the group records' features
MAX_SPLITS = 256  # split indexes are one byte
INDEX_HEADER_FIELDS = ('format', 'splits', 'provenance_feature', 'source_feature', 'group_feature')


def header(config, splits: Sequence[str]) -> dict:
    """What an index means: its split names, and the features its keys and groups depend on."""
    return {
        'format': INDEX_FORMAT,
        'splits': list(splits),
        'provenance_feature': config.provenance_feature,
        'source_feature': config.source_feature,
        'group_feature': config.group_feature,
        'label_feature': config.label_feature,  # absent from indexes before 0.3.0: None
    }


def check_header(found: dict, config, where: str) -> None:
    """Raises ``ConfigError`` if ``where``'s index has another format or features than config."""
    expected = header(config, found.get('splits', []))
    names = ('format', 'provenance_feature', 'source_feature', 'group_feature', 'label_feature')
    differ = header_differences(found, expected, names)
    if differ:
        raise ConfigError(
            f'previous_key_index of {where} was written by another LeakageCheck: '
            f'{"; ".join(differ)}. Its content keys or groups are not comparable with this '
            "run's: check with the arguments of the earlier spans, or narrow the Resolver "
            'window of previous_key_index to spans checked with these arguments.'
        )


def check_split_count(splits: Sequence[str]) -> None:
    """Raises ``ConfigError`` when a key index cannot number ``splits`` (one byte each)."""
    if len(splits) > MAX_SPLITS:
        raise ConfigError(
            f'LeakageCheck writes a key index of the splits it reads, and one numbers at most '
            f'{MAX_SPLITS} splits; got {len(splits)}: name at most {MAX_SPLITS} in the splits '
            'argument.'
        )


def encode_keys(batch, position: Mapping[str, int]) -> List[bytes]:
    """One keyed batch as an index record; none for a source not in ``position`` (this run's)."""
    _, keys, synthetic, source = batch
    if source not in position:
        return []
    entries = np.empty(len(keys), KEY_RECORD)
    entries['key'], entries['split'], entries['synthetic'] = keys, position[source], synthetic
    return [encode_entries(entries, KEY_RECORD)]


def index_batches(sources: Sequence[str], entries: np.ndarray) -> List[tuple]:
    """``(source, keys, synthetic flags)`` per split of a batch of ``KEY_RECORD`` entries."""
    splits = entries['split']
    return [
        (
            sources[j],
            entries['key'][splits == j].astype(np.uint64),
            entries['synthetic'][splits == j] == 1,
        )
        for j in np.unique(splits).tolist()
    ]


def encode_groups(pairs: Sequence[Tuple[bytes, str]], position: Mapping[str, int]) -> bytes:
    """Distinct ``(group id, source)`` pairs as one group record (a ``tf.train.Example``)."""
    from tensorflow.core.example import example_pb2

    record = example_pb2.Example()
    features = record.features.feature
    features[GROUP].bytes_list.value.extend(group for group, _ in pairs)
    features[SPLIT].int64_list.value.extend(position[source] for _, source in pairs)
    return record.SerializeToString()


def decode_groups(records: Sequence[bytes]) -> Tuple[List[bytes], np.ndarray]:
    """Group records as ``(group ids, split indexes)``; ``DataError`` for other records."""
    import tensorflow as tf

    from tfx_balance.core.common.labels import decode_feature

    groups = decode_feature(list(records), GROUP, tf.string)
    splits = decode_feature(list(records), SPLIT, tf.int64)
    if groups is None or splits is None or len(groups[0]) != len(splits[0]):
        raise DataError(
            f"a key index's group records hold no '{GROUP}' bytes and '{SPLIT}' int64 values of "
            'one length: give previous_key_index the anomalies of LeakageCheck runs of this '
            'version, or rerun the check of the earlier spans.'
        )
    return groups[0].tolist(), splits[0]


class KeyIndex(NamedTuple):
    """An earlier span's key index: each split index's source (``'train of span 3'``), its files."""

    sources: Tuple[str, ...]
    keys: Tuple[str, ...]
    groups: Tuple[str, ...] = ()


class IndexedKeys(NamedTuple):
    """A batch of an earlier span's examples of one split, as its index holds them."""

    keys: np.ndarray  # uint64 content keys
    synthetic: np.ndarray  # bool


class IndexedGroups(NamedTuple):
    """A batch of an earlier span's distinct (group, split) pairs (``decode_groups``)."""

    sources: Tuple[str, ...]  # the source of each split index
    ids: List[bytes]
    splits: np.ndarray  # each pair's split index


def read_index(index: KeyIndex) -> Iterator[tuple]:
    """An index as ``(source, IndexedKeys)``, then ``(None, IndexedGroups)`` items; a damaged
    file raises ``DataError`` naming it."""
    for entries in file_entries(index.keys, KEY_RECORD, PREVIOUS_KEY_INDEX_KEY):
        for source, keys, synthetic in index_batches(index.sources, entries):
            yield source, IndexedKeys(keys, synthetic)
    for path in index.groups:
        for batch in file_records(path, PREVIOUS_KEY_INDEX_KEY):
            try:
                found = decode_groups(batch)
            except DataError:
                raise damaged_file_error(
                    PREVIOUS_KEY_INDEX_KEY, path, 'holds records that are not group records'
                ) from None
            yield None, IndexedGroups(index.sources, *found)


@beam.ptransform_fn
def ReadKeyIndex(pipeline, indexes: Sequence[KeyIndex]):  # noqa: N802
    """The ``(source, batch)`` items of ``indexes``, to flatten with today's for ``FindLeakage``."""
    return (
        pipeline
        | 'Indexes' >> beam.Create([KeyIndex(*index) for index in indexes], reshuffle=False)
        | 'ReadIndexes' >> beam.FlatMap(read_index)
    )
