"""BalancedAugment in Beam (core/balanced_augmenter/transform.py): exact counts, spread, provenance, seeds, ranges.
Bad input, augment_fn and non-finite floats: test_transform_inputs.py."""

import collections

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to
from tensorflow.core.example import example_pb2

from tests.core.balanced_augmenter.support import (
    WINE,
    WINE_COUNTS,
    class_counts,
    parse,
    wine_records,
)
from tests.support.examples import reordered
from tfx_balance.core.balanced_augmenter import PLAN, RECORDS, BalancedAugment
from tfx_balance.core.common.hashing import example_keys, fingerprint, seeded_hash


def _run(records, **kwargs):
    """Runs BalancedAugment on `records`; checks inside the pipeline via callbacks."""
    return lambda p: p | BalancedAugment(lambda: beam.Create(records), **kwargs)


def _reference(records, output_counts, seed):
    """Brute force: rank by (seeded hash, bytes); expected {label: (kept originals, copies)}."""
    by_class = collections.defaultdict(list)
    for r in records:
        by_class[_parse_label(r)].append(r)
    expected = {}
    keys = dict(zip(records, example_keys(records)))
    fp = {r: fingerprint(key) for r, key in keys.items()}
    for label, members in by_class.items():
        members.sort(key=lambda r: (seeded_hash(seed, keys[r]), r))
        n, out = len(members), output_counts[label]
        if out <= n:
            expected[label] = (collections.Counter(members[:out]), collections.Counter())
        else:
            q, extra = divmod(out - n, n)
            copies = collections.Counter(
                {fp[r]: 0 for r in members}
            )  # fingerprint -> number of copies
            for rank, r in enumerate(members):
                copies[fp[r]] += q + (1 if rank < extra else 0)
            expected[label] = (collections.Counter(members), copies)
    return expected


def _parse_label(record):
    return example_pb2.Example.FromString(record).features.feature['label'].int64_list.value[0]


def _strip(example):
    for name in ('is_synthetic', 'source_fingerprint'):
        if name in example.features.feature:
            del example.features.feature[name]
    return example


def _check_against_reference(records, output_counts, seed):
    expected = _reference(records, output_counts, seed)
    originals = {fingerprint(key): r for r, key in zip(records, example_keys(records))}

    def check(out):
        got = collections.defaultdict(lambda: (collections.Counter(), collections.Counter()))
        for r in out:
            label, synthetic, source, ex = parse(r)
            kept, copies = got[label]
            if synthetic:
                copies[source] += 1
                assert _strip(ex).SerializeToString(deterministic=True) == (
                    example_pb2.Example.FromString(originals[source]).SerializeToString(
                        deterministic=True
                    )
                )  # 'copy': an exact duplicate apart from provenance
            else:
                assert source is None
                kept[_strip(ex).SerializeToString(deterministic=True)] += 1
        for label, (kept, copies) in expected.items():
            want_kept = collections.Counter(
                {
                    example_pb2.Example.FromString(r).SerializeToString(deterministic=True): c
                    for r, c in kept.items()
                }
            )
            assert got[label][0] == want_kept, label
            assert +got[label][1] == +copies, label

    return check


CASES = [
    ('max', False, {0: 59, 1: 59, 2: 59}),
    ('mean', False, {0: 59, 1: 29, 2: 29}),  # mean 28.67 -> 29
    ('mean', True, {0: 29, 1: 29, 2: 29}),
    (25, False, {0: 59, 1: 25, 2: 25}),
    (25, True, {0: 25, 1: 25, 2: 25}),
    ({'2': 30, 0: 10}, False, {0: 59, 1: 20, 2: 30}),
    ({'2': 30, 0: 10}, True, {0: 10, 1: 20, 2: 30}),
    (0, True, {0: 0, 1: 0, 2: 0}),
]


def test_exact_counts_spread_and_provenance_match_the_brute_force_rule():
    """Every target kind, with and without undersample, in one pipeline (one branch each)."""
    with beam.Pipeline() as p:
        for i, (target, undersample, expected) in enumerate(CASES):
            out = p | f'Case{i}' >> BalancedAugment(
                lambda: beam.Create(WINE),
                label_feature='label',
                target=target,
                undersample=undersample,
                augmentation='copy',
                seed=5,
            )
            wanted = {
                label: (min(n, expected[label]), max(0, expected[label] - n))
                for label, n in WINE_COUNTS.items()
                if expected[label]
            }
            listed = out[RECORDS] | f'List{i}' >> beam.combiners.ToList()
            counted = listed | f'Count{i}' >> beam.Map(class_counts)
            assert_that(counted, equal_to([wanted]), label=f'Counts{i}')
            checked = listed | f'Check{i}' >> beam.Map(_check_against_reference(WINE, expected, 5))
            assert_that(checked, equal_to([None]), label=f'Reference{i}')
            requested = (
                {0: 10, 1: 20, 2: 30}
                if isinstance(target, dict)
                else dict.fromkeys(WINE_COUNTS, {'max': 59, 'mean': 29}.get(target, target))
            )
            plan_rows = {
                str(label): {
                    'input': n,
                    'target': requested[label],
                    'generated': max(0, expected[label] - n),
                    'dropped': max(0, n - expected[label]),
                    'output': expected[label],
                }
                for label, n in WINE_COUNTS.items()
            }
            assert_that(out[PLAN], equal_to([plan_rows]), label=f'Plan{i}')


def test_boundary_buckets_with_duplicates_and_coarse_buckets_are_exact():
    # 4 hash buckets and every record three times: the boundary bucket holds many records,
    # so selection goes through the grouped, sorted ranking path.
    records = wine_records((12, 7, 5)) * 3
    counts = {0: 36, 1: 21, 2: 15}
    with beam.Pipeline() as p:
        up = p | 'Up' >> BalancedAugment(
            lambda: beam.Create(records), label_feature='label', target=50, seed=1, bucket_bits=2
        )
        down = p | 'Down' >> BalancedAugment(
            lambda: beam.Create(records),
            label_feature='label',
            target=16,
            undersample=True,
            bucket_bits=2,
        )
        for name, result, out_counts, seed in (
            ('Up', up, {0: 50, 1: 50, 2: 50}, 1),
            ('Down', down, {0: 16, 1: 16, 2: 16}, 0),  # class 2 (15) gets 1
        ):
            checked = (
                result[RECORDS]
                | f'{name}List' >> beam.combiners.ToList()
                | (f'{name}Check' >> beam.Map(_check_against_reference(records, out_counts, seed)))
            )
            assert_that(checked, equal_to([None]), label=f'{name}Reference')
    assert sum(counts.values()) == len(records)


def _records_of(records, seeds, augmentation, tmp_path):
    """Runs one pipeline with a branch per seed; returns each branch's sorted output records."""
    with beam.Pipeline() as p:
        for i, seed in enumerate(seeds):
            out = p | f'Seed{i}' >> BalancedAugment(
                lambda: beam.Create(records),
                label_feature='label',
                target='max',
                augmentation=augmentation,
                seed=seed,
            )
            _ = out[RECORDS] | f'Write{i}' >> beam.io.WriteToTFRecord(
                str(tmp_path / str(i)), shard_name_template=''
            )
    return [
        sorted(bytes(r.numpy()) for r in tf.data.TFRecordDataset(str(tmp_path / str(i))))
        for i in range(len(seeds))
    ]


def test_output_follows_the_content_not_the_feature_order_the_input_was_written_in(tmp_path):
    # ExampleGen re-run writes the same rows with their feature maps in another order: the
    # selection, the sources and the synthetic values must not change.
    rng = np.random.default_rng(0)
    rewritten = [reordered(r, rng) for r in WINE]
    assert sum(a != b for a, b in zip(WINE, rewritten)) > len(WINE) // 3
    cases = [('mean', True, 'numeric'), ('max', False, 'interpolate')]
    with beam.Pipeline() as p:
        for i, (target, undersample, augmentation) in enumerate(cases):
            for name, records in (('as_is', WINE), ('rewritten', rewritten)):
                out = p | f'{name}{i}' >> BalancedAugment(
                    lambda records=records: beam.Create(records),
                    label_feature='label',
                    target=target,
                    undersample=undersample,
                    augmentation=augmentation,
                    seed=2,
                )
                _ = out[RECORDS] | f'Write{name}{i}' >> beam.io.WriteToTFRecord(
                    str(tmp_path / f'{name}{i}'), shard_name_template=''
                )

    def content(path):
        return sorted(example_keys([r.numpy() for r in tf.data.TFRecordDataset(str(path))]))

    for i, (target, _, _) in enumerate(cases):
        as_is = content(tmp_path / f'as_is{i}')
        assert len(as_is) == 3 * {'mean': 29, 'max': 59}[target]
        assert content(tmp_path / f'rewritten{i}') == as_is


@pytest.mark.parametrize('augmentation', ['numeric', 'interpolate'])
def test_numeric_and_interpolate_stay_in_class_range_and_follow_the_seed(augmentation, tmp_path):
    first, again, other = _records_of(WINE, [0, 0, 1], augmentation, tmp_path)
    assert first == again
    assert other != first
    ranges = {}
    for r in WINE:
        ex = example_pb2.Example.FromString(r)
        x = np.array(ex.features.feature['x'].float_list.value, np.float32)
        label = ex.features.feature['label'].int64_list.value[0]
        lo, hi = ranges.get(label, (np.inf, -np.inf))
        ranges[label] = (min(lo, x.min()), max(hi, x.max()))
    originals = {
        fingerprint(key): example_pb2.Example.FromString(r)
        for r, key in zip(WINE, example_keys(WINE))
    }
    changed = 0
    for records in (first, other):
        assert class_counts(records) == {0: (59, 0), 1: (20, 39), 2: (7, 52)}
        for r in records:
            label, synthetic, source, ex = parse(r)
            if not synthetic:
                continue
            x = np.array(ex.features.feature['x'].float_list.value, np.float32)
            lo, hi = ranges[label]
            assert lo <= x.min() and x.max() <= hi
            src = originals[source].features.feature
            assert ex.features.feature['row'] == src['row']  # ints copied
            assert ex.features.feature['tag'] == src['tag']  # bytes copied
            changed += not np.array_equal(x, np.array(src['x'].float_list.value, np.float32))
    assert changed > 100  # nearly all of the 2 x 91 synthetic examples differ from the source


def test_interpolate_reservoir_bound_keeps_counts_exact():
    with beam.Pipeline() as p:
        out = p | BalancedAugment(
            lambda: beam.Create(WINE),
            label_feature='label',
            augmentation='interpolate',
            reservoir_size=3,
        )
        counted = out[RECORDS] | beam.combiners.ToList() | beam.Map(class_counts)
        assert_that(counted, equal_to([{0: (59, 0), 1: (20, 39), 2: (7, 52)}]))


def test_interpolate_copies_record_their_partner_another_member_of_the_class(tmp_path):
    (records,) = _records_of(WINE, [0], 'interpolate', tmp_path)
    originals = {
        fingerprint(key): example_pb2.Example.FromString(r)
        for r, key in zip(WINE, example_keys(WINE))
    }
    partners = collections.defaultdict(set)
    for r in records:
        label, synthetic, source, ex = parse(r)
        if not synthetic:
            assert 'partner_fingerprint' not in ex.features.feature
            continue
        partner = ex.features.feature['partner_fingerprint'].bytes_list.value[0].decode()
        assert partner != source and _parse_label(originals[partner].SerializeToString()) == label
        x, p, new = (
            np.array(e.features.feature['x'].float_list.value, np.float64)
            for e in (originals[source], originals[partner], ex)
        )
        u = np.dot(new - x, p - x) / np.dot(p - x, p - x)
        assert 0 <= u <= 1 and np.allclose(new, x + u * (p - x), rtol=1e-6, atol=1e-3)
        partners[source].add(partner)
    assert sum(len(p) for p in partners.values()) > 60  # random partners: many per source
