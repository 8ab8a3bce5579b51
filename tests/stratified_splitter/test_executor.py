"""StratifiedSplitter executor on real artifacts: errors name the problem and write nothing."""

import json
import os
import re

import pytest

from tests.support.errors import documented_errors
from tests.support.examples import example, make_examples_artifact, new_output, write_records
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError


def run_executor(tmp_path, splits_in, **props):
    make_examples_artifact(str(tmp_path / 'in'), splits_in)
    return run_executor_on(tmp_path, str(tmp_path / 'in'), list(splits_in), **props)


def run_executor_on(tmp_path, input_uri, split_names=('train',), **props):
    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_balance.stratified_splitter.executor import Executor

    examples = standard_artifacts.Examples()
    examples.uri = input_uri
    examples.split_names = artifact_utils.encode_split_names(list(split_names))
    examples_utils.set_payload_format(examples, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    output = new_output(str(tmp_path / 'out'))
    exec_properties = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.SPLITS_KEY: json.dumps([['train', 8], ['eval', 1], ['test', 1]]),
        keys.SEED_KEY: 0,
        **props,
    }
    Executor().Do(
        {keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.EXAMPLES_KEY: [output]}, exec_properties
    )
    return output


GOOD = [example(label='a', x=float(i)) for i in range(20)] + [example(label='b', x=1.0)]


def test_input_splits_are_merged_and_counts_written(tmp_path):
    output = run_executor(
        tmp_path,
        {'train': GOOD[:10], 'eval': GOOD[10:]},
        **{keys.INPUT_SPLITS_KEY: json.dumps(['train', 'eval'])},
    )
    with open(os.path.join(output.uri, keys.SPLIT_COUNTS_FILE)) as f:
        assert json.load(f) == {
            'a': {'train': 16, 'eval': 2, 'test': 2},
            'b': {'train': 1, 'eval': 0, 'test': 0},
        }


@pytest.mark.parametrize(
    'records, error, fragment',
    [
        (GOOD + [example(x=1.0)], DataError, "label_feature 'label' not found"),
        (GOOD + [example(label=1.5)], DataError, 'is a float feature'),
        (GOOD + [example(label=['a', 'b'])], DataError, 'has 2 values'),
    ],
)
def test_bad_labels_raise_our_error_and_leave_no_output(tmp_path, records, error, fragment):
    with pytest.raises(error, match=fragment):
        run_executor(tmp_path, {'train': records})
    assert os.listdir(tmp_path / 'out') == []


def test_empty_input_split_is_named(tmp_path):
    with pytest.raises(DataError, match="split 'train' of the input artifact has no files"):
        run_executor(tmp_path, {'train': []})
    assert os.listdir(tmp_path / 'out') == []


def test_unknown_input_split_is_named(tmp_path):
    with pytest.raises(ConfigError, match="'valid'.*available splits: train"):
        run_executor(tmp_path, {'train': GOOD}, **{keys.INPUT_SPLITS_KEY: json.dumps(['valid'])})


@pytest.mark.parametrize(
    'splits, fragment',
    [
        ({'train': 0, 'eval': 1}, "weight of split 'train' is 0"),
        ({}, 'non-empty mapping'),
        ({'tr/ain': 1}, 'invalid split name'),
    ],
)
def test_component_rejects_bad_splits_at_construction(splits, fragment):
    from tfx.types import channel_utils, standard_artifacts

    from tfx_balance import StratifiedSplitter

    channel = channel_utils.as_channel([standard_artifacts.Examples()])
    with pytest.raises(ConfigError, match=fragment):
        StratifiedSplitter(examples=channel, label_feature='label', splits=splits)


def test_truncated_input_file_is_named_and_no_output_is_left(tmp_path):
    records = [example(label='a', x=float(i), pad='y' * 100) for i in range(2000)]
    from tfx_balance.stratified_splitter.executor import Executor

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': records})
    path = tmp_path / 'in' / 'Split-train' / 'data_tfrecord-00000-of-00001.gz'
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    output = new_output(str(tmp_path / 'out'))
    with pytest.raises(DataError, match=f"input file {path} of split 'train' is not a readable"):
        Executor().Do(
            {keys.INPUT_EXAMPLES_KEY: [examples]},
            {keys.EXAMPLES_KEY: [output]},
            {
                keys.LABEL_FEATURE_KEY: 'label',
                keys.SPLITS_KEY: json.dumps([['train', 1]]),
                keys.SEED_KEY: 0,
            },
        )
    assert os.listdir(tmp_path / 'out') == []


def test_output_is_the_same_for_any_input_sharding_and_file_order(tmp_path):
    import collections

    from tests.support.artifacts import read_split

    records = [example(label=['a', 'b', 'c'][i % 3], x=float(i)) for i in range(300)]
    one = run_executor(tmp_path / 'one', {'train': records})
    # Same records, reversed and spread over 3 shards.
    from tests.support.examples import write_records

    three_dir = tmp_path / 'three'
    make_examples_artifact(str(three_dir / 'in'), {'train': []})
    rev = records[::-1]
    for i in range(3):
        write_records(str(three_dir / 'in' / 'Split-train' / f'part-{i}.gz'), rev[i::3])
    three = run_executor_on(three_dir, str(three_dir / 'in'))
    for split in ('train', 'eval', 'test'):
        assert collections.Counter(read_split(one.uri, split)) == collections.Counter(
            read_split(three.uri, split)
        )


def test_folds_and_label_bins_write_a_structured_report_and_identical_output_on_rerun(tmp_path):
    from tests.support.artifacts import read_split
    from tfx_balance.core.split.allocation import allocate
    from tfx_balance.core.split.config import StratifiedSplitConfig

    values = [float(v) for v in range(60)] + [100.0] * 20  # 20 tied values: one bin
    records = [example(y=v, x=float(i)) for i, v in enumerate(values)]
    props = StratifiedSplitConfig('y', folds=3, holdout={'test': 0.25}, label_bins=4).validate()
    props = props.to_exec_properties()
    outputs = [
        run_executor(tmp_path / run, {'train': records}, **props) for run in ('first', 'second')
    ]
    splits = ['test', 'fold-0', 'fold-1', 'fold-2']
    reports = []
    for output in outputs:
        with open(os.path.join(output.uri, keys.SPLIT_COUNTS_FILE), 'rb') as f:
            reports.append(f.read())
    assert reports[0] == reports[1]
    report = json.loads(reports[0])
    # 80 values, ranks 20, 40, 60 hold 20, 40, 100: bins of 20, 20, 20 and 20 (the tied 100s).
    assert report['label_bins']['edges'] == [20.0, 40.0, 100.0]
    assert report['label_bins']['bins'] == ['< 20', '[20, 40)', '[40, 100)', '>= 100']
    assert report['folds'] == splits[1:] and report['holdout'] == {'test': 0.25}
    assert report['counts'] == {
        str(b): dict(zip(splits, allocate(20, [1, 1, 1, 1]))) for b in range(4)
    }
    for split in splits:
        first, second = (sorted(read_split(o.uri, split)) for o in outputs)
        assert first == second and len(first) == sum(r[split] for r in report['counts'].values())


def _run_span(tmp_path, name, records, previous=(), span=None, **props):
    """Runs the executor on one span with an assignments output; returns (examples, assignments)."""
    from tfx.types import artifact_utils

    from tfx_balance.stratified_splitter.component import SplitAssignments
    from tfx_balance.stratified_splitter.executor import Executor

    examples = make_examples_artifact(str(tmp_path / name / 'in'), {'train': records})
    if span is not None:
        examples.set_int_custom_property('span', span)
    output = new_output(str(tmp_path / name / 'out'))
    assignments = SplitAssignments()
    assignments.uri = str(tmp_path / name / 'assignments')
    os.makedirs(assignments.uri)
    Executor().Do(
        {keys.INPUT_EXAMPLES_KEY: [examples], keys.PREVIOUS_ASSIGNMENTS_KEY: list(previous)},
        {keys.EXAMPLES_KEY: [output], keys.ASSIGNMENTS_KEY: [assignments]},
        {
            keys.LABEL_FEATURE_KEY: 'label',
            keys.SPLITS_KEY: json.dumps([['train', 8], ['eval', 1], ['test', 1]]),
            keys.SEED_KEY: 0,
            keys.GROUP_FEATURE_KEY: 'user',
            **props,
        },
    )
    assert artifact_utils.decode_split_names(output.split_names) == ['train', 'eval', 'test']
    return output, assignments


def _users_by_split(output):
    from tensorflow.core.example import example_pb2

    from tests.support.artifacts import read_split

    return {
        example_pb2.Example.FromString(r).features.feature['user'].bytes_list.value[0]: split
        for split in ('train', 'eval', 'test')
        for r in read_split(output.uri, split)
    }


def test_assignments_written_with_the_span_pin_recurring_users_in_the_next_span(tmp_path):
    span1 = [example(label='a' if u % 10 else 'b', user=f'u{u}', x=1.0) for u in range(60)]
    span2 = [example(label='a' if u % 10 else 'b', user=f'u{u}', x=2.0) for u in range(30, 90)]
    out1, assignments1 = _run_span(tmp_path, 'span1', span1, span=1)
    assert assignments1.get_int_custom_property('span') == 1
    with open(os.path.join(assignments1.uri, keys.ASSIGNMENTS_FILE)) as f:
        assert json.load(f) == {
            'format': 2,  # a group keyed by its id (groups.group_key)
            'seed': 0,
            'splits': ['train', 'eval', 'test'],
            'group_feature': 'user',
        }
    out2, _ = _run_span(tmp_path, 'span2', span2, previous=[assignments1], span=2)
    before, now = _users_by_split(out1), _users_by_split(out2)
    assert {u: now[u] for u in now if u in before} == {u: before[u] for u in now if u in before}
    with open(os.path.join(out2.uri, keys.SPLIT_COUNTS_FILE)) as f:
        pinned = json.load(f)['pinned']['pinned']
    assert sum(n for row in pinned.values() for n in row.values()) == 30  # users 30-59


def test_assignments_of_another_seed_are_a_config_error_naming_the_span(tmp_path):
    records = [example(label='a', user=f'u{u}', x=1.0) for u in range(20)]
    _, assignments1 = _run_span(tmp_path, 'span1', records, span=1)
    with pytest.raises(ConfigError) as raised:
        _run_span(tmp_path, 'span2', records, previous=[assignments1], span=2, seed=1)
    assert str(raised.value).startswith(
        'previous_assignments of span 1 were written by another split: seed 0 (this run: 1). '
    )
    assert os.listdir(tmp_path / 'span2' / 'out') == []
    assert any(re.search(p, str(raised.value)) for p in documented_errors()), str(raised.value)


def _copy_assignments(tmp_path, assignments, name):
    """A copy of an assignments artifact (span and all), to damage or rewrite."""
    import shutil

    from tfx_balance.stratified_splitter.component import SplitAssignments

    copy = SplitAssignments()
    copy.uri = str(tmp_path / name)
    shutil.copytree(assignments.uri, copy.uri)
    copy.set_int_custom_property('span', assignments.get_int_custom_property('span'))
    return copy


def _assignment_files(artifact):
    import glob

    return sorted(glob.glob(os.path.join(artifact.uri, f'{keys.ASSIGNMENT_RECORDS_PREFIX}-*.gz')))


def test_damaged_earlier_assignments_are_a_data_error_naming_the_file_and_leave_no_output(
    tmp_path,
):
    # issue 73, case 3: the header read by the driver, the records by the Beam job; either way
    # a DataError naming the file and the fix, and neither output holds anything
    records = [example(label='a' if u % 4 else 'b', user=f'u{u}', x=1.0) for u in range(40)]
    _, assignments1 = _run_span(tmp_path, 'span1', records, span=1)
    truncated = _copy_assignments(tmp_path, assignments1, 'truncated')
    (path,) = _assignment_files(truncated)
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[: len(data) // 2])
    no_seed = _copy_assignments(tmp_path, assignments1, 'no_seed')
    header = os.path.join(no_seed.uri, keys.ASSIGNMENTS_FILE)
    with open(header) as f:
        found = json.load(f)
    del found['seed']
    with open(header, 'w') as f:
        json.dump(found, f)
    for name, damaged, at, problem in (
        ('a', truncated, path, r'cannot be read \(.+\)'),
        ('b', no_seed, header, re.escape('lacks the field(s) seed')),
    ):
        with pytest.raises(DataError) as raised:
            _run_span(tmp_path, name, records, previous=[damaged], span=2)
        message = str(raised.value)
        assert message.startswith(f'previous_assignments is damaged: {at} '), message
        assert re.search(problem, message), message
        assert message.endswith(
            'Re-run the span that wrote it, or leave that span out of the window of '
            'previous_assignments (its Resolver).'
        )
        assert os.listdir(tmp_path / name / 'out') == []
        assert os.listdir(tmp_path / name / 'assignments') == []  # no header, no records


def test_grouped_assignments_of_format_1_as_0_2_0_wrote_them_still_pin_their_users(tmp_path):
    from tfx_balance.core.common.hashing import seeded_hash
    from tfx_balance.core.split.assignments import encode_assignments

    span1 = [example(label='a' if u % 10 else 'b', user=f'u{u}', x=1.0) for u in range(60)]
    span2 = [example(label='a' if u % 10 else 'b', user=f'u{u}', x=2.0) for u in range(30, 90)]
    out1, assignments1 = _run_span(tmp_path, 'span1', span1, span=1)
    before = _users_by_split(out1)
    # 0.2.0 keyed a group by the seeded hash of its least seed key (its id as its kind spells it)
    old = _copy_assignments(tmp_path, assignments1, 'format1')
    for path in _assignment_files(old):
        os.remove(path)
    names = ['train', 'eval', 'test']
    pairs = [
        (seeded_hash(0, b'bytes_list:' + repr(u).encode()), names.index(s))
        for u, s in before.items()
    ]
    write_records(
        os.path.join(old.uri, 'assignments-00000-of-00001.gz'), [encode_assignments(pairs)]
    )
    header = os.path.join(old.uri, keys.ASSIGNMENTS_FILE)
    with open(header) as f:
        found = json.load(f)
    with open(header, 'w') as f:
        json.dump({**found, 'format': 1}, f)
    out2, _ = _run_span(tmp_path, 'span2', span2, previous=[old], span=2)
    now = _users_by_split(out2)
    recurring = [u for u in now if u in before]
    assert len(recurring) == 30
    assert {u: now[u] for u in recurring} == {u: before[u] for u in recurring}
