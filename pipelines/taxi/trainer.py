"""Trainer module of the taxi pipeline: one small Keras model, two ways to feed it.

``custom_config['input']`` selects the input function:

- ``'balanced'``: ``tfx_balance.balanced_dataset`` over BalancedInputGen's per-class layout of the
  transformed (augmented) training split: every batch holds exactly ``batch_size / 7`` examples of
  each payment type. The periodic sample lays out each span's raw training split instead, and
  gives a window of those layouts: ``balanced_dataset`` merges their plans and sends the raw
  examples through the Transform layer (they lack the transformed features).
- ``'plain'`` (the baseline): the unbalanced raw training split read with the Trainer's
  ``data_accessor``, transformed with the same Transform graph, shuffled with the same seed.

Everything else (model, optimizer, steps, batch size, seed) is identical, so the Evaluator compares
input pipelines, not models. Both models serve raw serialized tf.Examples (``serving_default``:
parse -> Transform layer -> model) and export ``transform_features`` (raw serialized tf.Examples
-> transformed features, label included), which the Evaluator runs as a preprocessing function
to get the int class id of the string label.

``serving_default`` outputs ``balanced_probabilities`` (the model's own scores: the decision the
gate's recall is measured on) and ``probabilities`` (for the balanced model, those scores
corrected to the training data's class frequencies by ``tfx_balance.with_prior_correction``;
for the baseline, its own scores again): ``custom_config['class_names']`` maps the data's
class names to score positions.
With ``fn_args.base_model`` (a Resolver's latest model, as in the periodic sample) the model
starts from that model's weights (``WARM_START_WEIGHTS``: numpy arrays every run saves beside its
SavedModel, which Keras 2 and 3 read alike) instead of fresh ones.

Self-contained on purpose: TFX installs this folder as a wheel in the Trainer step, where only
installed packages (tfx_balance, TF, TFT) can be imported.
"""

import io
import os

# Keras 2 (tf_keras) unless the environment says otherwise: TFT 1.16 works with Keras 2 only. With
# TF_USE_LEGACY_KERAS=0 (TFX 1.21), `keras` below is Keras 3 and the same code runs on it.
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import numpy as np  # noqa: E402
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


LABEL_KEY = 'payment_type'
NUM_CLASSES = 7
NUMERIC_KEYS = ('fare', 'tips', 'trip_miles', 'trip_seconds', 'dropoff_known')
# Categorical features and their number of ids (see preprocessing.py).
CATEGORICAL_KEYS = {'trip_start_hour': 24, 'company': 21}
FEATURE_KEYS = NUMERIC_KEYS + tuple(CATEGORICAL_KEYS)
# The weights a later run warm-starts from, saved in the serving model's folder (TF Serving and
# TFMA read only the SavedModel there).
WARM_START_WEIGHTS = 'warm_start_weights.npz'


def build_model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = {key: keras.layers.Input(shape=(), name=key) for key in NUMERIC_KEYS}
    inputs.update(
        {key: keras.layers.Input(shape=(), name=key, dtype='int64') for key in CATEGORICAL_KEYS}
    )
    parts = [keras.layers.Reshape((1,))(inputs[key]) for key in NUMERIC_KEYS]
    parts += [
        keras.layers.CategoryEncoding(num_tokens=n, output_mode='one_hot')(inputs[key])
        for key, n in CATEGORICAL_KEYS.items()
    ]
    hidden = keras.layers.Dense(32, activation='relu')(keras.layers.Concatenate()(parts))
    outputs = keras.layers.Dense(NUM_CLASSES, activation='softmax')(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss='sparse_categorical_crossentropy',
        metrics=['sparse_categorical_accuracy'],
    )
    return model


def _features_only(features, label):
    return {key: features[key] for key in FEATURE_KEYS}, label


def plain_dataset(files, data_accessor, tf_transform_output, batch_size, seed):
    """Raw examples -> Transform layer -> (features, label) batches, unbalanced."""
    dataset = data_accessor.tf_dataset_factory(
        files,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, shuffle_seed=seed, num_epochs=None),
        tf_transform_output.raw_metadata.schema,
    )
    layer = tf_transform_output.transform_features_layer()

    def transform(raw):
        transformed = layer(raw)
        return _features_only(transformed, transformed[LABEL_KEY])

    return dataset.map(transform)


def signatures(model, tf_transform_output) -> dict:
    """``serving_default`` (raw examples -> class probabilities) and ``transform_features``."""
    model.tft_layer = tf_transform_output.transform_features_layer()
    raw_spec = tf_transform_output.raw_feature_spec()
    serving_spec = {k: v for k, v in raw_spec.items() if k != LABEL_KEY}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name='examples')])
    def serve(serialized):
        transformed = model.tft_layer(tf.io.parse_example(serialized, serving_spec))
        return {'outputs': model({key: transformed[key] for key in FEATURE_KEYS})}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name='examples')])
    def transform_features(serialized):
        return model.tft_layer(tf.io.parse_example(serialized, raw_spec))

    return {'serving_default': serve, 'transform_features': transform_features}


def run_fn(fn_args):
    config = fn_args.custom_config or {}
    seed = int(config.get('seed', 0))
    batch_size = int(config.get('batch_size', 70))
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
    if fn_args.base_model:
        path = os.path.join(fn_args.base_model, WARM_START_WEIGHTS)
        with tf.io.gfile.GFile(path, 'rb') as f, np.load(io.BytesIO(f.read())) as saved:
            model.set_weights([saved[f'arr_{i}'] for i in range(len(saved.files))])
        print(f'warm start: weights of {fn_args.base_model}')
    model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=2)
    weights = model.get_weights()  # the model's own, before the serving signatures add layers
    served = with_prior_correction(
        signatures(model, tf_transform_output),
        fn_args.train_files if config.get('input', 'balanced') == 'balanced' else None,
        class_names=config.get('class_names'),
    )
    save_serving_model(model, fn_args.serving_model_dir, served)
    buffer = io.BytesIO()  # np.savez seeks; a GFile (gs://, s3://) does not
    np.savez(buffer, *weights)
    with tf.io.gfile.GFile(os.path.join(fn_args.serving_model_dir, WARM_START_WEIGHTS), 'wb') as f:
        f.write(buffer.getvalue())
