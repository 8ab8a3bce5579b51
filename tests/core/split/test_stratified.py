"""StratifiedSplit (Beam): exact membership, determinism, order independence, groups, errors."""

import collections

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to
from tensorflow.core.example import example_pb2

from tests.support.examples import reordered
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import example_key, example_keys, fingerprint, seeded_hash
from tfx_balance.core.split.allocation import allocate
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.exact import class_counts
from tfx_balance.core.split.stratified import (
    STRATEGIES,
    SplitOutputs,
    StratifiedSplit,
    bucket_units,
    group_buckets,
)

SPLITS = {'train': 8, 'eval': 1, 'test': 1}


def make_example(label, i, group=None, label_feature='label'):
    ex = example_pb2.Example()
    feature = ex.features.feature[label_feature]
    if isinstance(label, int):
        feature.int64_list.value.append(label)
    else:
        feature.bytes_list.value.append(label.encode())
    ex.features.feature['x'].float_list.value.append(float(i))
    if group is not None:
        ex.features.feature['user'].bytes_list.value.append(group.encode())
    return ex.SerializeToString()


def dataset(sizes):
    return [make_example(label, i) for label, n in sizes.items() for i in range(n)]


def reference_split(records, labels, splits, seed):
    """Independent statement of the contract: per class, the hash order of the examples' inputs
    without the label, cut at the counts of the rule's table (``class_counts``)."""
    by_class = collections.defaultdict(list)
    for record, label in zip(records, labels):
        by_class[label].append(record)
    out = {name: [] for name in splits}
    keys = dict(zip(records, example_keys(records, ignore_features=('label',))))
    rank = lambda r: (seeded_hash(seed, keys[r]), r)  # noqa: E731
    for members in by_class.values():
        members.sort(key=rank)
    totals = {label: len(members) for label, members in by_class.items()}
    least = {label: rank(members[0])[0] for label, members in by_class.items()}
    table = class_counts(totals, least, list(splits.values()))
    for label, members in by_class.items():
        start = 0
        for name, count in zip(splits, table[label]):
            out[name].extend(members[start : start + count])
            start += count
    return out


def rule_counts(sizes, splits=SPLITS, seed=0):
    """``{class: {split: count}}`` of the rule for a ``dataset(sizes)``, from ``reference_split``."""
    records = dataset(sizes)
    labels = [label for label, n in sizes.items() for _ in range(n)]
    expected = reference_split(records, labels, splits, seed)
    of = dict(zip(records, labels))
    return {
        label: {name: sum(of[r] == label for r in expected[name]) for name in splits}
        for label in sorted(sizes)
    }


def run_split(records, seed=0, splits=SPLITS, bucket_bits=16, checks=None, **kwargs):
    with beam.Pipeline() as p:
        out = SplitOutputs(
            p
            | StratifiedSplit(
                lambda: beam.Create(records, reshuffle=False),
                label_feature='label',
                splits=splits,
                seed=seed,
                bucket_bits=bucket_bits,
                **kwargs,
            )
        )
        for fn in checks or []:
            fn(out)


SIZES = {'Cash': 300, 'Credit Card': 120, 'No Charge': 9, 'Dispute': 4, 'Pcard': 3, 'Prcard': 1}


@pytest.mark.parametrize('bucket_bits', [16, 3, 0])
@pytest.mark.parametrize('seed', [0, 7])
def test_membership_is_the_seeded_hash_rank_cut_at_the_rule(seed, bucket_bits):
    # bucket_bits=16: nearly every bucket is whole; 3 and 0: most examples are ranked in
    # boundary buckets. All must give the reference membership exactly.
    records = dataset(SIZES)
    labels = [label for label, n in SIZES.items() for _ in range(n)]
    expected = reference_split(records, labels, SPLITS, seed)

    def check(out):
        for name in SPLITS:
            assert_that(out.records[name], equal_to(expected[name]), label=f'Check[{name}]')
        assert_that(
            out.counts,
            equal_to([rule_counts(SIZES, seed=seed)]),
            label='CheckCounts',
        )

    run_split(records, seed=seed, bucket_bits=bucket_bits, checks=[check])


@pytest.mark.parametrize('bucket_bits', [16, 3])
def test_membership_follows_the_content_not_the_feature_order_the_input_was_written_in(
    bucket_bits,
):
    # Protobuf writes a feature map in a per-process order: CsvExampleGen re-run writes the same
    # rows as other bytes. The split must be the same.
    records = dataset(SIZES)
    labels = [label for label, n in SIZES.items() for _ in range(n)]
    expected = reference_split(records, labels, SPLITS, 3)
    rng = np.random.default_rng(0)
    rewritten = {r: reordered(r, rng) for r in records}
    assert sum(a != b for a, b in rewritten.items()) > len(records) // 3

    def check(out):
        for name in SPLITS:
            want = [rewritten[r] for r in expected[name]]
            assert_that(out.records[name], equal_to(want), label=f'Check[{name}]')

    run_split(list(rewritten.values()), seed=3, bucket_bits=bucket_bits, checks=[check])


def test_another_seed_changes_members_but_not_counts():
    records = dataset(SIZES)
    labels = [label for label, n in SIZES.items() for _ in range(n)]
    a = reference_split(records, labels, SPLITS, 0)
    b = reference_split(records, labels, SPLITS, 1)
    assert set(a['eval']) != set(b['eval'])
    assert [len(a[s]) for s in SPLITS] == [len(b[s]) for s in SPLITS]


def test_int_labels_and_input_order_and_duplicates():
    records = [make_example(k, i) for k in (3, 1, 2) for i in range(7 * k)]
    records += [make_example(1, 0)] * 3  # exact duplicates stay a consistent multiset
    labels = [k for k in (3, 1, 2) for _ in range(7 * k)] + [1] * 3
    expected = reference_split(records, labels, SPLITS, 5)
    shuffled = records[::-1]

    def check(out):
        for name in SPLITS:
            assert_that(out.records[name], equal_to(expected[name]), label=f'Check[{name}]')

    run_split(shuffled, seed=5, bucket_bits=2, checks=[check])


def test_every_example_lands_in_exactly_one_split():
    records = dataset({'a': 50, 'b': 5})

    def check(out):
        merged = [out.records[s] for s in SPLITS] | 'All' >> beam.Flatten()
        assert_that(merged, equal_to(records), label='Partition')

    run_split(records, checks=[check])


def test_group_feature_keeps_groups_together_and_counts_close():
    records, group_of = [], {}
    for i in range(200):
        label = 'a' if i % 4 else 'b'
        group = f'user{i % 37}'
        record = make_example(label, i, group=group)
        records.append(record)
        group_of[record] = group
    group_sizes = collections.Counter(group_of.values())

    def same_split_per_group(out):
        tagged = [
            out.records[s] | f'Tag[{s}]' >> beam.Map(lambda r, s=s: (group_of[r], s))
            for s in SPLITS
        ]

        def check(pairs):
            splits_of = collections.defaultdict(set)
            for group, split in pairs:
                splits_of[group].add(split)
            bad = {g: s for g, s in splits_of.items() if len(s) != 1}
            if bad or len(pairs) != len(records):
                raise BeamAssertException(f'groups split apart: {bad}, {len(pairs)} examples')
            per_split = collections.Counter(split for _, split in pairs)
            target = dict(zip(SPLITS, allocate(len(records), [8, 1, 1])))
            largest = max(group_sizes.values())
            for s in SPLITS:
                if abs(per_split[s] - target[s]) >= largest * 2:
                    raise BeamAssertException(f'{s}: {per_split[s]} vs target {target[s]}')

        assert_that(tagged | beam.Flatten(), check, label='GroupsTogether')

    run_split(records, group_feature='user', checks=[same_split_per_group])


@pytest.mark.parametrize('multi_label', [None, 'ids'])
def test_plan_pass_buckets_of_groups_give_the_units_of_one_grouping_per_group(multi_label):
    # group_buckets/bucket_units (the plan pass's grouping) against a plain grouping by group id,
    # over two batches that share groups: the same units, whatever bucket a group falls in.
    config = StratifiedSplitConfig(
        'label', splits=SPLITS, group_feature='user', seed=3, multi_label=multi_label
    ).validate()
    to_units = STRATEGIES[multi_label].units(config, True)
    label = (lambda i: i % 3) if multi_label else (lambda i: 'ab'[i % 2])
    batches = [
        [make_example(label(i), i, group=f'u{i % 23}') for i in range(start, start + 60)]
        for start in (0, 60)
    ]
    by_group = collections.defaultdict(list)
    by_bucket = collections.defaultdict(list)
    for batch in batches:
        for group, entry in to_units.key_by_group(batch, 'user', records=False):
            by_group[group].append(entry)
        for bucket, chunk in group_buckets(batch, to_units.key_by_group, 'user', records=False):
            by_bucket[bucket].append(chunk)
    expected = sorted(map(to_units.group_to_unit, by_group.items()), key=repr)
    units = [u for item in by_bucket.items() for u in bucket_units(item, to_units.group_to_unit)]
    assert len(by_bucket) > 1
    assert sorted(units, key=repr) == expected


def test_group_report_names_each_class_largest_group_and_its_mixed_examples():
    # Users of one class, 5 examples each, and one group of 3 'a' and 1 'b' (it counts for 'a').
    records = [make_example('a' if i % 4 else 'b', i, group=f'user{i % 12}') for i in range(60)]
    records += [make_example(label, 100 + j, group='mixed') for j, label in enumerate('aaab')]
    expected = {
        'group_feature': 'user',
        'largest_group': {'a': 5, 'b': 5},
        'mixed': {'a': 1, 'b': 1},  # the 'b' of the mixed group, and the 'a' group holding it
    }

    def groups_entry(out):
        groups = out.report | beam.Map(lambda report: report['groups'])
        assert_that(groups, equal_to([expected]), label='GroupsEntry')

    run_split(records, group_feature='user', checks=[groups_entry])


def _example_with(feature_setter):
    ex = example_pb2.Example()
    ex.features.feature['x'].float_list.value.append(1.0)
    feature_setter(ex)
    return ex.SerializeToString()


@pytest.mark.parametrize(
    'bad, fragment',
    [
        (_example_with(lambda ex: None), "label_feature 'label' not found in an example"),
        (
            _example_with(lambda ex: ex.features.feature['label'].float_list.value.append(1.0)),
            'is a float feature',
        ),
        (
            _example_with(lambda ex: ex.features.feature['label'].int64_list.value.extend([1, 2])),
            'has 2 values',
        ),
        (
            _example_with(lambda ex: ex.features.feature['label'].bytes_list.value.append(b'')),
            'is an empty string',
        ),
    ],
    # Named: the serialized examples' feature order differs between processes (pytest-xdist
    # workers must collect the same test ids).
    ids=['no-label', 'float-label', 'two-values', 'empty-string'],
)
def test_bad_labels_fail_with_a_message_naming_the_feature(bad, fragment):
    with pytest.raises(Exception) as info:
        run_split(dataset({'a': 3}) + [bad])
    assert fragment in str(info.value)


def test_empty_input_fails_with_a_clear_message():
    with pytest.raises(Exception) as info:
        run_split([])
    assert 'the input has no examples' in str(info.value)


_COLLECTED = {}  # the in-process test runner shares this module with the pipeline


def _collect(records, key):
    """Module-level, not a lambda: Beam 2.65+ pickles with cloudpickle, which copies a lambda's
    globals (the copy would get the records), but refers to a module's function by name."""
    _COLLECTED[key] = sorted(records)


def _collect_splits(key, **kwargs):
    """Runs the split and returns ``{split: sorted records}``."""
    with beam.Pipeline() as p:
        out = SplitOutputs(p | StratifiedSplit(label_feature='label', splits=SPLITS, **kwargs))
        for name in SPLITS:
            _ = (
                out.records[name]
                | f'All[{name}]' >> beam.combiners.ToList()
                | f'Keep[{name}]' >> beam.Map(_collect, (key, name))
            )
    return {name: _COLLECTED.pop((key, name)) for name in SPLITS}


@pytest.mark.parametrize('group_feature', [None, 'user'], ids=['examples', 'groups'])
def test_batches_from_files_give_the_same_split_as_records(tmp_path, group_feature):
    from tests.support.examples import write_records
    from tfx_balance.core.common.records import ReadRecordBatches

    records = [
        make_example(label, i, group=f'user{i % 23}')
        for label, n in SIZES.items()
        for i in range(n)
    ]
    files = [str(tmp_path / f'part-{i}.gz') for i in range(3)]
    for i, path in enumerate(files):
        write_records(path, records[i::3])
    args = dict(seed=3, group_feature=group_feature)
    from_files = _collect_splits(
        'files', batches_source=lambda: ReadRecordBatches(files, batch_size=7), **args
    )
    from_records = _collect_splits(
        'records', records_source=lambda: beam.Create(records, reshuffle=False), **args
    )
    assert from_files == from_records
    assert sorted(r for split in from_files.values() for r in split) == sorted(records)
    if group_feature is None:  # the exact rule, from the independent reference
        labels = [example_pb2.Example.FromString(r).features.feature['label'] for r in records]
        labels = [f.bytes_list.value[0] for f in labels]
        expected = reference_split(records, labels, SPLITS, seed=3)
        assert from_files == {name: sorted(expected[name]) for name in SPLITS}


def test_exactly_one_source_is_required():
    with pytest.raises(ValueError, match='exactly one of records_source and batches_source'):
        StratifiedSplit(label_feature='label', splits=SPLITS)


def _split_batches(batches, **kwargs):
    with beam.Pipeline() as p:
        _ = SplitOutputs(
            p
            | StratifiedSplit(
                batches_source=lambda: beam.Create(batches, reshuffle=False),
                label_feature='label',
                splits=SPLITS,
                **kwargs,
            )
        ).counts


@pytest.mark.parametrize('group_feature', [None, 'user'], ids=['examples', 'groups'])
def test_int64_and_bytes_labels_in_different_batches_are_one_data_error(group_feature):
    # Each batch has one label type; only the merged histogram sees both.
    ints = [make_example(1, i, group=f'u{i}') for i in range(5)]
    texts = [make_example('1', i, group=f'v{i}') for i in range(5)]
    with pytest.raises(DataError) as info:
        _split_batches([ints, texts], group_feature=group_feature)
    message = str(info.value)
    assert "label_feature 'label' mixes int64 and bytes labels: example " in message
    int_fp = message.split('example ')[1].split(' ')[0]
    bytes_fp = message.split('example ')[2].split(' ')[0]
    assert f'{int_fp} has int64 label 1' in message and f"{bytes_fp} bytes label '1'" in message
    assert int_fp in {fingerprint(example_key(r)) for r in ints}
    assert bytes_fp in {fingerprint(example_key(r)) for r in texts}


def test_a_group_mixing_int64_and_bytes_labels_is_rejected():
    records = [make_example(2, 0, group='u'), make_example('2', 1, group='u')]
    with pytest.raises(DataError, match='mixes int64 and bytes labels'):
        _split_batches([records], group_feature='user')


def test_label_errors_name_the_batch_input_and_the_example():
    bad = _example_with(lambda ex: ex.features.feature['label'].int64_list.value[:])
    good = [make_example('a', i) for i in range(3)]
    with pytest.raises(DataError) as info:
        _split_batches([("split 'train'", good), ("split 'eval'", good + [bad])])
    assert (
        f"label_feature 'label' in split 'eval' has 0 values in an example; exactly one class "
        f'label per example is required (example fingerprint {fingerprint(example_key(bad))}).'
        in str(info.value)
    )


def test_group_feature_errors_name_the_example_and_its_class():
    bad = make_example('b', 9)  # no 'user' feature
    with pytest.raises(DataError) as info:
        _split_batches([[make_example('a', 1, group='u'), bad]], group_feature='user')
    assert (
        "group_feature 'user' must have exactly one value per example, found 0 in an example "
        f"(fingerprint {fingerprint(example_key(bad))}) of class 'b'. Give every example one "
        'group id' in str(info.value)
    )
