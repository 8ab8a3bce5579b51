"""Profile pass and plan (core/balanced_augmenter/profile.py): float statistics of non-finite values."""

import logging
import math

from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter.config import AugmentConfig
from tfx_balance.core.balanced_augmenter.profile import Profile, ProfileFn, build_plan

NAN, INF = math.nan, math.inf


def _record(label, **floats):
    ex = example_pb2.Example()
    ex.features.feature['label'].bytes_list.value[:] = [label]
    for name, values in floats.items():
        ex.features.feature[name].float_list.value[:] = values
    return ex.SerializeToString()


RECORDS = (
    [_record(b'clean', x=[float(i)], z=[1.0]) for i in range(20)]
    + [_record(b'some', x=[float(i)], z=[2.0]) for i in range(8)]
    + [_record(b'some', x=[NAN], z=[2.0]), _record(b'some', x=[NAN], z=[INF])]
    + [_record(b'none', x=[1.0], z=[v]) for v in (NAN, INF, -INF, NAN)]
)


def _plan(records, batch=7):
    """The plan of ``records``, profiled in batches of ``batch`` (as Beam would, in one process)."""
    config = AugmentConfig('label', augmentation='numeric', where="split 'train'").validate()
    fn, accumulators = ProfileFn(config.reservoir_size), {}
    for start in range(0, len(records), batch):
        for label, part in Profile(config).process(records[start : start + batch]):
            accumulators[label] = fn.add_input(
                accumulators.get(label) or fn.create_accumulator(), part
            )
    return build_plan([(k, fn.extract_output(a)) for k, a in accumulators.items()], config)


def test_plan_statistics_are_over_finite_values_and_count_the_others():
    plan = _plan(RECORDS)
    assert plan.stats[b'some']['x'].min == 0.0 and plan.stats[b'some']['x'].max == 7.0
    assert plan.stats[b'some']['x'].nan == 2
    assert (plan.stats[b'some']['z'].min, plan.stats[b'some']['z'].posinf) == (2.0, 1)
    assert plan.stats[b'some']['z'].std == 0.0
    assert 'z' not in plan.stats[b'none']  # no finite value: no statistics, copied as is
    assert plan.stats[b'none']['x'].max == 1.0
    for stats in plan.stats.values():
        for s in stats.values():
            assert all(math.isfinite(v) for v in (s.min, s.max, s.std))
    assert _plan(RECORDS[::-1], batch=3).stats == plan.stats  # any order, any batching


def test_non_finite_values_are_logged_once_per_class_with_their_counts(caplog):
    with caplog.at_level(logging.WARNING, logger='tfx_balance'):
        _plan(RECORDS)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 2, messages  # classes 'some' and 'none'; not 'clean'
    some = next(m for m in messages if "class 'some'" in m)
    none = next(m for m in messages if "class 'none'" in m)
    assert some.startswith("split 'train', class 'some': non-finite float values")
    assert "feature 'x': 2 of 10 values (2 NaN)" in some
    assert "feature 'z': 1 of 10 values (1 +inf)" in some
    assert "feature 'z': 4 of 4 values (2 NaN, 1 +inf, 1 -inf), no finite value" in none
    assert "'x'" not in none


def test_copy_computes_no_float_statistics_and_logs_nothing(caplog):
    config = AugmentConfig('label', augmentation='copy').validate()
    assert not config.needs_stats
    with caplog.at_level(logging.WARNING, logger='tfx_balance'):
        parts = list(Profile(config).process(RECORDS[20:30]))
        plan = build_plan([(label, part) for label, part in parts], config)
    assert not caplog.records
    assert plan.stats == {b'some': {}}
