"""A span's assignments from its split Examples, written by any splitter (TFX's hash split's
``Split-train``/``Split-eval``, or ours): what seeds a periodic pipeline's history when a running
pipeline moves over (``tfx_balance.seed_history``), so that every unit keeps the split it had.

Each example's unit is the one StratifiedSplitter keys its assignments by (its group's
``groups.group_key``, or the seeded hash of its content key), so the splitter of the next run
finds them. A unit in several splits of one span (a splitter that split a group's examples
apart) keeps the split that holds most of its examples (ties: the first in ``splits`` order).

Example::

    report = write_assignments(
        {'train': '/root/ImportExampleGen/examples/3/Split-train', 'eval': '.../Split-eval'},
        config,  # the new StratifiedSplitter's StratifiedSplitConfig
        '/tmp/span-3-assignments',
    )
"""

from __future__ import annotations

import collections
import os
from typing import Dict, Mapping

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.groups import group_key, read_group_ids
from tfx_balance.core.common.hashing import seeded_hashes
from tfx_balance.core.common.json_files import write_json
from tfx_balance.core.common.keys import ASSIGNMENT_RECORDS_PREFIX, ASSIGNMENTS_FILE
from tfx_balance.core.common.labels import unlabelled_keys
from tfx_balance.core.split.assignments import encode_assignments, header

BATCH = 8192  # examples keyed at once
PAIRS_PER_RECORD = 65536  # (unit key, split) pairs per written record: 640 KB


def unit_keys(records, config) -> list:
    """The key StratifiedSplitter writes each serialized example's unit by."""
    if config.group_feature is None:
        return seeded_hashes(config.seed, unlabelled_keys(records, config.label_feature))
    return [
        group_key(config.seed, group) for group, _ in read_group_ids(records, config.group_feature)
    ]


def write_assignments(split_dirs: Mapping[str, str], config, output_dir: str) -> Dict[str, int]:
    """Writes the assignments of the examples of ``split_dirs`` (split name -> its folder of
    gzipped TFRecords) to ``output_dir``, as StratifiedSplitter writes its ``assignments``;
    returns ``{'units': n, 'in_several_splits': m}``."""
    import tensorflow as tf

    names = list(config.splits)
    unknown = sorted(set(split_dirs) - set(names))
    if unknown:
        raise ConfigError(
            f'the split Examples have split(s) {unknown}, which the StratifiedSplitter does not '
            f'have (its splits: {names}): a unit keeps its split only by name. Give the '
            'splitter splits of the same names.'
        )
    seen = collections.defaultdict(collections.Counter)  # unit key -> {split index: examples}
    for name, folder in split_dirs.items():
        files = tf.io.gfile.glob(os.path.join(folder, '*'))
        dataset = tf.data.TFRecordDataset(files, compression_type='GZIP').batch(BATCH)
        for batch in dataset.as_numpy_iterator():
            for key in unit_keys(list(batch), config):
                seen[key][names.index(name)] += 1
    pairs = sorted(
        (key, min(counts, key=lambda split: (-counts[split], split)))
        for key, counts in seen.items()
    )
    tf.io.gfile.makedirs(output_dir)
    path = os.path.join(output_dir, f'{ASSIGNMENT_RECORDS_PREFIX}-00000-of-00001.gz')
    with tf.io.TFRecordWriter(path, options='GZIP') as writer:
        for start in range(0, len(pairs), PAIRS_PER_RECORD):
            writer.write(encode_assignments(pairs[start : start + PAIRS_PER_RECORD]))
    write_json(os.path.join(output_dir, ASSIGNMENTS_FILE), header(config))
    return {'units': len(pairs), 'in_several_splits': sum(len(c) > 1 for c in seen.values())}
