"""A user augment_fn for tests: mirrors the PNG image left-right, everything else unchanged."""

import numpy as np
import tensorflow as tf


def augment_fn(features, rng):
    del rng  # deterministic on purpose: the test recomputes the expected image
    image = tf.io.decode_png(features['image'][0])
    features['image'] = np.array([tf.io.encode_png(image[:, ::-1, :]).numpy()], dtype=object)
    return features
