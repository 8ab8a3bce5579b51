"""core/cross_validation: fold names, per-metric estimates over folds, and the gate's rule."""

import math
import re
import statistics

import pytest

from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.cross_validation import (
    Threshold,
    aggregate,
    check_gate_on,
    estimate,
    fold_names,
    gate,
    parse_thresholds,
    t_quantile,
    training_folds,
)

# Student's t quantiles t(0.975, df) from the published table (e.g. NIST/SEMATECH 1.3.6.7.2).
T_975 = {1: 12.706, 2: 4.303, 4: 2.776, 9: 2.262, 30: 2.042}


def documented(message: str) -> bool:
    from tests.support.errors import documented_errors

    return any(re.search(p, message) for p in documented_errors())


def test_int_folds_are_fold_0_to_k_minus_1_and_each_trains_on_the_others():
    assert fold_names(3) == ['fold-0', 'fold-1', 'fold-2']
    assert fold_names(['a', 'b']) == ['a', 'b']
    names = fold_names(5)
    for held_out in names:
        train = training_folds(names, held_out)
        assert held_out not in train and sorted(train + [held_out]) == sorted(names)


@pytest.mark.parametrize(
    'folds, match',
    [
        (1, 'folds is 1; it must be 2 to 100'),
        (101, 'folds is 101; it must be 2 to 100'),  # the one fold limit, as the splitter's
        (['a'], 'folds gives 1 fold'),
        ([f'f{i}' for i in range(101)], 'folds gives 101 fold'),
        (True, 'folds must be the number of folds'),
        ('fold-0', 'folds must be the number of folds'),
        (['a', 'a'], 'folds must be distinct split names'),
        (['a', 'b c'], 'folds must be distinct split names'),
    ],
)
def test_bad_folds_are_config_errors_with_a_documented_fix(folds, match):
    with pytest.raises(ConfigError, match=match) as info:
        fold_names(folds)
    assert documented(str(info.value)), str(info.value)


def test_t_quantiles_match_the_published_table():
    for df, value in T_975.items():
        assert t_quantile(0.975, df) == pytest.approx(value, abs=5e-4)


def test_estimate_is_mean_sample_std_and_t_interval_of_the_present_values():
    values = [0.61, 0.47, None, 0.55, float('nan'), 0.52]
    est = estimate(values)
    present = [0.61, 0.47, 0.55, 0.52]
    assert est.values == (0.61, 0.47, None, 0.55, None, 0.52)
    assert est.n == 4
    assert est.mean == pytest.approx(statistics.mean(present), abs=1e-15)
    std = math.sqrt(sum((v - 0.5375) ** 2 for v in present) / 3)  # ddof=1, by hand
    assert est.std == pytest.approx(std, abs=1e-15)
    half = t_quantile(0.975, 3) * std / math.sqrt(4)
    assert (est.low, est.high) == pytest.approx((0.5375 - half, 0.5375 + half), abs=1e-15)
    assert est.to_json() == {
        'values': [0.61, 0.47, None, 0.55, None, 0.52],
        'n': 4,
        'mean': est.mean,
        'std': est.std,
        'interval': [est.low, est.high],
    }


def test_estimate_of_one_or_no_value_has_no_std_or_interval():
    one = estimate([None, 0.4])
    assert (one.n, one.mean, one.std, one.low, one.high) == (1, 0.4, None, None, None)
    assert estimate([None, None]).mean is None
    assert estimate([0.7, 0.7, 0.7]).std == 0.0 and estimate([0.7, 0.7]).low == 0.7


def test_aggregate_covers_every_metric_of_any_fold_with_none_where_a_fold_lacks_it():
    folds = [{'recall/b': 1.0, 'macro_recall': 0.5}, {'macro_recall': 0.7}, {'macro_recall': 0.6}]
    result = aggregate(folds)
    assert list(result) == ['macro_recall', 'recall/b']
    assert result['recall/b'].values == (1.0, None, None) and result['recall/b'].n == 1
    assert result['macro_recall'].mean == pytest.approx(0.6)


def test_thresholds_are_parsed_sorted_and_bad_ones_are_named():
    parsed = parse_thresholds(
        {'macro_recall': {'min_change': 0.05, 'lower_bound': 0.4}, 'loss': {'upper_bound': 2}}
    )
    assert parsed == (
        Threshold('loss', 'upper_bound', 2.0),
        Threshold('macro_recall', 'lower_bound', 0.4),
        Threshold('macro_recall', 'min_change', 0.05),
    )
    assert [t.rule() for t in parsed] == [
        'loss <= 2',
        'macro_recall >= 0.4',
        'macro_recall - baseline >= 0.05',
    ]
    assert parse_thresholds(None) == ()
    for bad, match in [
        ({'macro_recall': {'minimum': 0.4}}, "unknown kind 'minimum'"),
        ({'macro_recall': {'lower_bound': float('nan')}}, 'must be a finite number'),
        ({'macro_recall': {'lower_bound': True}}, 'must be a finite number'),
        ({'macro_recall': 0.4}, r"thresholds\['macro_recall'\] must map a metric name"),
        ([('macro_recall', 0.4)], 'thresholds must be a dict'),
    ]:
        with pytest.raises(ConfigError, match=match) as info:
            parse_thresholds(bad)
        assert documented(str(info.value)), str(info.value)
    with pytest.raises(ConfigError, match="gate_on must be 'mean'") as info:
        check_gate_on('median')
    assert documented(str(info.value))


CANDIDATE = aggregate([{'macro_recall': v, 'loss': w} for v, w in [(0.5, 1.0), (0.7, 1.4)]])
DIFFERENCES = aggregate([{'macro_recall': v} for v in (0.02, 0.10)])  # mean 0.06


def test_gate_on_the_mean_passes_at_the_threshold_and_fails_below():
    at = gate(CANDIDATE, DIFFERENCES, parse_thresholds({'macro_recall': {'lower_bound': 0.6}}))
    assert at.blessed and at.checks[0].value == pytest.approx(0.6)
    above = parse_thresholds({'macro_recall': {'lower_bound': 0.6000001}})
    assert not gate(CANDIDATE, DIFFERENCES, above).blessed
    change = parse_thresholds({'macro_recall': {'min_change': 0.05}, 'loss': {'upper_bound': 1.2}})
    result = gate(CANDIDATE, DIFFERENCES, change)
    assert result.blessed
    assert [(c.rule, c.value) for c in result.checks] == [
        ('loss <= 1.2', pytest.approx(1.2)),
        ('macro_recall - baseline >= 0.05', pytest.approx(0.06)),
    ]


def test_gate_on_the_interval_compares_the_end_on_the_thresholds_side():
    thresholds = parse_thresholds(
        {'macro_recall': {'lower_bound': 0.0, 'min_change': -1.0}, 'loss': {'upper_bound': 5.0}}
    )
    result = gate(CANDIDATE, DIFFERENCES, thresholds, gate_on='interval')
    values = {c.rule: c.value for c in result.checks}
    assert values['macro_recall >= 0'] == CANDIDATE['macro_recall'].low
    assert values['loss <= 5'] == CANDIDATE['loss'].high
    assert values['macro_recall - baseline >= -1'] == DIFFERENCES['macro_recall'].low
    # 2 folds: t(0.975, 1) = 12.706 makes the intervals wide. loss: 1.2 + 12.706 * 0.2 = 3.74
    # <= 5 passes; macro_recall: 0.6 - 12.706 * 0.1 = -0.67 < 0 fails; its difference with the
    # baseline: 0.06 - 12.706 * 0.04 = -0.45 >= -1 passes.
    assert CANDIDATE['macro_recall'].low == pytest.approx(0.6 - 12.7062 * 0.1, abs=1e-4)
    assert CANDIDATE['loss'].high == pytest.approx(1.2 + 12.7062 * 0.2, abs=1e-4)
    assert [c.passed for c in result.checks] == [True, False, True]
    assert not result.blessed


def test_an_interval_gate_fails_a_metric_only_one_fold_has():
    one = aggregate([{'recall/b': 0.9}, {}])
    result = gate(one, {}, parse_thresholds({'recall/b': {'lower_bound': 0.1}}), 'interval')
    assert not result.blessed and result.checks[0].value is None
    assert 'FAIL  recall/b >= 0.1: lower end of the 95% interval = n/a (1 fold(s))' in (
        result.message()
    )
    assert gate(one, {}, parse_thresholds({'recall/b': {'lower_bound': 0.1}})).blessed


def test_no_thresholds_blesses_nothing():
    result = gate(CANDIDATE, DIFFERENCES, ())
    assert not result.blessed and 'no thresholds' in result.message()


def test_a_threshold_on_a_missing_metric_or_baseline_is_a_documented_data_error():
    with pytest.raises(DataError, match="names metric 'macro_recal', which no fold") as info:
        gate(CANDIDATE, DIFFERENCES, parse_thresholds({'macro_recal': {'lower_bound': 0.5}}))
    assert 'metrics present: loss, macro_recall' in str(info.value)
    assert documented(str(info.value))
    with pytest.raises(DataError, match='compares with a baseline model, but the evaluations') as e:
        gate(CANDIDATE, {}, parse_thresholds({'macro_recall': {'min_change': 0.0}}))
    assert documented(str(e.value))
