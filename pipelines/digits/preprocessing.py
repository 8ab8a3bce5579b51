"""Transform module of the digits pipeline: PNG bytes -> 64 floats in [0, 1], label kept.

Used by ``tfx.components.Transform(module_file=...)``. ``is_synthetic`` and
``source_fingerprint`` (added by BalancedAugmenter) are provenance only and are dropped.
"""

import tensorflow as tf

IMAGE_KEY = 'image'
LABEL_KEY = 'label'
PIXELS_KEY = 'pixels'
IMAGE_SIZE = 8


def _dense(x):
    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.to_dense(x, default_value='' if x.dtype == tf.string else 0)
    return tf.reshape(x, [-1])


def decode_pixels(png_bytes):
    """Decodes a batch of PNG strings into ``[batch, 64]`` float32 pixels in [0, 1]."""

    def one(data):
        image = tf.io.decode_png(data, channels=1)
        image = tf.image.convert_image_dtype(image, tf.float32)
        return tf.reshape(image, [IMAGE_SIZE * IMAGE_SIZE])

    return tf.map_fn(one, png_bytes, fn_output_signature=tf.TensorSpec([64], tf.float32))


def preprocessing_fn(inputs):
    return {
        PIXELS_KEY: decode_pixels(_dense(inputs[IMAGE_KEY])),
        LABEL_KEY: _dense(inputs[LABEL_KEY]),
    }
