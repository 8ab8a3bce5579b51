"""Trainer module for the BalancedInputGen e2e test: balanced_dataset in run_fn, tf_keras."""

import json
import os

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402
from tfx_bsl.public import tfxio  # noqa: E402

from tfx_balance import balanced_dataset, skip_autograph_of_keras, steps_per_epoch  # noqa: E402
from tfx_balance.core.balanced_input_gen import load_plans  # noqa: E402

skip_autograph_of_keras()  # the first fit of a process: ~1 s instead of tens

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
    eval_ds = fn_args.data_accessor.tf_dataset_factory(
        fn_args.eval_files,
        tfxio.TensorFlowDatasetOptions(batch_size=BATCH, label_key=LABEL),
        schema,
    )
    ((_, plan),) = load_plans(fn_args.train_files)
    check = {
        'batches': [
            np.bincount(labels.numpy().ravel(), minlength=len(plan.classes)).tolist()
            for _, labels in train.take(5)
        ],
        'steps_per_epoch': steps_per_epoch(fn_args.train_files, BATCH),
        'counts': list(plan.counts),
    }
    tf.io.gfile.makedirs(fn_args.model_run_dir)
    with tf.io.gfile.GFile(os.path.join(fn_args.model_run_dir, 'balance_check.json'), 'w') as f:
        f.write(json.dumps(check))

    x = tf_keras.Input(shape=(1,), name='x')
    logits = tf_keras.layers.Dense(
        len(plan.classes), bias_initializer=tf_keras.initializers.Constant(plan.output_bias)
    )(x)
    model = tf_keras.Model(inputs={'x': x}, outputs=logits)
    model.compile(
        optimizer='adam',
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(
        train,
        steps_per_epoch=fn_args.train_steps,
        validation_data=eval_ds,
        validation_steps=fn_args.eval_steps,
        epochs=1,
        verbose=0,
    )
    model.save(fn_args.serving_model_dir, save_format='tf')
