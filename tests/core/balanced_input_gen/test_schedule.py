"""The batch schedule (core/balanced_input_gen/schedule.py): exact shares, floor or ceil per batch."""

import math
from fractions import Fraction

import numpy as np
import pytest

from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.balanced_input_gen import schedule
from tfx_balance.core.common.errors import ConfigError


def _shares(weights, batch_size):
    return bi.resolve_weights(
        dict(enumerate(weights)), [str(k) for k in range(len(weights))], batch_size
    )


@pytest.mark.parametrize(
    'weights, batch_size',
    [([1, 1, 1, 1], 8), ([1, 1, 1, 1], 10), ([1, 2, 3, 4, 5, 6, 7], 64), ([0.1, 0.3, 0.6], 7)],
)
def test_schedule_gives_floor_or_ceil_per_batch_and_exact_shares_per_period(weights, batch_size):
    shares = _shares(weights, batch_size)
    rows = bi.batch_schedule(shares, batch_size)
    quotas = [batch_size * s for s in shares]
    assert (rows.sum(axis=1) == batch_size).all()
    for k, q in enumerate(quotas):
        assert set(rows[:, k]) <= {math.floor(q), math.ceil(q)}
        assert rows[:, k].sum() == q * len(rows)
    assert np.bincount(bi.choice_sequence(rows), minlength=len(shares)).tolist() == (
        rows.sum(axis=0).tolist()
    )


@pytest.mark.parametrize(
    'value, exact',
    [
        (0.1, Fraction(1, 10)),
        (1 / 3e6, Fraction(1, 3_000_000)),
        (4e-7, Fraction(1, 2_500_000)),
        (3_000_000 / (4 * 7), Fraction(750_000, 7)),
        (np.float32(0.5), Fraction(1, 2)),
        (np.float32(0.1), Fraction(1, 10)),
        (np.int64(3), Fraction(3)),
        (Fraction(1, 10**30), Fraction(1, 10**30)),
    ],
)
def test_a_float_weight_is_the_simplest_fraction_that_rounds_to_it(value, exact):
    assert schedule.exact_weight(value) == exact


def test_no_positive_weight_becomes_zero():
    for value in (5e-7, 4e-7, 1e-12, 1e-300, 5e-324):
        weight = schedule.exact_weight(value)
        assert weight > 0 and float(weight) == value
    shares = bi.resolve_weights({'a': 1, 'b': 5e-324}, ['a', 'b'], 8)
    assert shares[1] > 0 and sum(shares) == 1


def test_inverse_frequency_weights_for_million_size_classes_give_exact_shares():
    counts = {'a': 3_000_000, 'b': 2_000_000, 'c': 5_000_000, 'd': 1_000_000}
    n, k = sum(counts.values()), len(counts)
    want = (Fraction(10, 61), Fraction(15, 61), Fraction(6, 61), Fraction(30, 61))
    for weights in (
        {c: 1 / m for c, m in counts.items()},  # below 5e-7: all were 0 and rejected before
        {c: n / (k * m) for c, m in counts.items()},  # the plan's class_weights
    ):
        shares = bi.resolve_weights(weights, list(counts), 61)
        assert shares == want
        assert bi.batch_schedule(shares, 61).tolist() == [[10, 15, 6, 30]]


def test_a_tiny_share_without_a_short_period_is_drawn_at_its_exact_rate():
    # Class 1 has 1/10001 of the draws: 2 per 10,001 batches of 2, longer than the kept period.
    shares = bi.resolve_weights({0: 1, 1: 1e-4}, ['0', '1'], 2)
    assert shares == (Fraction(10_000, 10_001), Fraction(1, 10_001))
    assert schedule.schedule_period(shares, 2) is None
    rows = schedule.batch_rows(shares, 2)
    drawn = [j for j in range(1, 100_001) if next(rows)[1]]
    # Two classes: class 1 has round(j * 2 / 10001) after j batches; first at 2501, then every
    # 10001 / 2 batches: 20 in 100,000 batches (expected 19.998).
    assert drawn[:4] == [2501, 7501, 12502, 17502]
    assert len(drawn) == 20 == round(100_000 * 2 / 10_001)
    with pytest.raises(ConfigError, match='weights give a schedule that repeats only after 10001'):
        bi.batch_schedule(shares, 2)


def test_rows_without_a_period_stay_within_one_example_of_the_exact_share():
    weights = {0: 1, 1: 1 / 3e6, 2: 1 / 7e6, 3: 0.37}
    shares = bi.resolve_weights(weights, ['0', '1', '2', '3'], 16)
    assert schedule.schedule_period(shares, 16) is None
    seen = np.zeros(4, dtype=np.int64)
    for j, row in enumerate(schedule.batch_rows(shares, 16), start=1):
        assert row.sum() == 16
        for k in range(4):
            assert row[k] in (math.floor(16 * shares[k]), math.ceil(16 * shares[k]))
        seen += row
        assert all(abs(seen[k] - j * 16 * shares[k]) < 1.5 for k in range(4))
        if j == 20_000:
            break


def test_steps_to_cover_follow_the_rows_when_there_is_no_period():
    shares = bi.resolve_weights({0: 1, 1: 1e-4}, ['0', '1'], 2)
    # Class 1 (2 examples) gets its second example in batch 7501; class 0 (40) long before.
    assert schedule.batches_to_cover(shares, 2, [40, 2]) == 7501
    # Beyond a million batches: the expected number, ceil(n / (B * p)).
    assert schedule.batches_to_cover(shares, 2, [40, 1000]) == 5_000_500


@pytest.mark.parametrize(
    'weights, fragment',
    [
        ({0: float('inf')}, "weight of class '0' must be a finite number >= 0, got inf"),
        ({0: float('nan')}, "weight of class '0' must be a finite number >= 0, got nan"),
        ({0: 'many'}, "weight of class '0' must be a finite number >= 0, got 'many'"),
        ({0: True}, "weight of class '0' must be a finite number >= 0, got True"),
        ({0: 1, '0': 2}, "weights name class '0' twice"),
    ],
)
def test_bad_weights_name_the_class_and_the_value(weights, fragment):
    with pytest.raises(ConfigError, match=fragment):
        bi.resolve_weights(weights, ['0', '1'], 4)


@pytest.mark.parametrize('batch_size', [0, 2.5, None, '8'])
def test_bad_batch_size_is_named(batch_size):
    with pytest.raises(ConfigError, match='batch_size must be a positive integer'):
        bi.resolve_weights(None, ['0'], batch_size)
