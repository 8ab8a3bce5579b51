"""Synthetic multi-label workloads for the multi-label split benchmark (issue 24).

``n`` gzipped ``tf.train.Example`` records, each with the 20 float features of the tabular
workload (``f00`` ... ``f19``, standard normal) and a ``labels`` feature holding the example's set
of labels out of ``NUM_LABELS`` (100), with Zipf-like frequencies: label ``j`` is on a share
``p_j = c / (j + 1)`` of the examples, ``c = 3 / H_100 = 0.578``, so the head label is on 57.8% of
the examples, the tail label on 0.58%, and an example carries 3 labels on average (about 3% carry
none). Two label structures, with the same ``p_j``:

- ``independent``: each label is drawn on each example independently with probability ``p_j``.
- ``correlated`` (label co-occurrence clusters): label ``j`` belongs to cluster ``j % 10``
  (clusters of 10 labels, each from the head to the tail); each example activates each cluster
  independently with probability ``q_c = p_c`` (the share of the cluster's most frequent label),
  and carries a label of an active cluster with probability ``p_j / q_c``, none of an inactive
  one. Every label keeps its share ``p_j``; two labels of one cluster occur together ``1 / q_c``
  times more often than if they were independent (1.7x in cluster 0 up to 17x in cluster 9), and
  never without the cluster's head label.

Two encodings of the label set: ``ids`` (an int64 list of the label ids, ascending, 0 to 10-odd
values; none = no label: the splitter's ``multi_label='ids'``) and ``multi_hot`` (a fixed-length
int64 0/1 vector of 100 values: ``multi_label='multi_hot'``).

Records are encoded straight into the wire format from one template per label count (the float
and label bytes patched in with numpy), a chunk of 50,000 at a time: a million records take
seconds. The same ``(kind, encoding, n, seed)`` gives the same bytes. Next to the records,
``labels.npz`` holds every example's label ids (``ids`` and ``offsets``, CSR) and the random
split's assignment (``random_split``: the I/O floor's seeded hash of the record bytes, 8:1:1), so
iterstrat and the random reference need no TFRecord read.

Example:
    >>> import tempfile
    >>> path = workload('independent', 'ids', 1_000, work_dir=tempfile.mkdtemp())
    >>> data = load_labels(path)
    >>> len(data['offsets']) - 1, dense_labels(data).shape
    (1000, (1000, 100))
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
import zlib

import numpy as np

from benchmarks import common

NUM_LABELS = 100
NUM_CLUSTERS = 10
MEAN_LABELS = 3.0
LABEL_FEATURE = 'labels'
KINDS = ('independent', 'correlated')
ENCODINGS = ('ids', 'multi_hot')
CHUNK = 50_000
VERSION = 2  # bump when the generator changes, so cached data is rebuilt
LABELS_FILE = 'labels.npz'


def label_shares() -> np.ndarray:
    """``p_j = c / (j + 1)`` with ``c`` such that the shares sum to MEAN_LABELS."""
    weights = 1.0 / np.arange(1, NUM_LABELS + 1)
    return MEAN_LABELS * weights / weights.sum()


def draw_labels(kind: str, m: int, rng: np.random.Generator) -> np.ndarray:
    """A ``bool [m, NUM_LABELS]`` matrix of label sets drawn by ``kind``'s rule."""
    p = label_shares()
    if kind == 'independent':
        return rng.random((m, NUM_LABELS)) < p
    if kind == 'correlated':
        cluster = np.arange(NUM_LABELS) % NUM_CLUSTERS
        q = p[:NUM_CLUSTERS]  # label c is the most frequent of cluster c
        active = rng.random((m, NUM_CLUSTERS)) < q
        return active[:, cluster] & (rng.random((m, NUM_LABELS)) < p / q[cluster])
    raise ValueError(f'kind must be one of {KINDS}, got {kind!r}')


def _template(values: int):
    """(record bytes, float offsets) of an Example with the 20 floats and a ``labels`` int64 list
    of ``values`` one-byte values, which end the record."""
    from tensorflow.core.example import feature_pb2

    from tfx_balance.core.common.wire import add_entries, feature_entry

    one_float = feature_pb2.Feature(float_list=feature_pb2.FloatList(value=[0.0]))
    body, offsets = b'', []
    for name in common.FLOAT_NAMES:
        entry = feature_entry(name, one_float.SerializeToString())
        offsets.append(len(body) + len(entry) - 4)
        body += entry
    label = feature_pb2.Feature(int64_list=feature_pb2.Int64List(value=[0] * values))
    body += feature_entry(LABEL_FEATURE, label.SerializeToString())
    record = add_entries(b'\n\x00', body)
    head = len(record) - len(body)
    return np.frombuffer(record, dtype=np.uint8), [o + head for o in offsets]


def encode(floats: np.ndarray, labels: np.ndarray, encoding: str) -> list:
    """Serialized Examples of rows of ``floats [m, 20]`` and ``labels bool [m, 100]``."""
    m = len(labels)
    raw = floats.astype('<f4').view(np.uint8).reshape(m, common.NUM_FLOATS, 4)
    if encoding == 'multi_hot':
        groups = {NUM_LABELS: (np.arange(m), labels.astype(np.uint8))}
    elif encoding == 'ids':
        k = labels.sum(axis=1)
        rows, cols = np.nonzero(labels)  # row-major: each row's ids ascending
        starts = np.concatenate([[0], np.cumsum(k)])
        groups = {}
        for size in np.unique(k):
            where = np.flatnonzero(k == size)
            positions = starts[where][:, None] + np.arange(size)
            groups[int(size)] = (where, cols[positions].astype(np.uint8))
    else:
        raise ValueError(f'encoding must be one of {ENCODINGS}, got {encoding!r}')
    records = [b''] * m
    for size, (where, values) in groups.items():
        template, offsets = _template(size)
        out = np.tile(template, (len(where), 1))
        for i, offset in enumerate(offsets):
            out[:, offset : offset + 4] = raw[where, i, :]
        if size:
            out[:, -size:] = values
        for i, row in zip(where, out):
            records[i] = row.tobytes()
    return records


def _masked_crc(data: bytes) -> bytes:
    import google_crc32c

    crc = google_crc32c.value(data)
    return struct.pack('<I', ((crc >> 15 | crc << 17) + 0xA282EAD8) & 0xFFFFFFFF)


def gzip_tfrecords(records: list) -> bytes:
    """A gzipped TFRecord file's bytes holding ``records`` (the framing TensorFlow writes:
    length, masked CRC-32C of the length, data, masked CRC-32C of the data), compressed in one
    call at zlib level 1 (TensorFlow writes level 6: slower to write, no faster to read; about
    10x less time in all than ``TFRecordWriter`` record by record), the same records for every
    reader."""
    headers, parts = {}, []
    for record in records:
        header = headers.get(len(record))
        if header is None:
            length = struct.pack('<Q', len(record))
            header = headers[len(record)] = length + _masked_crc(length)
        parts += (header, record, _masked_crc(record))
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)  # gzip, mtime 0
    return compressor.compress(b''.join(parts)) + compressor.flush()


def _write(path: str, kind: str, encoding: str, n: int, seed: int) -> None:
    from benchmarks.common.floor import SPLITS, floor_partition

    tmp = path + '.partial'
    shutil.rmtree(tmp, ignore_errors=True)
    split_dir = os.path.join(tmp, f'Split-{common.SPLIT}')
    os.makedirs(split_dir)
    shards = max(2, -(-n // common.EXAMPLES_PER_SHARD))
    per_shard = -(-n // shards)
    rng = np.random.default_rng(seed)
    ids, counts, assignment, pending = [], [], np.zeros(n, dtype=np.uint8), []

    def flush(shard):
        name = f'data_tfrecord-{shard:05d}-of-{shards:05d}.gz'
        with open(os.path.join(split_dir, name), 'wb') as f:
            f.write(gzip_tfrecords(pending))
        pending.clear()

    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        labels = draw_labels(kind, m, rng)
        floats = rng.standard_normal((m, common.NUM_FLOATS), dtype=np.float32)
        ids.append(np.nonzero(labels)[1].astype(np.uint8))
        counts.append(labels.sum(axis=1))
        for i, record in enumerate(encode(floats, labels, encoding), start):
            pending.append(record)
            assignment[i] = floor_partition(record, len(SPLITS))
            if (i + 1) % per_shard == 0 or i + 1 == n:
                flush(i // per_shard)
    counts = np.concatenate(counts)
    np.savez(
        os.path.join(tmp, LABELS_FILE),
        ids=np.concatenate(ids),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        random_split=assignment,
    )
    meta = {
        'n': n,
        'kind': kind,
        'encoding': encoding,
        'seed': seed,
        'version': VERSION,
        'labels': NUM_LABELS,
        'mean_labels': float(counts.mean()),
        'no_label': int((counts == 0).sum()),
    }
    with open(os.path.join(tmp, 'workload.json'), 'w') as f:
        json.dump(meta, f)
    shutil.rmtree(path, ignore_errors=True)
    os.rename(tmp, path)


def workload(
    kind: str, encoding: str, n: int, seed: int = 0, work_dir: str = common.WORK_DIR
) -> str:
    """Folder of an Examples artifact (``Split-train/``) holding the workload, written once."""
    name = f'multilabel-{kind}-{encoding}-n{n}-s{seed}-v{VERSION}'
    path = os.path.join(work_dir, 'data', name)
    if not os.path.exists(os.path.join(path, 'workload.json')):
        started = time.time()
        _write(path, kind, encoding, n, seed)
        common.log(f'  wrote {name} ({n:,} examples) in {time.time() - started:.1f} s')
    return path


def load_labels(path: str) -> dict:
    """The workload's ``labels.npz`` arrays (``ids``, ``offsets``, ``random_split``)."""
    with np.load(os.path.join(path, LABELS_FILE)) as data:
        return {key: data[key] for key in data.files}


def dense_labels(data: dict) -> np.ndarray:
    """The ``bool [n, NUM_LABELS]`` label matrix of ``load_labels`` arrays."""
    offsets = data['offsets']
    n = len(offsets) - 1
    y = np.zeros((n, NUM_LABELS), dtype=bool)
    y[np.repeat(np.arange(n), np.diff(offsets)), data['ids']] = True
    return y


def counts_by_split(data: dict, assignment: np.ndarray, splits) -> tuple:
    """``({split: {label: examples}}, {split: examples})`` of a split given as each example's
    split index (``assignment``, in the order of ``splits``)."""
    per_example = np.repeat(assignment.astype(np.int64), np.diff(data['offsets']))
    flat = np.bincount(
        per_example * NUM_LABELS + data['ids'], minlength=len(splits) * NUM_LABELS
    ).reshape(len(splits), NUM_LABELS)
    sizes = np.bincount(assignment, minlength=len(splits))
    return (
        {s: {j: int(c) for j, c in enumerate(flat[i]) if c} for i, s in enumerate(splits)},
        {s: int(sizes[i]) for i, s in enumerate(splits)},
    )
