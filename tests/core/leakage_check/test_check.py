"""FindLeakage on real records in real Beam pipelines: planted duplicates and synthetic examples
are counted exactly (against a brute-force count over the parsed examples), clean data passes,
and the report does not depend on batching, order or the number of key buckets."""

import collections
import itertools
import os
import re
import tempfile

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that
from tensorflow.core.example import example_pb2

from tests.support.examples import example, reordered
from tfx_balance.core.balanced_augmenter.provenance import Provenance
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.json_files import WriteJson, read_json
from tfx_balance.core.common.labels import example_fingerprint
from tfx_balance.core.leakage_check import FindLeakage, LeakageConfig, to_markdown

SPLITS = ['train', 'eval', 'test']
MARKS = Provenance('is_synthetic', 'source_fingerprint')


def originals(n, start=0):
    return [
        example(label=i % 3, x=[float(i), 0.25 * i], name=f'row {i}')
        for i in range(start, start + n)
    ]


def planted():
    """60 train, 12 eval, 10 test distinct examples, then: train rows 0-2 copied into eval (row 0
    twice, row 1 in another feature order), rows 3-4 into test, eval row 0 into test, train row
    5 into eval and test; train marked as BalancedAugmenter marks it (originals is_synthetic=0,
    with 4 synthetic copies of row 10), a synthetic example in eval, train row 6 twice in train."""
    rng = np.random.default_rng(0)
    train, evals, test = originals(60), originals(12, 100), originals(10, 200)
    evals += [train[0], train[0], reordered(train[1], rng), train[2], train[5]]
    test += [train[3], train[4], evals[0], train[5]]
    synthetic_eval = MARKS.copy(example(label=1, x=[7.5, 7.5], name='made'), 'feed')
    evals.append(synthetic_eval)
    train = [MARKS.original(r) for r in train + [train[6]]]
    train += [MARKS.copy(train[10], example_fingerprint(originals(1, 10)[0]))] * 4
    return {'train': train, 'eval': evals, 'test': test}, synthetic_eval


def content(record):
    """Independent identity of an example: its parsed features without provenance features."""
    ex = example_pb2.Example.FromString(record)
    for name in ('is_synthetic', 'source_fingerprint'):
        if name in ex.features.feature:
            del ex.features.feature[name]
    return ex.SerializeToString(deterministic=True)


def brute_force(data, training):
    """The report's counts, computed by parsing every example (no keys, no buckets)."""
    per_split = {s: collections.Counter(content(r) for r in data[s]) for s in SPLITS}
    splits_of = collections.defaultdict(set)
    for s in SPLITS:
        for c in per_split[s]:
            splits_of[c].add(s)
    leaked = {c for c, where in splits_of.items() if len(where) > 1}
    pairs = {}
    for a, b in itertools.combinations(SPLITS, 2):
        shared = set(per_split[a]) & set(per_split[b])
        pairs[(a, b)] = (
            len(shared),
            sum(per_split[a][c] for c in shared),
            sum(per_split[b][c] for c in shared),
        )
    synthetic = {
        s: sum(
            example_pb2.Example.FromString(r).features.feature['is_synthetic'].int64_list.value
            == [1]
            for r in data[s]
        )
        for s in SPLITS
    }
    within = {
        s: (
            sum(n > 1 for n in per_split[s].values()),
            sum(n - 1 for n in per_split[s].values() if n > 1),
        )
        for s in SPLITS
    }
    return {
        'keys': len(leaked),
        'per_split': {s: sum(per_split[s][c] for c in leaked) for s in SPLITS},
        'pairs': pairs,
        'synthetic': synthetic,
        'outside': {s: synthetic[s] for s in SPLITS if s not in training and synthetic[s]},
        'within': {s: v for s, v in within.items() if v[0]},
    }


def counts_of(report):
    dup = report['duplicates_across_splits']
    return {
        'keys': dup['keys'],
        'per_split': dup['per_split'],
        'pairs': {tuple(p['splits']): (p['keys'], *p['examples'].values()) for p in dup['pairs']},
        'synthetic': report['synthetic'],
        'outside': {
            s: e['examples'] for s, e in report['synthetic_outside_training']['per_split'].items()
        },
        'within': {
            s: (e['keys'], e['extra_examples'])
            for s, e in report['duplicates_within_splits'].items()
        },
    }


def batches(data, size, order=1):
    items = [(s, data[s][i : i + size]) for s in SPLITS for i in range(0, len(data[s]), size)]
    return items[::order]


def run(items, config, num_buckets=1, check=None):
    """Runs FindLeakage; ``check(report)`` is asserted inside the pipeline; returns the report
    (written as JSON by the pipeline and read back)."""
    path = os.path.join(tempfile.mkdtemp(prefix='leakage_'), 'report.json')
    with beam.Pipeline() as p:
        report = p | beam.Create(items, reshuffle=False) | FindLeakage(SPLITS, config, num_buckets)
        _ = report | WriteJson(path)

        def matches(reports):
            assert len(reports) == 1
            if check is not None:
                check(reports[0])

        assert_that(report, matches)
    return read_json(path)


def test_planted_duplicates_and_synthetic_example_in_eval_are_counted_exactly():
    data, synthetic_eval = planted()
    expected = brute_force(data, ['train'])
    # The planted numbers, by hand: rows 0, 1, 2, 5 of train in eval (row 0 twice), 3, 4, 5 in
    # test, eval row 0 in test: 7 shared contents; the synthetic eval example is its own.
    assert expected['keys'] == 7
    assert expected['pairs'][('train', 'eval')] == (4, 4, 5)
    assert expected['pairs'][('train', 'test')] == (3, 3, 3)
    assert expected['pairs'][('eval', 'test')] == (2, 2, 2)
    assert expected['outside'] == {'eval': 1} and expected['synthetic']['train'] == 4
    assert expected['within'] == {'train': (2, 5), 'eval': (1, 1)}

    def check(report):
        assert counts_of(report) == expected
        assert not report['passed']
        outside = report['synthetic_outside_training']['per_split']['eval']
        assert outside['fingerprints'] == [example_fingerprint(content(synthetic_eval))]

    report = run(batches(data, 7), LeakageConfig().validate(), check=check)
    pair = report['duplicates_across_splits']['pairs'][0]
    train = {example_fingerprint(content(r)) for r in data['train']}
    assert len(pair['fingerprints']) == 4 and set(pair['fingerprints']) <= train
    assert '| train & eval | 4 | train 4, eval 5 |' in to_markdown(report)


def test_clean_data_passes_with_nothing_found():
    data = {'train': originals(50), 'eval': originals(10, 50), 'test': originals(10, 60)}
    data['train'] = [MARKS.original(r) for r in data['train']]
    data['train'] += [MARKS.copy(data['train'][0], 'ab')] * 3  # synthetic, in train: fine

    def check(report):
        assert report['passed']
        assert report['duplicates_across_splits']['keys'] == 0
        assert report['synthetic_outside_training']['examples'] == 0
        assert report['examples'] == {'train': 53, 'eval': 10, 'test': 10}
        assert report['synthetic'] == {'train': 3, 'eval': 0, 'test': 0}

    run(batches(data, 16), LeakageConfig().validate(), check=check)


def test_allowed_findings_pass_and_are_still_reported():
    data, _ = planted()
    config = LeakageConfig(allow_duplicates=True, allow_synthetic_outside=True).validate()
    report = run(batches(data, 50), config)
    assert report['passed'] and report['duplicates_across_splits']['keys'] == 7
    only_duplicates = LeakageConfig(allow_synthetic_outside=True).validate()
    assert not run(batches(data, 50), only_duplicates)['passed']


def test_training_splits_decide_where_synthetic_examples_are_findings():
    data, _ = planted()
    config = LeakageConfig(training_splits=['train', 'eval'], allow_duplicates=True).validate()
    report = run(batches(data, 50), config)
    assert report['passed'] and report['synthetic_outside_training']['examples'] == 0
    nowhere = LeakageConfig(training_splits=[], allow_duplicates=True).validate()
    report = run(batches(data, 50), nowhere)
    assert {
        s: e['examples'] for s, e in report['synthetic_outside_training']['per_split'].items()
    } == {
        'train': 4,
        'eval': 1,
    }


def test_report_is_identical_for_any_batching_order_and_bucket_count():
    data, _ = planted()
    config = LeakageConfig(max_examples=2).validate()
    reports = [
        run(batches(data, 100), config, num_buckets=1),
        run(batches(data, 3, order=-1), config, num_buckets=5),
        run(batches(data, 1), config, num_buckets=64),
    ]
    assert reports[0] == reports[1] == reports[2]
    assert all(len(p['fingerprints']) <= 2 for p in reports[0]['duplicates_across_splits']['pairs'])


def test_a_provenance_feature_that_is_not_0_or_1_is_a_data_error_naming_the_split():
    bad = example(label=0, x=1.0, is_synthetic='yes')
    items = [('train', originals(3)), ('eval', originals(2, 10) + [bad])]
    with pytest.raises(
        Exception,
        match="provenance_feature 'is_synthetic' of example .* in split 'eval' is a bytes feature",
    ) as info:
        run(items, LeakageConfig().validate())
    from tfx_balance.base.artifacts import unwrap_error  # the executor's view of the Beam failure

    error = unwrap_error(info.value)
    assert isinstance(error, DataError)
    from tests.support.errors import documented_errors

    assert any(re.search(p, str(error)) for p in documented_errors()), str(error)


def test_a_key_index_pooled_with_today_s_batches_counts_as_the_window_of_examples():
    # span 1: the planted train split; span 2 (today): eval and test. The window of Examples
    # reads both; the index recipe reads span 2 and span 1's key index, written by its own run.
    from tfx_balance.core.leakage_check import ReadKeyIndex
    from tfx_balance.core.leakage_check.index import KeyIndex

    data, _ = planted()
    config = LeakageConfig().validate()
    where = {'train': 'span 1', 'eval': 'span 2', 'test': 'span 2'}
    split_of = {f'{s} of {where[s]}': s for s in SPLITS}
    named = [(f'{s} of {where[s]}', records) for s, records in batches(data, 7)]
    folder = tempfile.mkdtemp(prefix='leakage_index_')
    with beam.Pipeline() as p:
        yesterday = named[: len(batches({'train': data['train'], 'eval': [], 'test': []}, 7))]
        found = (
            p
            | beam.Create(yesterday, reshuffle=False)
            | FindLeakage(
                ['train'],
                config,
                split_of={'train of span 1': 'train'},
                index_position={'train of span 1': 0},
            )
        )
        _ = found.keys | beam.io.WriteToTFRecord(
            os.path.join(folder, 'keys'), file_name_suffix='.gz'
        )
    today = [item for item in named if not item[0].startswith('train')]
    assert len(yesterday) + len(today) == len(named)
    reports = {}
    for mode in ('window', 'index'):
        path = os.path.join(folder, f'{mode}.json')
        with beam.Pipeline() as p:
            if mode == 'window':
                found = (
                    p
                    | beam.Create(named, reshuffle=False)
                    | FindLeakage(SPLITS, config, 3, split_of)
                )
            else:
                key_files = tuple(sorted(tf.io.gfile.glob(os.path.join(folder, 'keys-*.gz'))))
                index = KeyIndex(('train of span 1',), key_files)
                earlier = p | 'Earlier' >> ReadKeyIndex([index])
                found = (
                    (p | beam.Create(today, reshuffle=False), earlier)
                    | beam.Flatten()
                    | FindLeakage(SPLITS, config, 3, split_of)
                )
            _ = found | WriteJson(path)
        reports[mode] = read_json(path)
    assert reports['index'] == reports['window']
    assert counts_of(reports['index']) == brute_force(data, ['train'])
    assert reports['index']['examples'] == {'train': 65, 'eval': 18, 'test': 14}
    train_eval = reports['index']['duplicates_across_splits']['pairs'][0]
    seen_in = reports['index']['seen_in']
    assert len(train_eval['fingerprints']) == 4  # rows 0, 1, 2, 5 of train, named by both spans
    assert all(
        seen_in[fp][:2] == ['train of span 1', 'eval of span 2']
        for fp in train_eval['fingerprints']
    )


@pytest.mark.parametrize('num_buckets', [1, 4])
def test_over_a_window_the_listed_synthetic_examples_are_named_by_every_span_they_are_in(
    num_buckets,
):
    # Eight synthetic examples in eval of span 2, the first three also in train of span 1 as
    # originals; max_examples 3 keeps the three least keys of all buckets, and seen_in names
    # where each of those is, found in its own bucket.
    made = [
        MARKS.copy(example(label=1, x=[float(i), 0.5], name=f'made {i}'), 'feed') for i in range(8)
    ]
    config = LeakageConfig(max_examples=3, allow_synthetic_outside=True).validate()
    split_of = {'train of span 1': 'train', 'eval of span 2': 'eval'}
    named = [
        ('train of span 1', [MARKS.original(r) for r in made[:3]] + originals(5)),
        ('eval of span 2', made[:4]),
        ('eval of span 2', made[4:]),
    ]
    folder = tempfile.mkdtemp(prefix='leakage_located_')
    with beam.Pipeline() as p:
        found = (
            p
            | beam.Create(named, reshuffle=False)
            | FindLeakage(['train', 'eval'], config, num_buckets, split_of)
        )
        _ = found | WriteJson(os.path.join(folder, 'report.json'))
    report = read_json(os.path.join(folder, 'report.json'))
    listed = report['synthetic_outside_training']['per_split']['eval']
    assert listed['examples'] == 8
    from tfx_balance.core.common.hashing import example_keys
    from tfx_balance.core.leakage_check.check import key_array, leakage_fingerprints

    fingerprints = {fp: i for i, fp in enumerate(leakage_fingerprints(made))}
    keys = key_array(example_keys(made, ignore_features=('is_synthetic', 'source_fingerprint')))
    least = [leakage_fingerprints(made)[i] for i in np.argsort(keys)[:3]]
    assert listed['fingerprints'] == least
    shared = set(report['duplicates_across_splits']['pairs'][0]['fingerprints'])
    assert report['seen_in'] == {
        fp: ['train of span 1', 'eval of span 2'] if fingerprints[fp] < 3 else ['eval of span 2']
        for fp in sorted(set(least) | shared)
    }


def test_label_feature_finds_the_same_inputs_in_two_splits_whatever_their_labels():
    # A chargeback relabels rows 0-2 of train in eval: by default (the label is part of the key)
    # they are other examples; with label_feature they are the same inputs, in two splits.
    train = originals(30)
    relabelled = []
    for record in train[:3]:
        ex = example_pb2.Example.FromString(record)
        ex.features.feature['label'].int64_list.value[:] = [7]
        relabelled.append(ex.SerializeToString())
    data = {'train': train, 'eval': originals(5, 100) + relabelled, 'test': originals(4, 200)}
    items = [(s, data[s]) for s in SPLITS]
    plain = run(items, LeakageConfig(allow_duplicates=True).validate())
    assert plain['duplicates_across_splits']['keys'] == 0
    unlabelled = LeakageConfig(allow_duplicates=True, label_feature='label').validate()
    found = run(items, unlabelled)
    assert found['duplicates_across_splits']['keys'] == 3
    assert found['duplicates_across_splits']['per_split'] == {'train': 3, 'eval': 3, 'test': 0}
    assert found['label_feature'] == 'label' and plain['label_feature'] is None
