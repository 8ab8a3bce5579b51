"""ExpectedCalibrationError and LogLoss under TFMA: the figures of tfx_balance.core.calibration,
weighted and unweighted, single- and multi-label; and the calibration gate's EvalConfig."""

import json
import re

import numpy as np
import pytest

from tests.metrics import tfma_runs
from tfx_balance.core.calibration import CalibrationCounts, log_loss_and_ece
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


def values(tmp_path_factory, name, metrics, labels, predictions, weights):
    config = tfma_runs.weighted_eval_config(metrics)
    out = tfma_runs.evaluate(tmp_path_factory, name, config, labels, predictions, weights)
    return tfma_runs.metric_values(out)


def metric(class_name, **config):
    import tensorflow_model_analysis as tfma

    return tfma.MetricConfig(
        class_name=class_name, module='tfx_balance.metrics', config=json.dumps(config)
    )


def test_single_label_figures_match_numpy_weighted_and_unweighted(tmp_path_factory):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 200).tolist()
    predictions = rng.dirichlet([1, 1, 1], 200).astype(np.float32)
    weights = rng.uniform(0.5, 2, 200)
    got = values(
        tmp_path_factory,
        'ece',
        [metric('ExpectedCalibrationError', num_classes=3), metric('LogLoss', num_classes=3)],
        labels,
        predictions,
        weights,
    )
    loss, ece = log_loss_and_ece(predictions, labels)
    assert got[('', False, False, keys.EXPECTED_CALIBRATION_ERROR)] == pytest.approx(ece, abs=1e-6)
    assert got[('', False, False, keys.LOG_LOSS)] == pytest.approx(loss, abs=1e-6)
    weighted = CalibrationCounts()
    for p, y, w in zip(predictions, labels, weights):
        weighted.add_softmax(p, y, w)
    assert got[('', True, False, keys.EXPECTED_CALIBRATION_ERROR)] == pytest.approx(
        weighted.ece(), abs=1e-6
    )
    bins = json.loads(got[('', False, False, f'{keys.EXPECTED_CALIBRATION_ERROR}/bins')])
    assert len(bins) == 15 and sum(b[0] for b in bins) == pytest.approx(1.0)


def test_multi_label_figures_pool_every_label(tmp_path_factory):
    labels = [[1, 0], [0, 0], [1, 1], [0, 1]]
    predictions = [[0.9, 0.2], [0.3, 0.1], [0.8, 0.6], [0.4, 0.7]]
    got = values(
        tmp_path_factory,
        'ece_ml',
        [metric('ExpectedCalibrationError', multi_label='multi_hot', bins=5)],
        labels,
        predictions,
        [1.0] * 4,
    )
    _, ece = log_loss_and_ece(predictions, labels, bins=5)
    assert got[('', False, False, keys.EXPECTED_CALIBRATION_ERROR)] == pytest.approx(ece, abs=1e-6)


def test_calibration_gate_reads_two_outputs_and_bounds_both_metrics():
    from tfx_balance import balanced_eval_config
    from tfx_balance.metrics import CalibrationGate

    config = balanced_eval_config(
        'label',
        num_classes=3,
        baseline_model_name='baseline',
        calibration=CalibrationGate(max_ece=0.1, max_log_loss_increase=0.02),
    )
    recall, calibration = config.metrics_specs
    assert list(recall.output_names) == [keys.BALANCED_PROBABILITIES]
    assert list(calibration.output_names) == [keys.PROBABILITIES]
    ece, loss = calibration.metrics
    assert ece.threshold.value_threshold.upper_bound.value == pytest.approx(0.1)
    assert loss.threshold.change_threshold.absolute.value == pytest.approx(0.02)
    with pytest.raises(ConfigError, match='baseline_model_name'):
        balanced_eval_config(
            'label', num_classes=3, calibration=CalibrationGate(max_ece_increase=0)
        )


@pytest.mark.parametrize(
    'field, value, message',
    [
        (
            'bins',
            0,
            'CalibrationGate bins must be an int >= 1 (the equal-width confidence bins of '
            'the ECE), got 0; e.g. bins=15 (the default).',
        ),
        ('bins', 2.5, 'CalibrationGate bins must be an int >= 1'),
        (
            'max_ece',
            float('inf'),
            'CalibrationGate max_ece must be a finite number >= 0 or None, '
            'got inf; e.g. CalibrationGate(max_ece=0.05).',
        ),
        ('max_log_loss', float('nan'), 'CalibrationGate max_log_loss must be a finite number'),
        ('max_ece_increase', -0.01, 'CalibrationGate max_ece_increase must be a finite number'),
        ('max_log_loss_increase', True, 'CalibrationGate max_log_loss_increase must be a finite'),
        (
            'output_name',
            '',
            'CalibrationGate output_name must be the name of a model output (a '
            "non-empty string), got ''; e.g. output_name='probabilities'.",
        ),
        ('decision_output_name', None, 'CalibrationGate decision_output_name must be the name'),
        (
            'calibration_plot',
            'yes',
            "CalibrationGate calibration_plot must be True or False, got 'yes'.",
        ),
    ],
)
def test_calibration_gate_checks_every_field_when_it_is_made(field, value, message):
    """Issue 53 case 6: a bad field is a ConfigError naming it when the pipeline is built, not
    in the Evaluator after training."""
    from tests.support.errors import documented_errors
    from tfx_balance.metrics import CalibrationGate

    with pytest.raises(ConfigError) as info:
        CalibrationGate(**{field: value})
    assert str(info.value).startswith(message)
    assert any(re.search(p, str(info.value)) for p in documented_errors()), str(info.value)


def test_bins_is_one_check_for_the_gate_and_the_metrics():
    from tfx_balance.metrics import CalibrationGate, ExpectedCalibrationError, LogLoss

    for make in (ExpectedCalibrationError, LogLoss):
        with pytest.raises(ConfigError) as info:
            make(num_classes=3, bins=0)
        assert str(info.value) == (
            f'{make.__name__} bins must be an int >= 1 (the equal-width confidence bins of the '
            'ECE), got 0; e.g. bins=15 (the default).'
        )
    gate = CalibrationGate(bins=np.int64(10), max_ece=np.float32(0.25))
    assert (type(gate.bins), gate.bins, type(gate.max_ece), gate.max_ece) == (int, 10, float, 0.25)
