"""core/history_seed.py: a span's assignments from its split Examples, keyed as the splitter
keys them, so that a seeded history pins every unit where it was."""

import os

import pytest

from tests.support.examples import example, write_records
from tfx_balance.core import history_seed
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.split.config import StratifiedSplitConfig


def _config(**kwargs):
    splits = {'train': 8, 'eval': 2}
    return StratifiedSplitConfig(label_feature='y', splits=splits, **kwargs).validate()


def _split_dirs(tmp_path, splits):
    found = {}
    for name, users in splits.items():
        folder = str(tmp_path / f'Split-{name}')
        write_records(os.path.join(folder, 'data.gz'), [example(user=u, y='a') for u in users])
        found[name] = folder
    return found


def _written(folder):
    import tensorflow as tf

    from tfx_balance.core.split.assignments import decode_assignments

    (path,) = tf.io.gfile.glob(os.path.join(folder, 'assignments-*.gz'))
    records = tf.data.TFRecordDataset(path, compression_type='GZIP').as_numpy_iterator()
    return dict(pair for record in records for pair in decode_assignments(record))


def test_each_group_gets_the_split_holding_most_of_its_examples_by_the_splitters_key(tmp_path):
    from tfx_balance.core.common.groups import group_key, read_group_ids

    config = _config(group_feature='user')
    split_dirs = _split_dirs(
        tmp_path, {'train': ['u1', 'u1', 'u2', 'u3'], 'eval': ['u2', 'u3', 'u3']}
    )
    report = history_seed.write_assignments(split_dirs, config, str(tmp_path / 'out'))
    assert report == {'units': 3, 'in_several_splits': 2}
    keys = {
        u: group_key(0, group)
        for u in ('u1', 'u2', 'u3')
        for group, _ in read_group_ids([example(user=u, y='a')], 'user')
    }
    # u2: one example each, the first split wins; u3: most in eval.
    assert _written(str(tmp_path / 'out')) == {keys['u1']: 0, keys['u2']: 0, keys['u3']: 1}
    assert os.path.isfile(tmp_path / 'out' / 'assignments.json')


def test_split_names_the_splitter_does_not_have_are_refused_by_name(tmp_path):
    split_dirs = _split_dirs(tmp_path, {'train': ['u1'], 'validation': ['u2']})
    with pytest.raises(
        ConfigError, match=r"split\(s\) \['validation'\].*its splits: \['train', 'eval'\]"
    ):
        history_seed.write_assignments(split_dirs, _config(), str(tmp_path / 'out'))
