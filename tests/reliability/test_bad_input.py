"""Issue 9 bad-input matrix: every case against every component it applies to (the data cases
here, the configuration cases in test_bad_config.py).

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
  split weights / names              construction: stratified_splitter/test_executor; executor: test_bad_config
  input_splits / splits unknown      stratified_splitter/      balanced_augmenter/        balanced_input_gen/
                                     test_executor             test_executor              test_executor
  target naming an unknown class     -                         balanced_augmenter/test_executor (absent-class);
                                                               core/balanced_augmenter/test_targets; ClassDistributionValidator
                                                               targets: core/class_distribution_validator/test_checks
  augment_fn missing / raising       -                         balanced_augmenter/test_executor
  augment_fn wrong features / module -                         test_bad_config
  image feature not decodable        -                         test_bad_config (core: core/balanced_augmenter/test_image)
  BalancedInputGen output w/o plan   -                         -                          test_bad_config (core:
                                                                                          core/test_balanced_input)
  statistics without the label       ClassDistributionValidator: test_bad_config (core: core/class_distribution_validator/
                                                                     test_label_counts)
"""

import os
import resource
import time

import pytest

from tests.reliability.runners import (
    AUGMENTER,
    GOOD,
    INPUT_GEN,
    SPLITTER,
    run,
    run_on_records,
)
from tests.support.artifacts import label_counts, read_json, read_split
from tests.support.errors import assert_fails_cleanly
from tests.support.examples import example, make_examples_artifact, write_records
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import DataError

# --- Label problems: splitter, augmenter, input gen. --------------------------------------------

NOT_FOUND = ("label_feature 'label' not found in an example", 'Set label_feature to one of these')
LABEL_CASES = {
    'missing-some': (GOOD + [example(x=1.0)], *NOT_FOUND),
    'missing-all': ([example(x=float(i)) for i in range(4)], *NOT_FOUND),
    'float': (GOOD + [example(label=1.5)], "'label'.* is a float feature", 'label_bins=N'),
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
    # Documented rule (core/split/allocation.py): a class of n < number of splits puts one example in
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
