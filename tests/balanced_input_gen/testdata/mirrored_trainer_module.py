"""Trainer module of test_distribute_e2e.py: run_fn fits on balanced_dataset under
MirroredStrategy, as TFX's penguin and taxi templates do (on one device, and on its default
devices: every logical CPU), and writes the label counts the model was fed, per strategy, step
and replica."""

import json
import os

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402

from tests.support.fed_batches import fed_counts, recording_model  # noqa: E402
from tfx_balance import balanced_dataset, label_names, skip_autograph_of_keras  # noqa: E402

skip_autograph_of_keras()

LABEL = 'label'
BATCH = 6


def run_fn(fn_args):
    with tf.io.gfile.GFile(fn_args.schema_path) as f:
        schema = text_format.Parse(f.read(), schema_pb2.Schema())
    train = balanced_dataset(
        fn_args.train_files,
        label_feature=LABEL,
        batch_size=BATCH,
        data_accessor=fn_args.data_accessor,
        schema=schema,
        seed=0,
    )
    classes = len(label_names(fn_args.train_files))
    # TFX's templates build MirroredStrategy(), which takes every GPU, or else every logical
    # CPU: one replica on a machine without GPUs, two here (two logical CPUs, as two GPUs).
    strategies = {
        'one_replica': tf.distribute.MirroredStrategy(['/cpu:0']),
        'every_device': tf.distribute.MirroredStrategy(),
    }
    fed = {}
    for name, strategy in strategies.items():
        with strategy.scope():
            x = tf_keras.Input(shape=(1,), name='x')
            logits = tf_keras.layers.Dense(classes)(x)
            model = recording_model({'x': x}, logits, classes, fn_args.train_steps)
            model.compile(
                optimizer='adam',
                loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
        model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=0)
        fed[name] = {'replicas': strategy.num_replicas_in_sync, 'fed': fed_counts(model)}

    tf.io.gfile.makedirs(fn_args.model_run_dir)
    with tf.io.gfile.GFile(os.path.join(fn_args.model_run_dir, 'fed_batches.json'), 'w') as f:
        f.write(json.dumps(fed))
    tf_keras.Model({'x': x}, logits).save(fn_args.serving_model_dir, save_format='tf')
