"""Test helpers: run TFMA on examples that already carry predictions, and read its metrics back."""

import os

import numpy as np
import tensorflow as tf

from tests.support.examples import example

SCORES = 'scores'
WEIGHT = 'weight'


def write_examples(path: str, labels, predictions, weights) -> str:
    """TFRecord file of examples with 'label', 'scores' (predictions) and 'weight'."""
    with tf.io.TFRecordWriter(path) as writer:
        for label, prediction, weight in zip(labels, predictions, weights):
            values = prediction.tolist() if isinstance(prediction, np.ndarray) else prediction
            writer.write(example(label=label, scores=values, weight=float(weight)))
    return path


def run(eval_config, data_path: str, output_path: str):
    """``tfma.run_model_analysis`` without a model (predictions come from the examples)."""
    import tensorflow_model_analysis as tfma

    return tfma.run_model_analysis(
        eval_config=eval_config, data_location=data_path, output_path=output_path
    )


def evaluate(tmp_path_factory, name: str, eval_config, labels, predictions, weights) -> str:
    """Writes the examples (``write_examples``) and runs TFMA on them (``run``) in a new
    temporary folder named after ``name``; returns TFMA's output path (read it with
    ``metric_values``)."""
    out = output_dir(tmp_path_factory, name)
    run(eval_config, write_examples(out + '.tfrecord', labels, predictions, weights), out)
    return out


def weighted_eval_config(metrics):
    """An EvalConfig of ``metrics`` (``tfma.MetricConfig``s) over the examples of
    ``write_examples`` (label 'label', predictions 'scores', weight 'weight'), weighted and
    unweighted, on the overall slice."""
    import tensorflow_model_analysis as tfma

    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(label_key='label', prediction_key=SCORES, example_weight_key=WEIGHT)
        ],
        slicing_specs=[tfma.SlicingSpec()],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=metrics,
                example_weights=tfma.ExampleWeightOptions(weighted=True, unweighted=True),
            )
        ],
    )


def metric_values(output_path: str) -> dict:
    """``{(model_name, example_weighted, is_diff, metric name): value}`` of the overall slice;
    string values are decoded."""
    import tensorflow_model_analysis as tfma

    values = {}
    for per_slice in tfma.load_metrics(output_path):
        if per_slice.slice_key.single_slice_keys:
            continue
        for entry in per_slice.metric_keys_and_values:
            key, value = entry.key, entry.value
            kind = value.WhichOneof('type')
            values[(key.model_name, key.example_weighted.value, key.is_diff, key.name)] = (
                value.bytes_value.decode() if kind == 'bytes_value' else value.double_value.value
            )
    return values


def data_error_of(exception):
    """The one ``DataError`` in ``exception``'s chain of causes: TFMA wraps a combiner's error in
    a RuntimeError ('add_input failed on ...'), ours is its cause (printed in the traceback as
    'The above exception was the direct cause ...')."""
    from tfx_balance.core.common.errors import DataError

    chain = []
    while exception is not None:
        chain.append(exception)
        exception = exception.__cause__ or exception.__context__
    (ours,) = [e for e in chain if isinstance(e, DataError)]
    return ours


def numpy_recalls(labels, predicted, weights, num_classes) -> dict:
    """``{class id: recall}`` for the classes with examples: a plain numpy computation."""
    labels, predicted, weights = map(np.asarray, (labels, predicted, weights))
    recalls = {}
    for k in range(num_classes):
        of_k = labels == k
        if weights[of_k].sum() > 0:
            recalls[k] = weights[of_k & (predicted == k)].sum() / weights[of_k].sum()
    return recalls


def output_dir(tmp_path_factory, name: str) -> str:
    return str(os.path.join(tmp_path_factory.mktemp(name), 'out'))
