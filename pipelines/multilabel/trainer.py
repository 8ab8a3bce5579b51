"""Trainer module of the multi-label sample: one small Keras model with 10 sigmoid outputs, two
ways to feed it.

``custom_config['input']`` selects the input function:

- ``'balanced'``: ``tfx_balance.balanced_dataset`` over BalancedInputGen's multi-label layout of
  the training split (``multi_label='multi_hot'``): every batch is balanced over the labels, so
  the rare digits are in every batch.
- ``'plain'`` (the baseline): the raw training split read with the Trainer's ``data_accessor``,
  shuffled with the same seed: the labels as often as the data has them.

Both give ``(features, labels)`` with ``labels`` the dense int64 multi-hot ``[batch, 10]`` vector.
Everything else (model, optimizer, steps, batch size, seed) is identical, so the Evaluator compares
input pipelines, not models. There is no Transform: the tiles are stored as the model's floats,
and both models serve serialized raw tf.Examples (``pixels`` is parsed in the serving signature),
so the Evaluator reads the untouched test split.

``serving_default`` outputs ``balanced_probabilities`` (the model's own scores: the decision the
gate's recall is measured on) and ``probabilities`` (for the balanced model, each label's score
corrected from its frequency in the balanced stream to its frequency in the training data by
``tfx_balance.with_prior_correction``, each label's shift then refitted on the eval split; for the
baseline, its own scores again).
"""

import os

# Keras 2 (tf_keras) unless the environment says otherwise: TFT 1.16 works with Keras 2 only. With
# TF_USE_LEGACY_KERAS=0 (TFX 1.21), `keras` below is Keras 3 and the same code runs on it.
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402
from tfx_bsl.public import tfxio  # noqa: E402

from tfx_balance import (  # noqa: E402
    balanced_dataset,
    save_serving_model,
    skip_autograph_of_keras,
    with_prior_correction,
)

keras = tf.keras  # tf_keras or Keras 3, as TF_USE_LEGACY_KERAS says
skip_autograph_of_keras()  # the first fit of a process: ~1 s instead of tens (its docstring)


LABEL_KEY = 'labels'
PIXELS_KEY = 'pixels'
NUM_LABELS = 10
NUM_PIXELS = 256
HIDDEN_UNITS = 128


def build_model(seed: int) -> keras.Model:
    """256 pixels -> 128 ReLU units -> 10 independent sigmoid outputs (one per digit)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.layers.Input(shape=(NUM_PIXELS,), name=PIXELS_KEY)
    hidden = keras.layers.Dense(HIDDEN_UNITS, activation='relu')(inputs)
    outputs = keras.layers.Dense(NUM_LABELS, activation='sigmoid')(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='binary_crossentropy')
    return model


def read_schema(path: str) -> schema_pb2.Schema:
    with tf.io.gfile.GFile(path) as f:
        return text_format.Parse(f.read(), schema_pb2.Schema())


def _model_input(features, labels):
    return {PIXELS_KEY: features[PIXELS_KEY]}, tf.cast(labels, tf.float32)


def plain_dataset(files, data_accessor, schema, batch_size, seed):
    """Raw examples -> (pixels, multi-hot labels) batches, as often as the data has each label."""
    return data_accessor.tf_dataset_factory(
        files,
        tfxio.TensorFlowDatasetOptions(
            batch_size=batch_size, shuffle_seed=seed, num_epochs=None, label_key=LABEL_KEY
        ),
        schema,
    )


def eval_scores(model, files, data_accessor, schema, batch_size):
    """The model's scores and the multi-hot labels of the eval split (one pass, in order): what
    the prior correction is refitted on (never the test split)."""
    dataset = data_accessor.tf_dataset_factory(
        files,
        tfxio.TensorFlowDatasetOptions(
            batch_size=batch_size, shuffle=False, num_epochs=1, label_key=LABEL_KEY
        ),
        schema,
    )
    scores, labels = [], []
    for features, label in dataset.map(_model_input):
        scores.append(model(features).numpy())
        labels.append(label.numpy())
    return np.concatenate(scores), np.concatenate(labels)


def serving_fn(model):
    """Serves serialized raw tf.Examples: parse ``pixels`` -> model -> 10 label probabilities."""
    spec = {PIXELS_KEY: tf.io.FixedLenFeature([NUM_PIXELS], tf.float32)}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name='examples')])
    def serve(serialized):
        return {'outputs': model(tf.io.parse_example(serialized, spec))}

    return serve


def run_fn(fn_args):
    config = fn_args.custom_config or {}
    seed = int(config.get('seed', 0))
    batch_size = int(config.get('batch_size', 50))
    schema = read_schema(fn_args.schema_path)
    if config.get('input', 'balanced') == 'balanced':
        train = balanced_dataset(
            fn_args.train_files,
            label_feature=LABEL_KEY,
            batch_size=batch_size,
            data_accessor=fn_args.data_accessor,
            schema=schema,
            seed=seed,
        )
    else:
        train = plain_dataset(fn_args.train_files, fn_args.data_accessor, schema, batch_size, seed)
    model = build_model(seed)
    model.fit(train.map(_model_input), steps_per_epoch=fn_args.train_steps, epochs=1, verbose=2)
    balanced = config.get('input', 'balanced') == 'balanced'
    signatures = with_prior_correction(
        {'serving_default': serving_fn(model)},
        fn_args.train_files if balanced else None,
        refit_on=(
            eval_scores(model, fn_args.eval_files, fn_args.data_accessor, schema, batch_size)
            if balanced
            else None
        ),
    )
    save_serving_model(model, fn_args.serving_model_dir, signatures)
