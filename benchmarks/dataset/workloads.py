"""The tf.data workloads of the balanced_dataset and training benchmarks, generated and laid out
once per size in ``balanced_dataset/`` of the run's work folder (``--work-dir``, by default
``benchmarks/_work/``, git-ignored).

Each workload is gzipped ``tf.train.Example``s with a geometric class distribution (50% of the
examples in the head class down to 0.1% in the tail), written as 10 files with the classes
interleaved at random (the plain read's input), and the same examples laid out per class by the
Beam transform BalancedInputGen runs (``BalancedLayout``; balanced_dataset's input). Three shapes,
each with a model the training benchmark fits:

- ``tabular``: 20 float features and an int64 label, 10 classes, batch 100; model: one softmax
  layer over the 20 features (small enough that the input dominates).
- ``digits``: a ``pixels`` vector of 64 floats, 10 classes, batch 50 (the digits pipeline's
  features, batch and trainer model).
- ``taxi``: 5 float and 2 categorical int64 features, 7 classes, batch 70 (the taxi pipeline's
  transformed features, batch and trainer model).
"""

from __future__ import annotations

import dataclasses
import glob
import json
import math
import os
import shutil
import time

from benchmarks.common import WORK_DIR

FOLDER = 'balanced_dataset'  # of the work folder
SHARDS = 10
LABEL = 'label'


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    total: int
    classes: int
    batch: int
    floats: tuple  # (feature name, width) of float features
    ints: tuple = ()  # (feature name, number of ids) of int64 scalar features
    sizes: str = 'geometric'  # class sizes: 'geometric' (class_counts) or 'zipf' (zipf_counts)
    shards: int = SHARDS  # gzipped files of the plain read's input

    def describe(self) -> str:
        parts = [
            f'{len(self.floats)} float features'
            if all(w == 1 for _, w in self.floats)
            else ', '.join(f'`{n}` {w} floats' for n, w in self.floats)
        ]
        if self.ints:
            parts.append(f'{len(self.ints)} int64 features')
        return f'{" + ".join(parts)} + int64 label, {self.classes} classes, batch {self.batch}'

    def feature_spec(self, scalar_shape=(1,)) -> dict:
        """Parse spec of every feature and the label (scalars with ``scalar_shape``)."""
        import tensorflow as tf

        spec = {
            name: tf.io.FixedLenFeature(scalar_shape if width == 1 else [width], tf.float32)
            for name, width in self.floats
        }
        spec.update({name: tf.io.FixedLenFeature(scalar_shape, tf.int64) for name, _ in self.ints})
        spec[LABEL] = tf.io.FixedLenFeature(scalar_shape, tf.int64)
        return spec

    def schema(self):
        from tensorflow_transform.tf_metadata import schema_utils

        return schema_utils.schema_from_feature_spec(self.feature_spec())


TABULAR = Workload('tabular', 200_000, 10, 100, tuple((f'f{j:02d}', 1) for j in range(20)))
DIGITS = Workload('digits', 100_000, 10, 50, (('pixels', 64),))
TAXI = Workload(
    'taxi',
    100_000,
    7,
    70,
    tuple((k, 1) for k in ('fare', 'tips', 'trip_miles', 'trip_seconds', 'dropoff_known')),
    (('trip_start_hour', 24), ('company', 21)),
)
WORKLOADS = (TABULAR, DIGITS, TAXI)


def smoke(workload: Workload) -> Workload:
    return dataclasses.replace(workload, total=2_000)


def class_counts(total: int, classes: int) -> list:
    """Geometric class sizes from 50% down to 0.1% of ``total`` (summing exactly to it)."""
    ratio = (0.001 / 0.5) ** (1 / (classes - 1))
    shares = [0.5 * ratio**k for k in range(classes)]
    counts = [max(1, round(total * s / sum(shares))) for s in shares]
    counts[0] += total - sum(counts)
    return counts


def zipf_counts(total: int, classes: int) -> list:
    """Class sizes proportional to ``1 / (k + 1)``, at least 1 each, summing to ``total``."""
    weights = [1 / (k + 1) for k in range(classes)]
    counts = [max(1, math.floor(total * w / sum(weights))) for w in weights]
    counts[0] += total - sum(counts)
    return counts


def class_sizes(workload: Workload) -> list:
    """The workload's class sizes (its ``sizes`` rule)."""
    rule = zipf_counts if workload.sizes == 'zipf' else class_counts
    return rule(workload.total, workload.classes)


def _varint_columns(values, length: int):
    """``uint8 [n, length]``: the base-128 varints of non-negative ``values``, all ``length``
    bytes long."""
    import numpy as np

    values = np.asarray(values, dtype=np.uint64)
    out = np.empty((values.size, length), dtype=np.uint8)
    for i in range(length):
        byte = (values >> np.uint64(7 * i)) & np.uint64(0x7F)
        out[:, i] = byte | np.uint64(0x80 if i < length - 1 else 0)
    return out


def _varint_length(values):
    """Bytes of the base-128 varint of each value (1 for 0 ... 127, 2 up to 16,383, ...)."""
    import numpy as np

    values = np.asarray(values, dtype=np.uint64)
    length = np.ones(values.shape, dtype=np.int64)
    for bits in range(7, 64, 7):
        length += values >= np.uint64(1 << bits)
    return length


def encode_examples(floats: dict, ints: dict) -> list:
    """Serialized ``tf.train.Example``s, built as numpy arrays of their wire format.

    ``floats`` maps a feature name to ``float32 [n, width]`` values, ``ints`` a name to
    non-negative ``int64 [n]`` scalars. Features are written in name order (as protobuf's
    deterministic serialization does); records whose ints have the same varint lengths share a
    template, and the values are copied into it column by column, so 200,000 records take well
    under a second instead of ~45 s of protobuf building. The smoke test checks the records
    against ``tf.train.Example``.
    """
    import numpy as np

    from tfx_balance.core.common.wire import ENTRY_TAG, delimited, feature_entry

    n = len(next(iter({**floats, **ints}.values())))
    int_lengths = {name: _varint_length(v) for name, v in ints.items()}
    group_key = np.zeros(n, dtype=np.int64)
    for name in sorted(ints):
        group_key = group_key * 11 + int_lengths[name]
    records = [b''] * n
    for key in np.unique(group_key):
        rows = np.flatnonzero(group_key == key)
        body, patches = b'', []  # (offset, uint8 [len(rows), width]) to copy in
        for name in sorted({**floats, **ints}):
            if name in floats:
                values = np.ascontiguousarray(floats[name][rows], dtype='<f4')
                data = values.view(np.uint8).reshape(len(rows), -1)
                feature = delimited(b'\x12', delimited(ENTRY_TAG, bytes(data.shape[1])))
            else:
                length = int(int_lengths[name][rows[0]])
                data = _varint_columns(ints[name][rows], length)
                feature = delimited(b'\x1a', delimited(ENTRY_TAG, bytes(length)))
            entry = feature_entry(name, feature)
            patches.append((len(body) + len(entry) - data.shape[1], data))
            body += entry
        record = delimited(ENTRY_TAG, body)  # Example.features
        head = len(record) - len(body)
        out = np.tile(np.frombuffer(record, dtype=np.uint8), (len(rows), 1))
        for offset, data in patches:
            out[:, head + offset : head + offset + data.shape[1]] = data
        for i, row in zip(rows.tolist(), out):
            records[i] = row.tobytes()
    return records


def _generate(workload: Workload, raw_dir: str) -> None:
    """Writes the examples, classes interleaved at random, as ``workload.shards`` gzipped files."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(workload.classes), class_sizes(workload))
    rng.shuffle(labels)
    n = len(labels)
    floats = {name: rng.normal(size=(n, w)).astype(np.float32) for name, w in workload.floats}
    ints = {name: rng.integers(0, ids, size=n) for name, ids in workload.ints}
    records = encode_examples(floats, {**ints, LABEL: labels})
    os.makedirs(raw_dir, exist_ok=True)
    shards = workload.shards
    files = [os.path.join(raw_dir, f'part-{s:05d}-of-{shards:05d}.gz') for s in range(shards)]
    for s, path in enumerate(files):
        with tf.io.TFRecordWriter(path, options='GZIP') as writer:
            for record in records[s::shards]:
                writer.write(record)


def _lay_out(files: list, root: str) -> None:
    """Lays ``files`` out per class under ``root`` as BalancedInputGen does one split: the
    class files in ``Split-train/`` and the plan at the root."""
    import apache_beam as beam

    from tfx_balance.core.balanced_input_gen import PLAN_FILE, BalancedLayout, plans_to_json
    from tfx_balance.core.common.records import ReadRecordBatches, unbatch

    def write_plan(plans):
        with open(os.path.join(root, PLAN_FILE), 'w') as f:
            json.dump(plans_to_json(plans), f)

    with beam.Pipeline(argv=['--direct_num_workers=1']) as p:
        _ = (
            p
            # As BalancedInputGen's executor reads a split: tf.data's C++ reader, file by file
            # (Beam's ReadFromTFRecord checks every record's CRC in Python, without python-snappy).
            | ReadRecordBatches(files)
            | beam.FlatMap(unbatch)
            | BalancedLayout(os.path.join(root, 'Split-train'), 'train', LABEL, seed=0)
            | beam.combiners.ToList()
            | beam.Map(write_plan)
        )


def prepare(
    workload: Workload, work_dir: str = WORK_DIR, folder: str = FOLDER, spans: int = 1
) -> tuple:
    """Generates and lays out the workload once under ``work_dir/folder``; returns (raw files,
    laid-out file pattern).

    ``spans`` > 1: a window of spans, as a daily run per span leaves it. The same examples are
    written as ``spans`` files, one a span, and each is laid out on its own (its own class
    files and plan, as BalancedInputGen lays out each span once); the pattern is then a list,
    one per span, as ``fn_args.train_files`` of a window.
    """
    suffix = f'-spans{spans}' if spans > 1 else ''
    base = os.path.join(work_dir, folder, f'{workload.name}-n{workload.total}{suffix}')
    raw_dir, root = os.path.join(base, 'raw'), os.path.join(base, 'balanced')
    if spans > 1:
        workload = dataclasses.replace(workload, shards=spans)
    roots = [os.path.join(root, f'span-{s}') for s in range(spans)] if spans > 1 else [root]
    done = os.path.join(base, 'DONE')
    if not os.path.exists(done):
        shutil.rmtree(base, ignore_errors=True)
        t = time.time()
        _generate(workload, raw_dir)
        print(f'{workload.name}: generated {workload.total} examples in {time.time() - t:.1f} s')
        t = time.time()
        files = sorted(glob.glob(os.path.join(raw_dir, '*.gz')))
        for span_files, span_root in zip([[f] for f in files] if spans > 1 else [files], roots):
            _lay_out(span_files, span_root)
        print(
            f'{workload.name}: laid out per class (BalancedLayout) in {time.time() - t:.1f} s'
            + (f', each of {spans} spans on its own' if spans > 1 else '')
        )
        open(done, 'w').close()
    patterns = [os.path.join(r, 'Split-train', '*') for r in roots]
    return sorted(glob.glob(os.path.join(raw_dir, '*.gz'))), (
        patterns if spans > 1 else patterns[0]
    )
