"""assignments.write_assignments: a span's assignments from its split Examples, keyed as the splitter
keys them, so that a seeded history pins every unit where it was."""

import os

import pytest

from tests.support.examples import example, write_records
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.split.assignments import write_assignments
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
    report = write_assignments(split_dirs, config, str(tmp_path / 'out'))
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
        write_assignments(split_dirs, _config(), str(tmp_path / 'out'))


FORMS = {  # label form -> (config arguments, label of example i)
    'single': ({}, lambda i: ['a', 'b', 'c'][i % 3]),
    'bins': ({'label_bins': 3}, lambda i: float(i % 7)),
    'ids': ({'multi_label': 'ids'}, lambda i: [t for t in range(4) if (i >> t) & 1]),
    'multi_hot': ({'multi_label': 'multi_hot'}, lambda i: [(i >> t) & 1 for t in range(4)]),
}
SITES = {'stratify_features': ['site']}  # each example's site (example i: site i % 5, or none)
FORMS.update(
    {
        f'{form}+site': ({**FORMS[form][0], **SITES}, FORMS[form][1])
        for form in ('single', 'ids', 'multi_hot')
    }
)


@pytest.mark.parametrize('grouped', [False, True], ids=['examples', 'groups'])
@pytest.mark.parametrize('form', list(FORMS))
def test_written_keys_are_the_keys_the_splitter_writes(tmp_path, form, grouped):
    # One key function (units.unit_keys) for both: if they differ, a seeded history pins nothing.
    from tests.core.split.test_assignments import run_span

    kwargs, label = FORMS[form]
    if grouped:
        kwargs = {**kwargs, 'group_feature': 'user'}
    sites = 'stratify_features' in kwargs
    records = [
        example(
            y=label(i),
            x=float(i),
            **({'user': i % 13} if grouped else {}),
            **({'site': f's{i % 5}'} if sites and i % 7 else {}),
        )
        for i in range(60)
    ]
    config = _config(seed=7, **kwargs)
    splits, pairs, _ = run_span(records, key=f'{form}-{grouped}', config=config)
    split_dirs = {}
    for name, split_records in splits.items():
        split_dirs[name] = str(tmp_path / f'Split-{name}')
        write_records(os.path.join(split_dirs[name], 'data.gz'), split_records)
    report = write_assignments(split_dirs, config, str(tmp_path / 'out'))
    assert report == {'units': 13 if grouped else 60, 'in_several_splits': 0}
    assert _written(str(tmp_path / 'out')) == dict(pairs)
