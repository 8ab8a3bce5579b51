"""Issue 9 bad-input matrix: every case against every component it applies to.

Each failing case calls the component's real ``Executor.Do`` on real artifacts and asserts that
the error is ours (``ConfigError``/``DataError``), that its message names the problem and a fix,
and that the output artifact folder is left empty. Cases an existing test already pins down
exactly are not repeated; they are listed here so the matrix reads in one place:

  case                               StratifiedSplitter        BalancedAugmenter          BalancedInputGen
  label missing in some examples     stratified_splitter/      here                       balanced_input_gen/
                                     test_executor (bad labels)                           test_executor (errors)
  label missing in all examples      here                      balanced_augmenter/        here
                                                               test_executor (unknown-label)
  float / multi-valued label         stratified_splitter/      here                       here
                                     test_executor (bad labels)
  empty string label                 here                      here                       here
  empty input split (no files)       stratified_splitter/      here                       balanced_input_gen/
                                     test_executor                                        test_executor
  empty input split (no records)     here                      here                       here
  single class / one-member class    here                      here                       here
  10,000 classes                     here (e2e)                here (e2e)                 here (e2e)
  corrupt / truncated TFRecord       truncated: stratified_splitter/test_executor; corrupt: here; others: here
  split weights / names              construction: stratified_splitter/test_executor; executor: here
  input_splits / splits unknown      stratified_splitter/      balanced_augmenter/        balanced_input_gen/
                                     test_executor             test_executor              test_executor
  target naming an unknown class     -                         balanced_augmenter/test_executor (absent-class);
                                                               core/augment/test_targets; ClassDistributionValidator
                                                               targets: core/class_distribution/test_checks
  augment_fn missing / raising       -                         balanced_augmenter/test_executor
  augment_fn wrong features / module -                         here
  image feature not decodable        -                         here (core: core/augment/test_image)
  BalancedInputGen output w/o plan   -                         -                          here (core: core/
                                                                                          test_balanced_input)
  statistics without the label       ClassDistributionValidator: here (core: core/class_distribution/
                                                                     test_label_counts)
"""

import json
import os
import re
import resource
import time

import pytest

from tests.reliability.runners import (
    AUGMENTER,
    INPUT_GEN,
    SPLITTER,
    run,
    run_on_records,
)
from tests.support.artifacts import label_counts, read_json, read_split
from tests.support.examples import example, make_examples_artifact, write_records
from tfx_balance import keys
from tfx_balance.core.errors import ConfigError, DataError, TfxBalanceError

GOOD = [example(label='a', x=float(i)) for i in range(6)] + [
    example(label='b', x=float(i)) for i in range(3)
]


TROUBLESHOOTING = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))), 'docs', 'troubleshooting.md'
)


def troubleshooting_table() -> str:
    """The rows of the error table in docs/troubleshooting.md."""
    with open(TROUBLESHOOTING) as f:
        return '\n'.join(line for line in f.read().splitlines() if line.startswith('| `'))


def documented_errors() -> list:
    """The message excerpts of the troubleshooting table, as regexes (``<x>``, ``...``: any)."""
    patterns = []
    for line in troubleshooting_table().splitlines():
        for excerpt in re.findall(r'`([^`]+)`', line.split(' | ')[0]):
            parts = re.split(r'\s*(?:<[^>]*>|\.\.\.)\s*', excerpt)
            patterns.append('.*?'.join(re.escape(p) for p in parts))
    return patterns


def assert_fails_cleanly(tmp_path, error, problem, fix, call):
    """``call()`` raises ``error`` (one of ours) naming ``problem`` and ``fix``; output empty.

    The message must also match a row of the table in docs/troubleshooting.md.
    """
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, TfxBalanceError)
    message = str(info.value)
    assert re.search(problem, message), message
    assert re.search(fix, message), message
    assert any(re.search(p, message) for p in documented_errors()), f'undocumented: {message}'
    out = tmp_path / 'out'
    assert not out.exists() or os.listdir(out) == []


# --- Label problems: splitter, augmenter, input gen. --------------------------------------------

NOT_FOUND = ("label_feature 'label' not found in an example", 'Set label_feature to one of these')
LABEL_CASES = {
    'missing-some': (GOOD + [example(x=1.0)], *NOT_FOUND),
    'missing-all': ([example(x=float(i)) for i in range(4)], *NOT_FOUND),
    'float': (GOOD + [example(label=1.5)], "'label'.* is a float feature", 'Convert the label'),
    'multi-valued': (
        GOOD + [example(label=['a', 'b'])],
        "'label'.* has 2 values",
        'must be filtered or converted',
    ),
    'empty-string': (
        GOOD + [example(label='', x=0.5)],
        "'label'.* is an empty string",
        'give every example a non-empty class name',
    ),
}
COVERED_ELSEWHERE = {
    (SPLITTER, 'missing-some'),
    (SPLITTER, 'float'),
    (SPLITTER, 'multi-valued'),
    (AUGMENTER, 'missing-all'),
    (INPUT_GEN, 'missing-some'),
}


@pytest.mark.parametrize(
    'component, case',
    [
        (c, k)
        for c in (SPLITTER, AUGMENTER, INPUT_GEN)
        for k in LABEL_CASES
        if (c, k) not in COVERED_ELSEWHERE
    ],
)
def test_bad_labels_are_named_with_a_fix_and_leave_no_output(tmp_path, component, case):
    records, problem, fix = LABEL_CASES[case]
    assert_fails_cleanly(
        tmp_path,
        DataError,
        problem,
        fix,
        lambda: run_on_records(component, tmp_path, {'train': records}),
    )


def test_augmenter_empty_input_split_without_files_is_named(tmp_path):
    assert_fails_cleanly(
        tmp_path,
        DataError,
        "split 'train' of the input artifact has no files",
        'exclude this split',
        lambda: run_on_records(AUGMENTER, tmp_path, {'train': []}),
    )


EMPTY_SPLIT = {
    SPLITTER: ('the input has no examples', 'Check the input artifact and input_splits'),
    AUGMENTER: ("split 'train' has no examples", 'Remove the split from `splits`'),
    INPUT_GEN: ("split 'train' has no examples", 'leave this split out of splits'),
}


@pytest.mark.parametrize('component', list(EMPTY_SPLIT))
def test_split_with_an_empty_file_is_named(tmp_path, component):
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': []})
    write_records(str(tmp_path / 'in' / 'Split-train' / 'data_tfrecord-00000-of-00001.gz'), [])
    assert_fails_cleanly(
        tmp_path,
        DataError,
        *EMPTY_SPLIT[component],
        lambda: run(component, examples, str(tmp_path / 'out')),
    )


# --- Few classes and tiny classes: documented behaviour, no error. -------------------------------

SINGLE = [example(label='a', x=float(i)) for i in range(10)]
# 'b' has one member, 'c' two: fewer than the three splits of the splitter.
TINY = SINGLE + [example(label='b', x=0.5), example(label='c', x=1.5), example(label='c', x=2.5)]


def test_splitter_single_class_and_classes_smaller_than_the_number_of_splits(tmp_path):
    # Documented rule (core/allocation.py): a class of n < number of splits puts one example in
    # each of its n largest-weight splits; a class of one member lands in the largest split.
    out = run_on_records(SPLITTER, tmp_path / 'single', {'train': SINGLE})
    assert read_json(os.path.join(out.uri, keys.SPLIT_COUNTS_FILE)) == {
        'a': {'train': 8, 'eval': 1, 'test': 1}
    }
    out = run_on_records(SPLITTER, tmp_path / 'tiny', {'train': TINY})
    assert read_json(os.path.join(out.uri, keys.SPLIT_COUNTS_FILE)) == {
        'a': {'train': 8, 'eval': 1, 'test': 1},
        'b': {'train': 1, 'eval': 0, 'test': 0},
        'c': {'train': 1, 'eval': 1, 'test': 0},
    }


@pytest.mark.parametrize('augmentation', ['numeric', 'interpolate'])
def test_augmenter_single_class_is_a_no_op_and_a_one_member_class_is_grown(tmp_path, augmentation):
    out = run_on_records(
        AUGMENTER, tmp_path / 'single', {'train': SINGLE}, **{keys.AUGMENTATION_KEY: augmentation}
    )
    plan = read_json(os.path.join(out.uri, keys.REBALANCE_PLAN_FILE))['splits']['train']
    assert plan == {'a': {'input': 10, 'target': 10, 'generated': 0, 'dropped': 0, 'output': 10}}
    out = run_on_records(
        AUGMENTER, tmp_path / 'tiny', {'train': TINY}, **{keys.AUGMENTATION_KEY: augmentation}
    )
    plan = read_json(os.path.join(out.uri, keys.REBALANCE_PLAN_FILE))['splits']['train']
    assert {c: row['generated'] for c, row in plan.items()} == {'a': 0, 'b': 9, 'c': 8}
    assert label_counts(read_split(out.uri, 'train'), 'label') == {'a': 10, 'b': 10, 'c': 10}


def test_input_gen_single_class_and_one_member_class(tmp_path):
    out = run_on_records(INPUT_GEN, tmp_path / 'single', {'train': SINGLE})
    doc = read_json(os.path.join(out.uri, keys.BALANCE_PLAN_FILE))['splits']['train']
    assert [(c['class'], c['count'], c['class_weight']) for c in doc['classes']] == [('a', 10, 1.0)]
    out = run_on_records(INPUT_GEN, tmp_path / 'tiny', {'train': TINY})
    doc = read_json(os.path.join(out.uri, keys.BALANCE_PLAN_FILE))['splits']['train']
    assert [(c['class'], c['count']) for c in doc['classes']] == [('a', 10), ('b', 1), ('c', 2)]
    assert label_counts(read_split(out.uri, 'train'), 'label') == {'a': 10, 'b': 1, 'c': 2}


# --- 10,000 classes: works, memory bounded. ------------------------------------------------------

MANY = 10_000


def _many_classes():
    records = [example(label=k, x=float(i)) for k in range(MANY) for i in range(2)]
    return records + [example(label=0, x=2.0)]  # class 0 has 3: every other class gets 1 more


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.e2e
@pytest.mark.parametrize('component', [SPLITTER, AUGMENTER, INPUT_GEN])
def test_ten_thousand_classes_work_with_bounded_memory(tmp_path, component):
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': _many_classes()})
    props = {keys.AUGMENTATION_KEY: 'copy'} if component == AUGMENTER else {}
    if component == INPUT_GEN:
        props[keys.EXAMPLES_PER_SHARD_KEY] = 1000  # one shard (file) per class
    before, start = _peak_rss_mb(), time.monotonic()
    out = run(component, examples, str(tmp_path / 'out'), **props)
    seconds, grown = time.monotonic() - start, _peak_rss_mb() - before
    # Coarse guard: the per-class state (plans, histograms, counts) is a few hundred bytes per
    # class, so 10k classes must not need anything near a gigabyte more.
    assert grown < 1024, f'peak RSS grew by {grown:.0f} MB'
    assert seconds < 60, f'{component} took {seconds:.0f} s'
    if component == SPLITTER:
        counts = read_json(os.path.join(out.uri, keys.SPLIT_COUNTS_FILE))
        assert len(counts) == MANY
        assert counts['1'] == {'train': 1, 'eval': 1, 'test': 0}
        assert counts['0'] == {'train': 1, 'eval': 1, 'test': 1}
    elif component == AUGMENTER:
        plan = read_json(os.path.join(out.uri, keys.REBALANCE_PLAN_FILE))['splits']['train']
        assert len(plan) == MANY
        assert sum(row['generated'] for row in plan.values()) == MANY - 1
        assert all(row['output'] == 3 for row in plan.values())
    else:
        doc = read_json(os.path.join(out.uri, keys.BALANCE_PLAN_FILE))['splits']['train']
        assert len(doc['classes']) == MANY
        assert len(os.listdir(os.path.join(out.uri, 'Split-train'))) == MANY


# --- Corrupt or truncated input files: every Beam component names the file. ---------------------


def _damage(path, how: str) -> None:
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[: len(data) // 2] if how == 'truncated' else b'not a gzip file\n' * 64)


@pytest.mark.parametrize(
    'component, how',
    [(SPLITTER, 'corrupt'), (AUGMENTER, 'truncated'), (AUGMENTER, 'corrupt')]
    + [(INPUT_GEN, 'truncated'), (INPUT_GEN, 'corrupt')],
)  # (SPLITTER, 'truncated'): stratified_splitter/test_executor.py
def test_damaged_input_file_is_named(tmp_path, component, how):
    records = [example(label='ab'[i % 2], x=float(i), pad='y' * 100) for i in range(400)]
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': records})
    path = tmp_path / 'in' / 'Split-train' / 'data_tfrecord-00000-of-00001.gz'
    _damage(path, how)
    assert_fails_cleanly(
        tmp_path,
        DataError,
        f"input file {path} of split 'train' is not a readable gzipped TFRecord file",
        'Re-run the upstream component that wrote it, or remove',
        lambda: run(component, examples, str(tmp_path / 'out')),
    )


# --- Split weights and names (checked before any data is read). ---------------------------------

SPLITTER_SPLITS = {
    'weight-zero': (
        [['train', 0], ['eval', 1]],
        "weight of split 'train' is 0",
        'Remove the split',
    ),
    'weight-negative': (
        [['train', 8], ['eval', -1]],
        "weight of split 'eval' is -1",
        'weights must be positive and finite',
    ),
    'weights-empty': ([], 'splits must be a non-empty mapping', r'e\.g\. splits='),
    'name-invalid': ([['tr/ain', 1]], "invalid split name 'tr/ain'", "e.g. 'train'"),
    'name-empty': ([['', 1]], "invalid split name ''", 'starting with a letter or digit'),
    'name-duplicated': (
        [['train', 8], ['train', 1]],
        'split names must be unique; duplicated: train',
        'Give each split a distinct name',
    ),
}


@pytest.mark.parametrize('case', list(SPLITTER_SPLITS))
def test_splitter_bad_split_weights_and_names_at_run_time(tmp_path, case):
    value, problem, fix = SPLITTER_SPLITS[case]
    assert_fails_cleanly(
        tmp_path,
        ConfigError,
        problem,
        fix,
        lambda: run_on_records(
            SPLITTER, tmp_path, {'train': GOOD}, **{keys.SPLITS_KEY: json.dumps(value)}
        ),
    )


SPLIT_LISTS = {
    'empty': ([], 'splits is empty', r"name at least one split, e\.g\. \['train'\]"),
    'duplicated': (['train', 'train'], 'splits lists a split twice', r"\['train', 'train'\]"),
    'invalid': (['tr/ain'], r"splits names split\(s\) 'tr/ain'", 'available splits: train, eval'),
}


@pytest.mark.parametrize('component', [AUGMENTER, INPUT_GEN])
@pytest.mark.parametrize('case', list(SPLIT_LISTS))
def test_bad_splits_lists_are_named(tmp_path, component, case):
    value, problem, fix = SPLIT_LISTS[case]
    assert_fails_cleanly(
        tmp_path,
        ConfigError,
        problem,
        fix,
        lambda: run_on_records(
            component,
            tmp_path,
            {'train': GOOD, 'eval': GOOD[:2]},
            **{keys.SPLITS_KEY: json.dumps(value)},
        ),
    )


# --- augment_fn returning the wrong thing, or a module that does not load. ----------------------

AUGMENT_FNS = {
    'returns-none': (
        'def augment_fn(features, rng):\n    return None\n',
        'augment_fn returned NoneType on source example [0-9a-f]{16} of class',
        'it must return a dict',
    ),
    'drops-a-feature': (
        'def augment_fn(features, rng):\n    features.pop("x")\n    return features\n',
        r"augment_fn returned the wrong features on .*: missing \['x'\], unexpected \[\]",
        'Return exactly the features it was given',
    ),
    'adds-a-feature': (
        'def augment_fn(features, rng):\n    features["y"] = features["x"]\n    return features\n',
        r"missing \[\], unexpected \['y'\]",
        'Return exactly the features it was given',
    ),
    'wrong-type': (
        'def augment_fn(features, rng):\n    features["x"] = ["text"]\n    return features\n',
        "augment_fn returned feature 'x' as a <U4 array on",
        'return a float array',
    ),
    'changes-the-label': (
        'def augment_fn(features, rng):\n    features["label"] = [b"a"]\n    return features\n',
        "augment_fn changed label_feature 'label' on source example",
        'Leave the label unchanged',
    ),
    'does-not-import': (
        'import no_such_module_tfx_balance\n',
        "module_file '.*' could not be loaded",
        'Fix the module so it imports',
    ),
}


@pytest.mark.parametrize('case', list(AUGMENT_FNS))
def test_augment_fn_returning_the_wrong_thing_is_named(tmp_path, case):
    source, problem, fix = AUGMENT_FNS[case]
    module = tmp_path / f'augment_{case.replace("-", "_")}.py'
    module.write_text(source)
    error = ConfigError if case == 'does-not-import' else DataError
    assert_fails_cleanly(
        tmp_path,
        error,
        problem,
        fix,
        lambda: run_on_records(
            AUGMENTER, tmp_path, {'train': GOOD}, **{keys.MODULE_FILE_KEY: str(module)}
        ),
    )


def test_missing_module_file_is_named(tmp_path):
    missing = str(tmp_path / 'nowhere.py')
    assert_fails_cleanly(
        tmp_path,
        ConfigError,
        f"module_file '{missing}' could not be loaded",
        'Fix the module so it imports',
        lambda: run_on_records(
            AUGMENTER, tmp_path, {'train': GOOD}, **{keys.MODULE_FILE_KEY: missing}
        ),
    )


# --- Image feature not decodable. ----------------------------------------------------------------


def _png(value: int) -> bytes:
    import numpy as np
    import tensorflow as tf

    return tf.io.encode_png(np.full((8, 8, 1), value, np.uint8)).numpy()


IMAGE_CASES = {
    'not-an-image': (
        b'GIF89a....',
        r"image_feature 'image' on source example [0-9a-f]{16} of class 'b' .* is not a PNG",
        'Encode images as PNG or JPEG',
    ),
    'corrupt-png': (
        b'\x89PNG\r\n\x1a\n' + b'garbage' * 8,
        "image_feature 'image' on source example [0-9a-f]{16} of class 'b' .*could not be decoded",
        'Fix or remove the corrupt image',
    ),
    'missing': (
        None,
        r"image_feature 'image' is missing on source example [0-9a-f]{16} of class 'b'",
        'Set image_feature to the encoded image feature',
    ),
}


@pytest.mark.parametrize('case', list(IMAGE_CASES))
def test_undecodable_image_is_named(tmp_path, case):
    bad, problem, fix = IMAGE_CASES[case]
    records = [example(label='a', image=_png(i), x=float(i)) for i in range(4)]
    records.append(example(label='b', x=9.0) if bad is None else example(label='b', image=bad))
    assert_fails_cleanly(
        tmp_path,
        DataError,
        problem,
        fix,
        lambda: run_on_records(
            AUGMENTER, tmp_path, {'train': records}, **{keys.AUGMENTATION_KEY: 'image'}
        ),
    )


# --- BalancedInputGen output read without its plan. ----------------------------------------------


def test_input_gen_output_without_its_plan_names_balanced_input_gen(tmp_path):
    from tfx_balance import balanced_dataset, steps_per_epoch

    out = run_on_records(INPUT_GEN, tmp_path, {'train': SINGLE + TINY[-3:]})
    os.remove(os.path.join(out.uri, keys.BALANCE_PLAN_FILE))
    files = [os.path.join(out.uri, 'Split-train', '*')]
    fragment = f'no balance plan found for files in {out.uri}/Split-train: expected {out.uri}/'
    with pytest.raises(DataError, match='Add BalancedInputGen') as info:
        balanced_dataset(files, 'label', batch_size=4)
    assert str(info.value).startswith(fragment + keys.BALANCE_PLAN_FILE)
    with pytest.raises(DataError, match='no balance plan found.*Add BalancedInputGen'):
        steps_per_epoch(files, 4)


# --- ClassDistributionValidator given statistics without the label. ------------------------------


@pytest.mark.parametrize('fail_on_violation', [1, 0])
def test_validator_statistics_without_the_label_are_named(tmp_path, fail_on_violation):
    import pandas as pd
    import tensorflow_data_validation as tfdv
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_balance.class_distribution_validator.executor import Executor

    stats = standard_artifacts.ExampleStatistics()
    stats.uri = str(tmp_path / 'stats')
    stats.split_names = artifact_utils.encode_split_names(['train', 'eval'])
    for split in ('train', 'eval'):
        df = pd.DataFrame({'fare': [1.0, 2.0], 'company': ['x', 'y']})
        if split == 'train':
            df['label'] = ['a', 'b']
        proto = tfdv.generate_statistics_from_dataframe(df)
        path = os.path.join(stats.uri, f'Split-{split}', 'FeatureStats.pb')
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as f:  # as StatisticsGen writes it
            f.write(proto.SerializeToString())
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / 'out')
    os.makedirs(anomalies.uri)
    props = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.MAX_SPLIT_DISTANCE_KEY: 0.5,
        keys.TARGETS_KEY: None,
        keys.TARGET_TOLERANCE_KEY: 0.5,
        keys.FAIL_ON_VIOLATION_KEY: fail_on_violation,
    }
    assert_fails_cleanly(
        tmp_path,
        DataError,
        "label_feature 'label' not found in the statistics of split 'eval'; features present: "
        'company, fare',
        'Set label_feature to the feature holding the class label',
        lambda: Executor().Do(
            {keys.STATISTICS_KEY: [stats]}, {keys.ANOMALIES_KEY: [anomalies]}, props
        ),
    )
