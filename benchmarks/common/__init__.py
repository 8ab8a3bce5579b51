"""Shared pieces of the benchmarks: synthetic workloads, their layout, work folders, logging.

Workloads (written once per size under ``benchmarks/_work/``, git-ignored, reused by later runs):

- ``tabular_workload``: ``n`` gzipped ``tf.train.Example`` records with 20 float features
  ``f00`` ... ``f19`` and an int64 ``label`` over 10 classes whose shares fall geometrically from
  50% to 0.1% (``class_counts``, exact counts). The records are encoded straight into the
  ``tf.Example`` wire format from a fixed template (each record is a valid, parseable
  ``tf.train.Example``; the smoke test checks it), so a million of them take seconds to build.
- ``image_workload``: ``n`` examples with a 28x28 grayscale PNG ``image`` (the scikit-learn
  digits, upscaled, with seeded noise so every image is distinct) and the same label layout.

Every workload is laid out as an ``Examples`` artifact folder (``Split-train/*.gz``), so the
executors read it exactly as they would in a pipeline.

Measured jobs (isolated processes, peak memory, medians) are in ``benchmarks.jobs``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
import zlib
from typing import List, Sequence

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK_DIR = os.path.join(ROOT, 'benchmarks', '_work')
NUM_CLASSES = 10
NUM_FLOATS = 20
HEAD_SHARE = 0.5
TAIL_SHARE = 0.001
LABEL_FEATURE = 'label'
IMAGE_FEATURE = 'image'
SPLIT = 'train'
EXAMPLES_PER_SHARD = 100_000
WORKLOAD_VERSION = 1  # bump when the generator changes, so cached data is rebuilt
IN_PROCESS_ARGS = ['--direct_num_workers=1']
MULTI_PROCESS_ARGS = ['--direct_running_mode=multi_processing', '--direct_num_workers=2']


# --------------------------------------------------------------------------------------------
# Class layout.


def class_shares(num_classes: int = NUM_CLASSES) -> List[float]:
    """Geometric shares from HEAD_SHARE down to TAIL_SHARE, normalised to sum to 1."""
    ratio = (TAIL_SHARE / HEAD_SHARE) ** (1.0 / (num_classes - 1))
    raw = [HEAD_SHARE * ratio**k for k in range(num_classes)]
    total = sum(raw)
    return [r / total for r in raw]


def class_counts(n: int, num_classes: int = NUM_CLASSES) -> List[int]:
    """Exact per-class counts summing to ``n`` (largest remainder of ``n * share``)."""
    shares = class_shares(num_classes)
    exact = [n * s for s in shares]
    counts = [int(x) for x in exact]
    order = sorted(range(num_classes), key=lambda k: (-(exact[k] - counts[k]), k))
    for k in order[: n - sum(counts)]:
        counts[k] += 1
    return counts


def shuffled_labels(n: int, seed: int) -> np.ndarray:
    labels = np.repeat(np.arange(NUM_CLASSES, dtype=np.int64), class_counts(n))
    return np.random.default_rng(seed).permutation(labels)


# --------------------------------------------------------------------------------------------
# tf.Example wire format (fixed-size records: 20 single floats and a label < 128).


FLOAT_NAMES = [f'f{i:02d}' for i in range(NUM_FLOATS)]


def _template(site: bool = False):
    """Returns (template bytes, float offsets, label offset, site offset) of one encoded Example.

    Map entries are written with the package's wire helpers (``feature_entry``, ``add_entries``),
    in FLOAT_NAMES order then the label (then ``SITE_FEATURE`` with ``site``), so the
    placeholders sit at fixed offsets.
    """
    from tensorflow.core.example import feature_pb2

    from tfx_balance.core.common.wire import add_entries, feature_entry

    one_float = feature_pb2.Feature(float_list=feature_pb2.FloatList(value=[0.0]))
    one_int = feature_pb2.Feature(int64_list=feature_pb2.Int64List(value=[0]))
    body, float_offsets = b'', []
    for name in FLOAT_NAMES:
        entry = feature_entry(name, one_float.SerializeToString())
        float_offsets.append(len(body) + len(entry) - 4)  # the float's 4 bytes end the entry
        body += entry
    entry = feature_entry(LABEL_FEATURE, one_int.SerializeToString())
    label_offset = len(body) + len(entry) - 1  # a label < 128 is one varint byte
    body += entry
    site_offset = None
    if site:
        entry = feature_entry(SITE_FEATURE, one_int.SerializeToString())
        site_offset = len(body) + len(entry) - 1  # a site < 128 is one varint byte
        body += entry
    record = add_entries(b'\n\x00', body)  # an Example with an empty feature map, + entries
    head = len(record) - len(body)
    site_offset = None if site_offset is None else site_offset + head
    return record, [o + head for o in float_offsets], label_offset + head, site_offset


def encode_tabular(features: np.ndarray, labels: np.ndarray, sites=None) -> np.ndarray:
    """Encodes rows of float32 ``features [n, 20]`` and ``labels [n]`` (and int ``sites [n]``
    < 128) as ``uint8 [n, L]``."""
    template, float_offsets, label_offset, site_offset = _template(sites is not None)
    n = len(labels)
    out = np.tile(np.frombuffer(template, dtype=np.uint8), (n, 1))
    raw = features.astype('<f4').view(np.uint8).reshape(n, NUM_FLOATS, 4)
    for i, offset in enumerate(float_offsets):
        out[:, offset : offset + 4] = raw[:, i, :]
    out[:, label_offset] = labels.astype(np.uint8)
    if sites is not None:
        out[:, site_offset] = sites.astype(np.uint8)
    return out


# The tabular workload with sites: an int64 SITE_FEATURE of NUM_SITES values, their sizes falling
# as 1 / (rank + 1), the rarer classes twice as frequent at the odd sites: what
# stratify_features=['site'] stratifies on (the splitter section's strata job).
SITE_FEATURE, NUM_SITES = 'site', 30


def tabular_records(n: int, seed: int = 0, sites: bool = False):
    """Yields ``n`` serialized tf.Examples (20 floats whose means depend on the label; with
    ``sites``, a ``SITE_FEATURE``)."""
    labels = shuffled_labels(n, seed)
    rng = np.random.default_rng(seed + 1)
    site_rng = np.random.default_rng(seed + 2)
    weights = 1.0 / np.arange(1, NUM_SITES + 1)
    odd = np.where(np.arange(NUM_SITES) % 2 == 1, 2.0, 1.0)
    chunk = 50_000
    for start in range(0, n, chunk):
        lab = labels[start : start + chunk]
        x = rng.normal(size=(len(lab), NUM_FLOATS)).astype(np.float32)
        x += (lab[:, None] * 0.25).astype(np.float32)
        site = None
        if sites:
            common, rare = weights / weights.sum(), weights * odd / (weights * odd).sum()
            p = np.where((lab >= NUM_CLASSES // 2)[:, None], rare, common)
            u = site_rng.random(len(lab))[:, None]
            site = (u > np.cumsum(p, axis=1)).sum(axis=1).clip(0, NUM_SITES - 1)
        for row in encode_tabular(x, lab, site):
            yield row.tobytes()


# --------------------------------------------------------------------------------------------
# Images.


def png_gray(image: np.ndarray) -> bytes:
    """Encodes a uint8 ``[H, W]`` array as an 8-bit grayscale PNG (no TensorFlow needed)."""
    height, width = image.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack('>I', len(data))
            + kind
            + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b''.join(b'\x00' + image[r].tobytes() for r in range(height))
    header = struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0)
    return (
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', header)
        + chunk(b'IDAT', zlib.compress(rows, 6))
        + chunk(b'IEND', b'')
    )


def image_records(n: int, seed: int = 0):
    """Yields ``n`` serialized tf.Examples with a 28x28 PNG ``image`` and an int64 ``label``."""
    from sklearn.datasets import load_digits
    from tensorflow.core.example import example_pb2

    digits = load_digits()
    by_class = [digits.images[digits.target == k] for k in range(NUM_CLASSES)]
    labels = shuffled_labels(n, seed)
    rng = np.random.default_rng(seed + 2)
    for i, label in enumerate(labels):
        pool = by_class[int(label)]
        base = pool[i % len(pool)] * (255.0 / 16.0)
        big = np.kron(base, np.ones((3, 3)))  # 24x24
        noisy = big + rng.normal(scale=12.0, size=big.shape)
        image = np.zeros((28, 28), dtype=np.uint8)
        image[2:26, 2:26] = np.clip(noisy, 0, 255).astype(np.uint8)
        example = example_pb2.Example()
        example.features.feature[IMAGE_FEATURE].bytes_list.value.append(png_gray(image))
        example.features.feature[LABEL_FEATURE].int64_list.value.append(int(label))
        yield example.SerializeToString()


# --------------------------------------------------------------------------------------------
# Workload folders.


def _write_workload(path: str, records, n: int) -> None:
    import tensorflow as tf

    tmp = path + '.partial'
    shutil.rmtree(tmp, ignore_errors=True)
    split_dir = os.path.join(tmp, f'Split-{SPLIT}')
    os.makedirs(split_dir)
    shards = max(2, -(-n // EXAMPLES_PER_SHARD))
    per_shard = -(-n // shards)
    options = tf.io.TFRecordOptions(compression_type='GZIP')
    writer, written = None, 0
    for record in records:
        if written % per_shard == 0:
            if writer:
                writer.close()
            shard = written // per_shard
            name = f'data_tfrecord-{shard:05d}-of-{shards:05d}.gz'
            writer = tf.io.TFRecordWriter(os.path.join(split_dir, name), options)
        writer.write(record)
        written += 1
    if writer:
        writer.close()
    with open(os.path.join(tmp, 'workload.json'), 'w') as f:
        json.dump({'n': n, 'class_counts': class_counts(n), 'version': WORKLOAD_VERSION}, f)
    shutil.rmtree(path, ignore_errors=True)
    os.rename(tmp, path)


def _workload(kind: str, n: int, seed: int, work_dir: str, records_fn) -> str:
    path = os.path.join(work_dir, 'data', f'{kind}-n{n}-s{seed}-v{WORKLOAD_VERSION}')
    if not os.path.exists(os.path.join(path, 'workload.json')):
        started = time.time()
        _write_workload(path, records_fn(n, seed), n)
        log(f'  wrote {kind} workload of {n:,} examples in {time.time() - started:.1f} s: {path}')
    return path


def tabular_workload(n: int, seed: int = 0, work_dir: str = WORK_DIR, sites: bool = False) -> str:
    """Folder of an Examples artifact holding the tabular workload of ``n`` examples (with
    ``sites``, its records also hold ``SITE_FEATURE``)."""
    if sites:
        return _workload(
            'tabular-sites', n, seed, work_dir, lambda n, seed: tabular_records(n, seed, True)
        )
    return _workload('tabular', n, seed, work_dir, tabular_records)


def image_workload(n: int, seed: int = 0, work_dir: str = WORK_DIR) -> str:
    """Folder of an Examples artifact holding the 28x28 PNG workload of ``n`` examples."""
    return _workload('image', n, seed, work_dir, image_records)


def examples_artifact(uri: str, splits: Sequence[str] = (SPLIT,)):
    """An ``Examples`` artifact object pointing at ``uri`` (tf.Example payload)."""
    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2
    from tfx.types import artifact_utils, standard_artifacts

    artifact = standard_artifacts.Examples()
    artifact.uri = uri
    artifact.split_names = artifact_utils.encode_split_names(list(splits))
    examples_utils.set_payload_format(artifact, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    return artifact


def count_records(pattern: str) -> int:
    """Counts the records of TFRecord files (checks that a job wrote what it claims), with the
    package's checked reader (a truncated file raises), a batch at a time: a Python loop per
    record took ~55 s for 1M records, more than the job it checks."""
    import tensorflow as tf

    from tfx_balance.core.common.records import read_file_batches

    return sum(
        len(batch)
        for path in tf.io.gfile.glob(pattern)
        for batch in read_file_batches(path, batch_size=8192)
    )


def reset_dir(path: str) -> str:
    """Empties (or creates) ``path``."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def fresh_dir(work_dir: str, name: str) -> str:
    return reset_dir(os.path.join(work_dir, 'out', name))


def log(message: str) -> None:
    print(message, flush=True)


def size_label(n) -> str:
    """An example count as the report writes it: 1M, 100k, or 1,234."""
    n = int(n)
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f'{n // 1_000_000}M'
    if n >= 1_000 and n % 1_000 == 0:
        return f'{n // 1_000}k'
    return f'{n:,}'
