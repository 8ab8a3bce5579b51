"""Transform module of the taxi pipeline: impute, scale, encode; the label becomes a class id.

Used by ``tfx.components.Transform(module_file=...)``. The module is self-contained (TFX packages
this folder's files as a wheel that the Transform step installs; ``pipelines`` is not installed
there), so the class list is spelled out here; a test checks it against the domain of
``schemas/taxi.pbtxt``.

Outputs (one value per example):

- ``fare``, ``tips``, ``trip_miles``, ``trip_seconds``: ``log1p`` of the value (missing
  ``trip_seconds`` imputed with the mean of the present values), scaled with
  ``tft.scale_to_z_score``;
- ``trip_start_hour``: the hour, 0..23;
- ``company``: index in a vocabulary of the ``COMPANY_TOP_K`` most frequent companies (missing
  company = the empty string, its own token), one OOV bucket for the rest;
- ``dropoff_known``: 1.0 if the trip has a drop-off location, else 0.0;
- ``payment_type``: the label as an int64 class id, the index in the FIXED list ``CLASSES`` (the
  schema domain in sorted order), so the models' class ids do not depend on which classes the
  analyzed data happens to contain; -1 for a value outside the domain (ExampleValidator reports
  those against the schema).

``is_synthetic`` and ``source_fingerprint`` (added by BalancedAugmenter) are provenance only and
are not used (they are not in the schema).
"""

import tensorflow as tf
import tensorflow_transform as tft

LABEL_KEY = 'payment_type'
# The schema domain of payment_type, sorted: the class id is the index.
CLASSES = ('Cash', 'Credit Card', 'Dispute', 'No Charge', 'Pcard', 'Prcard', 'Unknown')
NUMERIC_KEYS = ('fare', 'tips', 'trip_miles', 'trip_seconds')
HOUR_KEY = 'trip_start_hour'
COMPANY_KEY = 'company'
COMPANY_TOP_K = 20
# Vocabulary size of the transformed company feature (top-k tokens + 1 OOV bucket).
COMPANY_TOKENS = COMPANY_TOP_K + 1
DROPOFF_KEY = 'dropoff_known'


def _dense(x, default):
    """``[batch]`` values; a missing value (sparse feature without a value) becomes ``default``."""
    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.to_dense(
            tf.SparseTensor(x.indices, x.values, [x.dense_shape[0], 1]), default_value=default
        )
    return tf.reshape(x, [-1])


def _present(x):
    """``[batch]`` float: 1.0 where the (possibly sparse) feature has a value."""
    if isinstance(x, tf.SparseTensor):
        ones = tf.SparseTensor(x.indices, tf.ones_like(x.values, tf.float32), x.dense_shape)
        return _dense(ones, 0.0)
    return tf.ones([tf.shape(x)[0]], tf.float32)


def _impute_mean(x):
    """Missing values of a numeric feature -> the mean of the present values (a TFT analyzer)."""
    if not isinstance(x, tf.SparseTensor):
        return tf.cast(tf.reshape(x, [-1]), tf.float32)
    x = tf.SparseTensor(x.indices, tf.cast(x.values, tf.float32), x.dense_shape)
    mean = tft.mean(x.values)
    return _dense(x, mean)


def class_ids(labels):
    """String labels ``[batch]`` -> int64 index in ``CLASSES`` (-1 if not in it)."""
    matches = tf.equal(tf.expand_dims(labels, 1), tf.constant(CLASSES)[tf.newaxis, :])
    ids = tf.argmax(tf.cast(matches, tf.int32), axis=1)
    return tf.where(tf.reduce_any(matches, axis=1), ids, tf.constant(-1, tf.int64))


def preprocessing_fn(inputs):
    outputs = {}
    for key in NUMERIC_KEYS:
        value = tf.maximum(_impute_mean(inputs[key]), 0.0)
        outputs[key] = tft.scale_to_z_score(tf.math.log1p(value))
    outputs[HOUR_KEY] = _dense(inputs[HOUR_KEY], tf.constant(0, tf.int64))
    outputs[COMPANY_KEY] = tft.compute_and_apply_vocabulary(
        _dense(inputs[COMPANY_KEY], ''), top_k=COMPANY_TOP_K, num_oov_buckets=1
    )
    outputs[DROPOFF_KEY] = _present(inputs['dropoff_latitude'])
    outputs[LABEL_KEY] = class_ids(_dense(inputs[LABEL_KEY], ''))
    return outputs
