"""BalancedAugment in Beam (core/augment/transform.py): exact counts, spread, provenance, seeds, ranges."""

import collections

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to
from sklearn.datasets import load_wine
from tensorflow.core.example import example_pb2

from tests.support.examples import reordered
from tfx_balance.core.augment import PLAN, RECORDS, BalancedAugment
from tfx_balance.core.hashing import example_keys, fingerprint, seeded_hash


def _example(floats, label, extra_int=None, tag=b''):
    ex = example_pb2.Example()
    ex.features.feature['x'].float_list.value[:] = [float(v) for v in floats]
    ex.features.feature['label'].int64_list.value[:] = [int(label)]
    if extra_int is not None:
        ex.features.feature['row'].int64_list.value[:] = [int(extra_int)]
        ex.features.feature['tag'].bytes_list.value[:] = [tag]
    return ex.SerializeToString()


def _wine_records(keep=(59, 20, 7)):
    """Wine (13 float features) as tf.Examples, imbalanced: first `keep[k]` rows of class k."""
    X, y = load_wine(return_X_y=True)
    records, seen = [], collections.Counter()
    for i, (x, label) in enumerate(zip(X, y)):
        if seen[label] < keep[label]:
            seen[label] += 1
            records.append(_example(x, label, extra_int=i, tag=b'w%d' % i))
    return records


WINE = _wine_records()
WINE_COUNTS = {0: 59, 1: 20, 2: 7}


def _parse(record):
    ex = example_pb2.Example.FromString(record)
    f = ex.features.feature
    return (
        f['label'].int64_list.value[0],
        f['is_synthetic'].int64_list.value[0],
        f['source_fingerprint'].bytes_list.value[0].decode() if 'source_fingerprint' in f else None,
        ex,
    )


def _counts(records):
    """{label: (originals, synthetic)}"""
    out = collections.defaultdict(lambda: [0, 0])
    for r in records:
        label, synthetic, _, _ = _parse(r)
        out[label][synthetic] += 1
    return {k: tuple(v) for k, v in out.items()}


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
            label, synthetic, source, ex = _parse(r)
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
            counted = listed | f'Count{i}' >> beam.Map(_counts)
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
    records = _wine_records((12, 7, 5)) * 3
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
        assert _counts(records) == {0: (59, 0), 1: (20, 39), 2: (7, 52)}
        for r in records:
            label, synthetic, source, ex = _parse(r)
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
        counted = out[RECORDS] | beam.combiners.ToList() | beam.Map(_counts)
        assert_that(counted, equal_to([{0: (59, 0), 1: (20, 39), 2: (7, 52)}]))


def test_interpolate_copies_record_their_partner_another_member_of_the_class(tmp_path):
    (records,) = _records_of(WINE, [0], 'interpolate', tmp_path)
    originals = {
        fingerprint(key): example_pb2.Example.FromString(r)
        for r, key in zip(WINE, example_keys(WINE))
    }
    partners = collections.defaultdict(set)
    for r in records:
        label, synthetic, source, ex = _parse(r)
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


def _failing(records, **kwargs):
    with beam.Pipeline() as p:
        _ = p | BalancedAugment(lambda: beam.Create(records), **kwargs)


def test_unknown_label_feature_is_a_data_error():
    with pytest.raises(Exception, match="label_feature 'digit' not found in an example"):
        _failing(WINE, label_feature='digit')


def test_target_class_absent_is_a_data_error():
    with pytest.raises(Exception, match=r'class 9 is not in the data; classes present: 0, 1, 2'):
        _failing(WINE, label_feature='label', target={9: 10})


def test_input_with_the_provenance_feature_is_a_data_error():
    ex = example_pb2.Example.FromString(WINE[0])
    ex.features.feature['is_synthetic'].int64_list.value[:] = [0]
    with pytest.raises(Exception, match="already has feature 'is_synthetic'"):
        _failing([ex.SerializeToString()] + WINE[1:], label_feature='label')


def test_invalid_configuration_is_rejected_before_running():
    from tfx_balance.core.errors import ConfigError

    with pytest.raises(ConfigError, match='cannot be negative'):
        BalancedAugment(lambda: None, label_feature='label', target=-3)
    with pytest.raises(ConfigError, match="augmentation 'mixup' is not supported"):
        BalancedAugment(lambda: None, label_feature='label', augmentation='mixup')
    with pytest.raises(ConfigError, match='unknown image augmentation option'):
        BalancedAugment(
            lambda: None, label_feature='label', augmentation='image', options={'zoom': 2}
        )


def _bad_fn_raises(features, rng):
    raise ValueError('boom')


def _bad_fn_drops(features, rng):
    del features['row']
    return features


def _bad_fn_relabels(features, rng):
    features['label'] = features['label'] + 1
    return features


def _good_fn(features, rng):
    features['x'] = features['x'] * 0 + rng.random()
    features['tag'] = np.array(['new'], dtype=object)
    return features


@pytest.mark.parametrize(
    'fn, message',
    [
        (_bad_fn_raises, r'augment_fn raised ValueError: boom on source example [0-9a-f]{16}'),
        (_bad_fn_drops, r"wrong features on source example [0-9a-f]{16}.*missing \['row'\]"),
        (_bad_fn_relabels, r"augment_fn changed label_feature 'label' on source example"),
    ],
)
def test_augment_fn_errors_name_the_source_example(fn, message):
    with pytest.raises(Exception, match=message):
        _failing(WINE, label_feature='label', augment_fn=fn)


def test_augment_fn_output_is_used_with_provenance():
    with beam.Pipeline() as p:
        out = p | BalancedAugment(
            lambda: beam.Create(WINE), label_feature='label', augment_fn=_good_fn, seed=4
        )

        def check(records):
            synthetic = [r for r in records if _parse(r)[1]]
            assert len(synthetic) == 91
            for r in synthetic:
                f = _parse(r)[3].features.feature
                assert f['tag'].bytes_list.value == [b'new']
                assert len(set(f['x'].float_list.value)) == 1
            return len(synthetic)

        assert_that(out[RECORDS] | beam.combiners.ToList() | beam.Map(check), equal_to([91]))


def test_a_batches_source_gives_the_records_of_a_records_source(tmp_path):
    def records(**source):
        with beam.Pipeline() as p:
            out = p | BalancedAugment(
                label_feature='label', target='max', augmentation='numeric', seed=2, **source
            )
            _ = out[RECORDS] | beam.io.WriteToTFRecord(
                str(tmp_path / 'out'), shard_name_template=''
            )
        return sorted(bytes(r.numpy()) for r in tf.data.TFRecordDataset(str(tmp_path / 'out')))

    batches = [WINE[i : i + 7] for i in range(0, len(WINE), 7)]
    by_record = records(records_source=lambda: beam.Create(WINE))
    assert records(batches_source=lambda: beam.Create(batches)) == by_record
    assert len(by_record) == 3 * 59


def _nan_class_records(bad: float):
    """Issue 22: class 0 of 34 examples; class 1 of 10, two of them with ``x = bad``, and all of
    them with ``w = bad``."""
    values = [(0, float(i)) for i in range(34)] + [(1, float(i)) for i in range(8)]
    records = []
    for i, (label, x) in enumerate(values + [(1, bad), (1, bad)]):
        ex = example_pb2.Example()
        ex.features.feature['x'].float_list.value[:] = [x, 0.5 * i]
        ex.features.feature['y'].float_list.value[:] = [float(i % 5)]
        # 'w': no finite value in class 1 (copied as is there), finite in class 0.
        ex.features.feature['w'].float_list.value[:] = [float(i) if label == 0 else bad]
        ex.features.feature['label'].int64_list.value[:] = [label]
        ex.features.feature['row'].int64_list.value[:] = [i]  # the two bad examples differ
        records.append(ex.SerializeToString())
    return records


BAD_VALUES = {'nan': float('nan'), '+inf': float('inf'), '-inf': float('-inf')}


@pytest.mark.parametrize('augmentation', ['numeric', 'interpolate', 'smote'])
def test_a_non_finite_float_stays_in_its_own_example_and_its_copies_only(augmentation, tmp_path):
    cases = {name: _nan_class_records(bad) for name, bad in BAD_VALUES.items()}
    with beam.Pipeline() as p:
        for name, records in cases.items():
            out = p | f'Run[{name}]' >> BalancedAugment(
                lambda r=records: beam.Create(r),
                label_feature='label',
                target='max',
                augmentation=augmentation,
                seed=3,
            )
            _ = out[RECORDS] | f'Write[{name}]' >> beam.io.WriteToTFRecord(
                str(tmp_path / name), shard_name_template=''
            )
    for name, records in cases.items():
        sources = {
            fingerprint(key): example_pb2.Example.FromString(r).features.feature
            for r, key in zip(records, example_keys(records))
        }
        bad_sources = {
            fp for fp, f in sources.items() if not np.isfinite(f['x'].float_list.value[0])
        }
        assert len(bad_sources) == 2
        out = [bytes(r.numpy()) for r in tf.data.TFRecordDataset(str(tmp_path / name))]
        assert _counts(out) == {0: (34, 0), 1: (10, 24)}
        from_bad, moved = 0, 0
        for r in out:
            label, synthetic, source, ex = _parse(r)
            if not synthetic:
                continue
            x = np.array(ex.features.feature['x'].float_list.value, np.float32)
            y = ex.features.feature['y'].float_list.value[0]
            own = np.array(sources[source]['x'].float_list.value, np.float32)
            assert 0.0 <= y <= 4.0  # a feature without non-finite values: untouched by them
            w = ex.features.feature['w'].SerializeToString()
            assert w == sources[source]['w'].SerializeToString()  # copied as is, bit for bit
            if augmentation == 'smote':  # an example with a non-finite value is no neighbour
                partner = ex.features.feature['partner_fingerprint'].bytes_list.value[0].decode()
                assert partner not in bad_sources and partner != source
            if source in bad_sources:
                from_bad += 1
                assert x[0:1].tobytes() == own[0:1].tobytes(), name  # NaN stays NaN, inf inf
            else:
                assert np.isfinite(x[0]), (name, x)  # never poisoned by another example
                assert 0.0 <= x[0] <= 21.5  # class 1's range of finite values of 'x'
                moved += x[0] != own[0]
            assert np.isfinite(x[1]) and 0.0 <= x[1] <= 21.5  # nor by its own other value
        assert from_bad in (4, 5, 6)  # 24 copies from 10 sources: 2 or 3 each
        assert moved > 10, name  # the finite copies vary: the class's std is not poisoned
