"""BalancedAugment in Beam (core/balanced_augmenter/transform.py): bad input and configuration, augment_fn,
a batches source, non-finite floats."""

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to
from tensorflow.core.example import example_pb2

from tests.core.balanced_augmenter.support import WINE, class_counts, parse
from tfx_balance.core.balanced_augmenter import RECORDS, BalancedAugment
from tfx_balance.core.common.hashing import example_keys, fingerprint


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
    from tfx_balance.core.common.errors import ConfigError

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
            synthetic = [r for r in records if parse(r)[1]]
            assert len(synthetic) == 91
            for r in synthetic:
                f = parse(r)[3].features.feature
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
        assert class_counts(out) == {0: (34, 0), 1: (10, 24)}
        from_bad, moved = 0, 0
        for r in out:
            label, synthetic, source, ex = parse(r)
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
