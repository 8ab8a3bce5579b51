"""Trainer module of the digits pipeline: one small Keras model, two ways to feed it.

``custom_config['input']`` selects the input function:

- ``'balanced'``: ``tfx_balance.balanced_dataset`` over BalancedInputGen's per-class layout of the
  transformed (augmented) training split: every batch holds exactly ``batch_size / 10`` examples of
  each digit.
- ``'plain'`` (the baseline): the unbalanced raw training split read with the Trainer's
  ``data_accessor``, transformed with the same Transform graph, shuffled with the same seed.

Everything else (model, optimizer, steps, batch size, seed) is identical, so the Evaluator compares
input pipelines, not models. Both models serve raw serialized tf.Examples (the transform is part of
the serving graph), so the Evaluator reads the untouched test split.

``serving_default`` outputs ``balanced_probabilities`` (the model's own scores: the decision the
gate's recall is measured on) and ``probabilities`` (for the balanced model, those scores
corrected to the training data's class frequencies by ``tfx_balance.with_prior_correction``;
for the baseline, its own scores again): ``custom_config['class_names']`` maps the data's
class names to score positions.
"""

import os

# Keras 2 (tf_keras) unless the environment says otherwise: TFT 1.16 works with Keras 2 only. With
# TF_USE_LEGACY_KERAS=0 (TFX 1.21), `keras` below is Keras 3 and the same code runs on it.
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import tensorflow as tf  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
from tfx_bsl.public import tfxio  # noqa: E402

from tfx_balance import (  # noqa: E402
    balanced_dataset,
    save_serving_model,
    skip_autograph_of_keras,
    with_prior_correction,
)

keras = tf.keras  # tf_keras or Keras 3, as TF_USE_LEGACY_KERAS says
skip_autograph_of_keras()  # the first fit of a process: ~1 s instead of tens (its docstring)


LABEL_KEY = 'label'
PIXELS_KEY = 'pixels'
NUM_CLASSES = 10


def build_model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.layers.Input(shape=(64,), name=PIXELS_KEY)
    hidden = keras.layers.Dense(32, activation='relu')(inputs)
    outputs = keras.layers.Dense(NUM_CLASSES, activation='softmax')(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss='sparse_categorical_crossentropy',
        metrics=['sparse_categorical_accuracy'],
    )
    return model


def _features_only(features, label):
    return {PIXELS_KEY: features[PIXELS_KEY]}, label


def plain_dataset(files, data_accessor, tf_transform_output, batch_size, seed):
    """Raw examples -> Transform layer -> (pixels, label) batches, unbalanced."""
    dataset = data_accessor.tf_dataset_factory(
        files,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, shuffle_seed=seed, num_epochs=None),
        tf_transform_output.raw_metadata.schema,
    )
    layer = tf_transform_output.transform_features_layer()

    def transform(raw):
        transformed = layer(raw)
        return {PIXELS_KEY: transformed[PIXELS_KEY]}, transformed[LABEL_KEY]

    return dataset.map(transform)


def serving_fn(model, tf_transform_output):
    """Serves serialized raw tf.Examples: parse -> Transform layer -> model."""
    model.tft_layer = tf_transform_output.transform_features_layer()
    raw_spec = tf_transform_output.raw_feature_spec()
    raw_spec = {k: v for k, v in raw_spec.items() if k == 'image'}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name='examples')])
    def serve(serialized):
        raw = tf.io.parse_example(serialized, raw_spec)
        transformed = model.tft_layer(raw)
        return {'outputs': model({PIXELS_KEY: transformed[PIXELS_KEY]})}

    return serve


def run_fn(fn_args):
    config = fn_args.custom_config or {}
    seed = int(config.get('seed', 0))
    batch_size = int(config.get('batch_size', 50))
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    if config.get('input', 'balanced') == 'balanced':
        train = balanced_dataset(
            fn_args.train_files,
            label_feature=LABEL_KEY,
            batch_size=batch_size,
            data_accessor=fn_args.data_accessor,
            tf_transform_output=tf_transform_output,
            seed=seed,
        ).map(_features_only)
    else:
        train = plain_dataset(
            fn_args.train_files, fn_args.data_accessor, tf_transform_output, batch_size, seed
        )
    model = build_model(seed)
    model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=2)
    signatures = with_prior_correction(
        {'serving_default': serving_fn(model, tf_transform_output)},
        fn_args.train_files if config.get('input', 'balanced') == 'balanced' else None,
        class_names=config.get('class_names'),
    )
    save_serving_model(model, fn_args.serving_model_dir, signatures)
