"""Trainer module for the multi-label BalancedInputGen e2e test: balanced_dataset's multi-hot
label in run_fn, a sigmoid model, tf_keras."""

import json
import os

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402

from tfx_balance import (  # noqa: E402
    balanced_dataset,
    label_names,
    skip_autograph_of_keras,
    steps_per_epoch,
)

skip_autograph_of_keras()  # the first fit of a process: ~1 s instead of tens

LABEL = 'tags'
BATCH = 8


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
    names = label_names(fn_args.train_files)
    batches = [labels.numpy() for _, labels in train.take(20)]
    check = {
        'label_names': names,
        'shapes': sorted({tuple(b.shape) for b in batches}),
        'dtypes': sorted({b.dtype.name for b in batches}),
        'label_sums': [int(s) for s in sum(b.sum(axis=0) for b in batches)],
        'steps_per_epoch': steps_per_epoch(fn_args.train_files, BATCH),
    }
    tf.io.gfile.makedirs(fn_args.model_run_dir)
    with tf.io.gfile.GFile(os.path.join(fn_args.model_run_dir, 'balance_check.json'), 'w') as f:
        f.write(json.dumps(check))

    x = tf_keras.Input(shape=(1,), name='x')
    model = tf_keras.Model(
        inputs={'x': x}, outputs=tf_keras.layers.Dense(len(names), activation='sigmoid')(x)
    )
    model.compile(optimizer='adam', loss='binary_crossentropy')
    model.fit(train, steps_per_epoch=fn_args.train_steps, epochs=1, verbose=0)
    model.save(fn_args.serving_model_dir, save_format='tf')
