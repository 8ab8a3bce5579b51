"""``CalibrationGate(calibration_plot=True)``: TFMA's CalibrationPlot on ``probabilities`` beside
the gate's metrics, in a real TFMA run over served-model-like outputs (both outputs read from the
examples' ``scores`` through ``ModelSpec.prediction_keys``)."""

import numpy as np
import pytest

from tests.metrics import tfma_runs
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError


def plots_of(output_path: str) -> dict:
    """``{(output_name, plot name): PlotsForSlice value}`` of the overall slice."""
    import tensorflow_model_analysis as tfma

    out = {}
    for per_slice in tfma.load_plots(output_path):
        if per_slice.slice_key.single_slice_keys:
            continue
        for entry in per_slice.plot_keys_and_values:
            if entry.value.HasField('calibration_histogram_buckets'):
                out[(entry.key.output_name, 'calibration_plot')] = entry.value
    return out


def test_calibration_plot_is_produced_for_probabilities(tmp_path_factory):
    import tensorflow_model_analysis as tfma

    from tfx_balance import balanced_eval_config
    from tfx_balance.metrics import CalibrationGate

    config = balanced_eval_config(
        'label', num_classes=3, calibration=CalibrationGate(max_ece=1.0, calibration_plot=True)
    )
    recall, calibration, plot = config.metrics_specs
    assert list(plot.output_names) == [keys.PROBABILITIES]
    assert [m.class_name for m in plot.metrics] == ['CalibrationPlot']
    assert plot.aggregate.micro_average
    del config.model_specs[:]
    config.model_specs.append(
        tfma.ModelSpec(
            label_key='label',
            prediction_keys={
                keys.PROBABILITIES: tfma_runs.SCORES,
                keys.BALANCED_PROBABILITIES: tfma_runs.SCORES,
            },
        )
    )
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 60).tolist()
    predictions = rng.dirichlet([1, 1, 1], 60).astype(np.float32)
    out = tfma_runs.output_dir(tmp_path_factory, 'calibration_plot')
    data = tfma_runs.write_examples(out + '.tfrecord', labels, predictions, [1.0] * 60)
    tfma_runs.run(config, data, out)

    plots = plots_of(out)
    assert set(plots) == {(keys.PROBABILITIES, 'calibration_plot')}
    buckets = plots[(keys.PROBABILITIES, 'calibration_plot')].calibration_histogram_buckets.buckets
    # Micro average: every (example, class) pair is one binary prediction, 60 x 3 in all, one
    # positive per example; the buckets' totals say so.
    assert sum(b.num_weighted_examples.value for b in buckets) == pytest.approx(180)
    assert sum(b.total_weighted_label.value for b in buckets) == pytest.approx(60)
    assert sum(b.total_weighted_refined_prediction.value for b in buckets) == pytest.approx(
        float(predictions.sum()), rel=1e-5
    )
    metrics = tfma_runs.metric_values(out)
    assert ('', False, False, keys.EXPECTED_CALIBRATION_ERROR) in metrics


def test_calibration_plot_needs_int_class_ids():
    from tfx_balance import balanced_eval_config
    from tfx_balance.metrics import CalibrationGate

    default = balanced_eval_config('label', num_classes=3, calibration=CalibrationGate())
    assert len(default.metrics_specs) == 2  # off by default: the specs as before
    with pytest.raises(ConfigError, match='int class'):
        balanced_eval_config(
            'label', classes=['cat', 'dog'], calibration=CalibrationGate(calibration_plot=True)
        )
