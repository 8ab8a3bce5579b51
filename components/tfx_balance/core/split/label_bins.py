"""Continuous targets: a float or int64 label stratified by bins (``label_bins`` of the splitter).

Each example's class is the index of its label's bin. With edges ``e_1 < ... < e_m``, bin 0 holds
values ``< e_1``, bin ``i`` holds ``[e_i, e_{i+1})`` and bin ``m`` values ``>= e_m``: equal
values always share a bin. A label must be one finite number (NaN and +/-inf are a
``DataError`` naming the example).

``label_bins=N`` computes the edges from one extra read (``bin_edges``, ``QuantileSketch``:
exact up to ``MAX_BUCKETS`` distinct values); the rules: docs/stratified_splitter.md.

Example:
    >>> edges = quantile_edges(QuantileSketch.of([5.0, 1.0, 2.0, 2.0, 9.0, 7.0]), 3)
    >>> edges.edges, edges.exact
    ((2.0, 7.0), True)
    >>> bin_of(np.array([1.0, 2.0, 6.9, 7.0, 9.0]), edges.edges).tolist()
    [0, 1, 1, 2, 2]
    >>> bin_names((2.0, 7.0))
    ['< 2', '[2, 7)', '>= 7']
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import NamedTuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.labels import (
    decode_feature,
    example_fingerprint,
    float_name,
    read_labels,
)
from tfx_balance.core.common.records import RecordBatch

MAX_BUCKETS = 65536
MAX_BINS = 1000
_SIGN = np.uint64(1 << 63)


def validate_bins(label_bins, label_bin_edges):
    """Checks ``label_bins`` (int 2..MAX_BINS) and ``label_bin_edges`` (finite, increasing);
    returns them (edges as a tuple of floats). At most one may be set."""
    if label_bins is not None and label_bin_edges is not None:
        raise ConfigError(
            f'label_bins={label_bins!r} and label_bin_edges={label_bin_edges!r} are both set; '
            'give one: label_bins=N for N quantile bins computed from the data, or '
            'label_bin_edges=[...] for fixed edges.'
        )
    if label_bins is not None:
        if isinstance(label_bins, bool) or not isinstance(label_bins, numbers.Integral):
            raise ConfigError(f'label_bins must be an integer >= 2, got {label_bins!r}.')
        if not 2 <= label_bins <= MAX_BINS:
            raise ConfigError(
                f'label_bins is {label_bins}; it must be 2 to {MAX_BINS} (each bin is a class '
                'to stratify), e.g. label_bins=10.'
            )
        return int(label_bins), None
    if label_bin_edges is None:
        return None, None
    edges = label_bin_edges
    if isinstance(edges, (str, bytes)) or not hasattr(edges, '__len__') or not len(edges):
        raise ConfigError(
            'label_bin_edges must be a non-empty list of increasing finite numbers, e.g. '
            f'label_bin_edges=[10.0, 50.0, 200.0]; got {label_bin_edges!r}.'
        )
    numeric = all(isinstance(e, numbers.Real) and not isinstance(e, bool) for e in edges)
    if not numeric or not all(np.isfinite(float(e)) for e in edges):
        raise ConfigError(
            'label_bin_edges must hold finite numbers (int or float), e.g. '
            f'label_bin_edges=[10.0, 50.0, 200.0]; got {list(edges)!r}.'
        )
    edges = tuple(float(e) for e in edges)
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise ConfigError(
            f'label_bin_edges must be strictly increasing, got {list(edges)!r}; sort them and '
            'remove repeats.'
        )
    return None, edges


def _kind_error(label_feature, where, record, problem, fix) -> DataError:
    in_where = f' in {where}' if where else ''
    return DataError(
        f"label_feature '{label_feature}'{in_where} {problem} in an example (fingerprint "
        f'{example_fingerprint(record)}); {fix}'
    )


def _value_of(record: bytes, label_feature: str, where: str):
    """The one numeric label of a serialized example, or the DataError naming the problem."""
    from tensorflow.core.example import example_pb2

    features = example_pb2.Example.FromString(record).features.feature
    if label_feature not in features:
        present = ', '.join(sorted(features)[:12]) or '(none)'
        in_where = f' in {where}' if where else ''
        raise DataError(
            f"label_feature '{label_feature}' not found in an example{in_where} (example "
            f'fingerprint {example_fingerprint(record)}); features present: {present}. Set '
            'label_feature to one of these, or fix the examples that lack the label.'
        )
    feature = features[label_feature]
    kind = feature.WhichOneof('kind')
    if kind == 'bytes_list':
        raise _kind_error(
            label_feature, where, record, 'is a bytes (string) feature',
            'label_bins and label_bin_edges need a numeric (float or int64) label. Leave them '
            'unset to stratify by class, or convert the label to a number upstream.',
        )  # fmt: skip
    values = list(getattr(feature, kind).value) if kind else []
    if len(values) != 1:
        raise _kind_error(
            label_feature, where, record, f'has {len(values)} values',
            'label_bins needs exactly one numeric label value per example. Filter or impute '
            'the examples without one upstream.',
        )  # fmt: skip
    return float(values[0])


def read_label_values(records, label_feature: str, where: str = '') -> np.ndarray:
    """The numeric label of every serialized example of ``records`` (float64), decoded for the
    whole batch in C++; a ``DataError`` names the first example without one finite value."""
    import tensorflow as tf

    if not len(records):
        return np.zeros(0)
    first = _value_of(records[0], label_feature, where)  # raises the exact error if bad
    values = None
    for dtype in (tf.float32, tf.int64):
        decoded = decode_feature(records, label_feature, dtype)
        if decoded is None:
            continue
        flat, row_splits = decoded
        if len(flat) == len(records) and (np.diff(row_splits) == 1).all():
            values = flat.astype(np.float64)
        break
    if values is None or values[0] != first and not np.isnan(first):
        values = np.array([_value_of(r, label_feature, where) for r in records])
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise _kind_error(
            label_feature, where, records[bad[0]], f'is {values[bad[0]]}',
            'label_bins needs finite values (NaN has no place in an order of bins, and +/-inf '
            'is almost always a data error). Filter, clip or impute them upstream, e.g. in '
            'Transform.',
        )  # fmt: skip
    return values


def order_keys(values: np.ndarray) -> np.ndarray:
    """uint64 keys in the order of the float64 ``values`` (-0.0 counted as 0.0)."""
    bits = (np.asarray(values, dtype=np.float64) + 0.0).view(np.uint64)
    return np.where(bits & _SIGN, ~bits, bits | _SIGN)


def key_values(keys: np.ndarray) -> np.ndarray:
    """The float64 values of ``order_keys`` keys."""
    keys = np.asarray(keys, dtype=np.uint64)
    return np.where(keys & _SIGN, keys & ~_SIGN, ~keys).view(np.float64)


@dataclasses.dataclass
class QuantileSketch:
    """Per-bucket ``(smallest key, count)`` of labels, buckets ``key >> shift`` (module doc)."""

    shift: int = 0
    keys: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.uint64))
    counts: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def of(cls, values, max_buckets: int = MAX_BUCKETS) -> QuantileSketch:
        keys = order_keys(np.asarray(values, np.float64))
        return cls().merged([], keys, np.ones(len(keys), np.int64), max_buckets)

    def merged(self, others, keys, counts, max_buckets: int = MAX_BUCKETS) -> QuantileSketch:
        """This sketch, ``others`` and the raw ``(keys, counts)`` merged and compacted: the
        smallest shift at which every bucket fits, which depends only on the labels."""
        sketches = [self, *others]
        shift = max(s.shift for s in sketches)
        keys = np.concatenate([s.keys for s in sketches] + [keys]).astype(np.uint64)
        counts = np.concatenate([s.counts for s in sketches] + [counts]).astype(np.int64)
        order = np.argsort(keys, kind='stable')
        keys, counts = keys[order], counts[order]
        while True:
            buckets = keys >> np.uint64(shift)
            starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]]) if len(keys) else []
            if len(keys):
                keys, counts = keys[starts], np.add.reduceat(counts, starts)
            if len(keys) <= max_buckets:
                return QuantileSketch(shift, keys, counts)
            shift += 1


class Sketching(NamedTuple):
    """``SketchLabels``' accumulator: the sketch, and the keys not yet merged into it."""

    sketch: QuantileSketch
    pending: list
    size: int  # the number of pending keys


class SketchLabels(beam.CombineFn):
    """Combines batches of label values (float64 arrays) into one ``QuantileSketch``."""

    def __init__(self, max_buckets: int = MAX_BUCKETS):
        self._max = max_buckets

    def create_accumulator(self) -> Sketching:
        return Sketching(QuantileSketch(), [], 0)

    def add_input(self, acc: Sketching, values) -> Sketching:
        acc.pending.append(order_keys(values))
        size = acc.size + len(values)
        if size > self._max:
            return Sketching(self._compact(acc.sketch, acc.pending), [], 0)
        return Sketching(acc.sketch, acc.pending, size)

    def _compact(self, sketch, pending, others=()):
        keys = np.concatenate(pending) if pending else np.zeros(0, np.uint64)
        return sketch.merged(list(others), keys, np.ones(len(keys), np.int64), self._max)

    def merge_accumulators(self, accs) -> Sketching:
        accs = list(accs)
        pending = [keys for acc in accs for keys in acc.pending]
        merged = self._compact(accs[0].sketch, pending, [acc.sketch for acc in accs[1:]])
        return Sketching(merged, [], 0)

    def extract_output(self, acc: Sketching) -> QuantileSketch:
        return self._compact(acc.sketch, acc.pending)


@dataclasses.dataclass(frozen=True)
class BinEdges:
    """Edges computed from a sketch: ``exact`` when no values were merged (``coarsened_bits``)."""

    edges: tuple
    exact: bool = True
    coarsened_bits: int = 0


def quantile_edges(sketch: QuantileSketch, bins: int) -> BinEdges:
    """The edges of ``bins`` quantile bins of the sketched labels (module doc)."""
    n = int(sketch.counts.sum())
    if n == 0:
        return BinEdges(())
    ends = np.cumsum(sketch.counts)
    values = key_values(sketch.keys)
    edges = []
    for j in range(1, bins):
        value = float(values[np.searchsorted(ends, j * n // bins, side='right')])
        if value > values[0] and (not edges or value > edges[-1]):
            edges.append(value)
    return BinEdges(tuple(edges), sketch.shift == 0, int(sketch.shift))


def bin_edges(config, read) -> tuple:
    """``(bins, edges)``: the ``BinEdges`` the report states and the edges the stages take (side
    inputs when computed from ``read(stage)``, the input's batches); ``(None, None)`` without bins."""
    if config.label_bin_edges is not None:
        return BinEdges(config.label_bin_edges), config.label_bin_edges
    if config.label_bins is None:
        return None, None
    computed = (
        read('ForBins')
        | 'LabelValues' >> beam.Map(_batch_values, config.label_feature)
        | 'SketchLabels' >> beam.CombineGlobally(SketchLabels())
        | 'BinEdges' >> beam.Map(quantile_edges, config.label_bins)
    )
    edges = computed | 'EdgeValues' >> beam.Map(lambda b: b.edges)
    return beam.pvalue.AsSingleton(computed), beam.pvalue.AsSingleton(edges)


def _batch_values(batch, label_feature: str) -> np.ndarray:
    """The numeric labels of one input batch (``records.RecordBatch.of``)."""
    where, records = RecordBatch.of(batch)
    return read_label_values(records, label_feature, where)


def bin_of(values: np.ndarray, edges) -> np.ndarray:
    """The bin index of each value (``edges`` as in the module doc)."""
    return np.searchsorted(np.asarray(edges, np.float64), values, side='right')


def read_classes(records, label_feature: str, where: str, edges=None) -> list:
    """The class of every serialized example of a batch: its label (``labels.read_labels``), or
    with bin ``edges`` its label's bin (an int)."""
    if edges is None:
        return read_labels(records, label_feature, where)
    return bin_of(read_label_values(records, label_feature, where), edges).tolist()


def bin_names(edges) -> list:
    """Readable ranges of the bins: ``'< e1'``, ``'[e1, e2)'``, ..., ``'>= em'``, each edge
    named as every float read as a name is (float_name in core/common/labels.py: an edge
    taken from float labels, 0.30000001192092896, is ``'0.3'``)."""
    if not edges:
        return ['all']
    text = [float_name(e) for e in edges]
    middle = [f'[{a}, {b})' for a, b in zip(text, text[1:])]
    return [f'< {text[0]}', *middle, f'>= {text[-1]}']
