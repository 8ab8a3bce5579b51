"""A Trainer ``run_fn`` for the cross-validation tests: a nearest-centroid classifier, fitted
exactly (no steps, no randomness) on the training files it is given.

The model serves serialized tf.Examples (``serving_default``: feature ``x``, 3 floats) and
returns softmax scores whose argmax is the nearest class centroid of the training data.
``custom_config['drop_class']`` (the baseline) leaves a class out, so it is never predicted.
It also writes ``splits.json`` (the train and eval file patterns the Trainer got) to the
model run folder, so the tests can check what each fold's model was trained on.
"""

import json
import os

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

NUM_CLASSES = 3
FEATURES = {
    'x': tf.io.FixedLenFeature([3], tf.float32),
    'label': tf.io.FixedLenFeature([1], tf.int64),
}


def read(patterns):
    files = [f for pattern in patterns for f in tf.io.gfile.glob(pattern)]
    data = tf.data.TFRecordDataset(sorted(files), compression_type='GZIP')
    parsed = [tf.io.parse_single_example(r, FEATURES) for r in data]
    x = np.stack([p['x'].numpy() for p in parsed])
    y = np.array([int(p['label'].numpy()[0]) for p in parsed])
    return x, y


def save_model(path, centroids, known):
    """argmax over classes of -|x - c|^2 = 2 c.x - |c|^2 (+ -1e9 for a class left out)."""
    import tf_keras as keras

    inputs = keras.layers.Input(shape=(3,), name='x')
    dense = keras.layers.Dense(NUM_CLASSES, activation='softmax')
    model = keras.Model(inputs, dense(inputs))
    bias = -(centroids**2).sum(axis=1) + np.where(known, 0.0, -1e9)
    dense.set_weights([(2.0 * centroids.T).astype(np.float32), bias.astype(np.float32)])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name='examples')])
    def serve(serialized):
        x = tf.io.parse_example(serialized, {'x': FEATURES['x']})['x']
        return {'outputs': model(x)}

    model.save(path, save_format='tf', signatures={'serving_default': serve})


def run_fn(fn_args):
    config = fn_args.custom_config or {}
    x, y = read(fn_args.train_files)
    known = np.array([k != config.get('drop_class') and (y == k).any() for k in range(3)])
    centroids = np.stack(
        [x[y == k].mean(axis=0) if (y == k).any() else np.zeros(3) for k in range(NUM_CLASSES)]
    )
    save_model(fn_args.serving_model_dir, centroids, known)
    tf.io.gfile.makedirs(fn_args.model_run_dir)
    with tf.io.gfile.GFile(os.path.join(fn_args.model_run_dir, 'splits.json'), 'w') as f:
        json.dump({'train': list(fn_args.train_files), 'eval': list(fn_args.eval_files)}, f)
