"""The histogram pass: per class (or stratum) and hash bucket, the units of the input.

The split's plan needs only this aggregate table, and the checks across batches need a little
more (one named example per label, or per label type and multi-hot length). Per label form
(``units``):

- one label per example: ``class_histograms`` counts a batch's units per class and bucket
  (a group counts its size); ``MergeHistograms`` merges them into ``Histograms``, which
  also keep one example fingerprint per label value so that a label that is int64 in some
  examples and bytes in others is rejected, with both examples named
  (``labels.check_label_kinds``).
- label sets: ``label_set_histograms`` counts a batch's units per stratum (a group counts
  once) and keeps the least fingerprint of an example of each label type (int64, bytes) and of
  each multi-hot length; ``BundleHistograms`` merges them per bundle. A stratum's histogram
  is stored compactly (``_add``): most label sets have one example.

Example:
    >>> buckets = {}
    >>> for bucket in (5, 5, 9):
    ...     _add(buckets, (1, 3), bucket, 1)
    >>> histogram(buckets[(1, 3)]), StratumUnits(buckets)[(1, 3)]
    ({5: 2, 9: 1}, 3)
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Mapping
from typing import Dict, NamedTuple

import apache_beam as beam
import numpy as np

from tfx_balance.core.combine import MergeInputs
from tfx_balance.core.errors import DataError
from tfx_balance.core.hashing import fingerprint
from tfx_balance.core.labels import example_fingerprint
from tfx_balance.core.ranking import bucket_of

BUCKETS_TYPE = 'I'  # array type of a stratum's buckets (unsigned, 4 bytes; bucket_bits <= 32)


def check_not_empty(found: bool) -> None:
    """Raises DataError when the histogram pass found no example (either form)."""
    if not found:
        raise DataError(
            'the input has no examples; StratifiedSplitter needs at least one labelled '
            'example. Check the input artifact and input_splits.'
        )


class Histograms(NamedTuple):
    """``{class: {bucket: units}}``, and ``{label: 'fingerprint[ in where]'}`` of one example per
    label value (each example's own label: with groups, not only the classes units count for)."""

    buckets: Dict[object, Dict[int, int]]
    examples: Dict[object, str]


class LabelSetHistograms(NamedTuple):
    buckets: Dict[tuple, object]  # {stratum: its units' buckets (array), or its one unit's}
    kinds: Dict[str, tuple]  # {'int64'|'bytes': (fingerprint, label)}: least fingerprint
    widths: Dict[int, str]  # {multi-hot length: least example fingerprint}
    examples: int
    # with groups, {stratum: examples of its units} (the plan counts split sizes in examples);
    # empty without groups, where a stratum's examples are its units
    stratum_examples: Dict[tuple, int]


def class_histograms(batch, to_units, bucket_bits: int, edges=None) -> Histograms:
    """The ``Histograms`` of one input batch."""
    where = '' if to_units.grouped else (batch[0] if isinstance(batch, tuple) else '')
    buckets, first = {}, {}
    for unit in to_units(batch, edges):
        hist = buckets.get(unit.label)
        if hist is None:
            hist = buckets[unit.label] = {}
            if not to_units.grouped:  # named by the content key already computed
                first[unit.label] = fingerprint(unit.key)
        bucket = bucket_of(unit.hash, bucket_bits)
        hist[bucket] = hist.get(bucket, 0) + unit.size
        if to_units.grouped:  # a group may hold labels other than the class it counts for
            for label, record in zip(unit.labels, unit.records):
                if label not in first:
                    first[label] = example_fingerprint(record)
    in_where = f' in {where}' if where else ''
    examples = {label: name + in_where for label, name in first.items()}
    return Histograms(buckets, examples)


class MergeHistograms(MergeInputs):
    """Merges per-batch ``Histograms`` into one (of the examples the batches kept for a label,
    the one with the least fingerprint)."""

    def create_accumulator(self):
        return Histograms({}, {})

    def add_input(self, acc, item):
        for label, hist in item.buckets.items():
            merged = acc.buckets.setdefault(label, {})
            for bucket, size in hist.items():
                merged[bucket] = merged.get(bucket, 0) + size
        for label, example in item.examples.items():
            if label not in acc.examples or example < acc.examples[label]:
                acc.examples[label] = example
        return acc


def _add(buckets: dict, stratum: tuple, bucket: int, size: int) -> None:
    """Adds ``size`` units in ``bucket`` to a stratum's histogram. Most label sets have one
    example, so a histogram of one unit is stored as its bucket alone (an int); any other as the
    buckets of its units, one entry each, in an ``array`` (4 bytes a unit, no object per bucket:
    at 1M examples a dict per stratum held ~1M int objects)."""
    hist = buckets.get(stratum)
    if hist is None:
        if size == 1:
            buckets[stratum] = bucket
            return
        hist = buckets[stratum] = array(BUCKETS_TYPE)
    elif type(hist) is int:
        hist = buckets[stratum] = array(BUCKETS_TYPE, (hist,))
    hist.extend([bucket] * size)


def histogram(hist) -> Dict[int, int]:
    """A stratum's histogram as ``{bucket: units}`` (see ``_add``)."""
    if type(hist) is int:
        return {hist: 1}
    buckets, units = np.unique(np.frombuffer(hist, dtype=np.uint32), return_counts=True)
    return dict(zip(buckets.tolist(), units.tolist()))


class StratumUnits(Mapping):
    """``{stratum: units}`` of a ``{stratum: histogram}`` table (see ``_add``), as a view:
    at 1M examples a copy is a second dict of ~260k entries at the plan's peak."""

    def __init__(self, buckets: Dict[tuple, object]):
        self._buckets = buckets

    def __getitem__(self, stratum: tuple) -> int:
        hist = self._buckets[stratum]
        return 1 if type(hist) is int else len(hist)

    def __iter__(self):
        return iter(self._buckets)

    def __len__(self) -> int:
        return len(self._buckets)


def label_set_histograms(batch, to_units, bucket_bits: int) -> LabelSetHistograms:
    if to_units.grouped:
        return _unit_histograms(to_units(batch), bucket_bits)
    c = to_units.columns(batch)
    buckets, shift = {}, 64 - bucket_bits
    get = buckets.get
    for labels, h in zip(c.sets, c.hashes):  # _add of one unit, inlined (per example)
        bucket = h >> shift
        hist = get(labels)
        if hist is None:
            buckets[labels] = bucket
        elif type(hist) is int:
            buckets[labels] = array(BUCKETS_TYPE, (hist, bucket))
        else:
            hist.append(bucket)
    kinds = {}
    for entries in c.kinds.values():
        for kind, name, label in entries:
            if kind not in kinds or name < kinds[kind][0]:
                kinds[kind] = (name, label)
    widths = {c.width[0]: c.width[1]} if c.width is not None else {}
    return LabelSetHistograms(buckets, kinds, widths, len(c.records), {})


def _unit_histograms(units, bucket_bits: int) -> LabelSetHistograms:
    buckets, kinds, widths, examples, sizes = {}, {}, {}, 0, {}
    for unit in units:
        _add(
            buckets, unit.stratum, bucket_of(unit.hash, bucket_bits), 1
        )  # a unit (example or group) counts once: groups are planned as units
        examples += unit.size
        sizes[unit.stratum] = sizes.get(unit.stratum, 0) + unit.size
        if unit.width is not None and unit.width[0] not in widths:
            widths[unit.width[0]] = unit.width[1]
        for kind, name, label in unit.kinds:
            if kind not in kinds or name < kinds[kind][0]:
                kinds[kind] = (name, label)
    return LabelSetHistograms(buckets, kinds, widths, examples, sizes)


class MergeLabelSetHistograms(MergeInputs):
    def create_accumulator(self):
        return LabelSetHistograms({}, {}, {}, 0, {})

    def add_input(self, acc, item):
        buckets = acc.buckets
        for stratum, hist in item.buckets.items():
            mine = buckets.get(stratum)
            if mine is None:  # new stratum: take it (a copy: inputs are not mutated)
                buckets[stratum] = hist if type(hist) is int else array(BUCKETS_TYPE, hist)
                continue
            if type(mine) is int:
                mine = buckets[stratum] = array(BUCKETS_TYPE, (mine,))
            if type(hist) is int:
                mine.append(hist)
            else:
                mine.extend(hist)
        for kind, found in item.kinds.items():
            if kind not in acc.kinds or found < acc.kinds[kind]:
                acc.kinds[kind] = found
        for width, name in item.widths.items():
            if width not in acc.widths or name < acc.widths[width]:
                acc.widths[width] = name
        sizes = acc.stratum_examples
        for stratum, size in item.stratum_examples.items():
            sizes[stratum] = sizes.get(stratum, 0) + size
        return acc._replace(examples=acc.examples + item.examples)


_MERGE = MergeLabelSetHistograms()


class BundleHistograms(beam.DoFn):
    """The ``LabelSetHistograms`` of a bundle's batches, merged as they come and emitted
    once, pickled, at the end of the bundle. One element per bundle, not per batch, goes on to the
    global merge: per-batch histograms (one entry per label set of the batch) would be held by
    the runner between the stages, a memory that grows with the data.

    Deterministic: a merge of counts and least fingerprints does not depend on the bundling.
    """

    def __init__(self, to_units, bucket_bits: int):
        self._to_units, self._bucket_bits = to_units, bucket_bits
        self._acc = None

    def start_bundle(self):
        self._acc = None

    def process(self, batch):
        found = label_set_histograms(batch, self._to_units, self._bucket_bits)
        self._acc = found if self._acc is None else _MERGE.add_input(self._acc, found)

    def finish_bundle(self):
        acc, self._acc = self._acc, None
        if acc is not None:  # pickled: see strata._MergeAndPlan
            blob = pickle.dumps(acc, protocol=pickle.HIGHEST_PROTOCOL)
            del acc
            yield beam.transforms.window.GlobalWindows.windowed_value(blob)
