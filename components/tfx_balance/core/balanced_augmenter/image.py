"""Seeded image augmentation of encoded PNG/JPEG images, vectorised with TensorFlow ops.

Rules: docs/balanced_augmenter.md, "Augmentations". ``draw_params`` draws one image's parameters
from its seeded Generator; ``augment_images`` applies them, one TF call per size and format.

Example:
    >>> png = encode(np.zeros((8, 8, 1), np.uint8), 'png')
    >>> params = draw_params(np.random.default_rng(0), ImageOptions())
    >>> out = augment_images([png], [params])
    >>> image_format(out[0])
    'png'
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import List, Mapping, Sequence

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.common.errors import ConfigError, DataError


@dataclasses.dataclass(frozen=True)
class ImageOptions:
    """Ranges of the random image transforms."""

    flip: bool = True
    max_rotation_degrees: float = 10.0
    max_shift_fraction: float = 0.1
    brightness: float = 0.1
    contrast: float = 0.2
    jpeg_quality: int = 95

    def __post_init__(self):
        if not isinstance(self.flip, bool):
            raise ConfigError(
                f"augmentation_options 'flip' must be True or False, got {self.flip!r}."
            )
        for name in ('max_rotation_degrees', 'max_shift_fraction', 'brightness', 'contrast'):
            check_finite_option(name, getattr(self, name), getattr(ImageOptions, name))
        quality = self.jpeg_quality
        if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
            raise ConfigError(
                f"augmentation_options 'jpeg_quality' must be an int 1 to 100, got {quality!r}; "
                "e.g. {'jpeg_quality': 95} (the default)."
            )

    @classmethod
    def from_dict(cls, options: Mapping | None) -> ImageOptions:
        options = dict(options or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(
                f'unknown image augmentation option(s) {unknown}; known options: {sorted(known)}.'
            )
        return cls(**options)


def check_finite_option(name: str, value, default: float) -> None:
    """Raises ``ConfigError`` unless ``augmentation_options[name]`` is a finite number >= 0."""
    number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0:
        raise ConfigError(
            f'augmentation_options {name!r} must be a finite number >= 0, got {value!r}; e.g. '
            f'{{{name!r}: {default!r}}} (the default).'
        )


def image_format(data: bytes) -> str | None:
    """'png' or 'jpeg' from the file signature, else None."""
    if data[:8] == b'\x89PNG\r\n\x1a\n':
        return 'png'
    if data[:3] == b'\xff\xd8\xff':
        return 'jpeg'
    return None


_KINDS = {
    'bytes_list': 'a bytes feature',
    'float_list': 'a float feature',
    'int64_list': 'an int64 feature',
    None: 'a feature of no kind',
}


def encoded_image(example: example_pb2.Example, image_feature: str, where: str) -> bytes:
    """The PNG or JPEG bytes of ``image_feature``, else a ``DataError`` naming ``where``."""
    feature = example.features.feature.get(image_feature)
    kind = feature.WhichOneof('kind') if feature is not None else None
    values = getattr(feature, kind).value if kind else []
    if kind != 'bytes_list' or len(values) != 1:
        if feature is None:
            found = 'missing'
        else:
            found = f'{_KINDS[kind]} with {len(values)} value' + ('' if len(values) == 1 else 's')
        names = sorted(example.features.feature)
        present = ', '.join(names[:12]) + (', ...' if len(names) > 12 else '')
        raise DataError(
            f"image_feature '{image_feature}' is {found} on {where}; it must be a bytes feature "
            f'with one PNG or JPEG image. Features present: {present}. Set image_feature to the '
            'encoded image feature.'
        )
    if image_format(values[0]) is None:
        raise DataError(
            f"image_feature '{image_feature}' on {where} is not a PNG or JPEG image (starts "
            f'with {values[0][:8]!r}). Encode images as PNG or JPEG.'
        )
    return values[0]


def draw_params(rng: np.random.Generator, options: ImageOptions) -> dict:
    """Draws one image's transform parameters (fixed draw order: do not reorder)."""
    flip = rng.random() < 0.5
    angle = rng.uniform(-1.0, 1.0) * options.max_rotation_degrees
    shift_x = rng.uniform(-1.0, 1.0) * options.max_shift_fraction
    shift_y = rng.uniform(-1.0, 1.0) * options.max_shift_fraction
    brightness = rng.uniform(-1.0, 1.0) * options.brightness
    contrast = 1.0 + rng.uniform(-1.0, 1.0) * options.contrast
    return {
        'flip': bool(flip and options.flip),
        'angle': float(angle),
        'shift_x': float(shift_x),
        'shift_y': float(shift_y),
        'brightness': float(brightness),
        'contrast': float(contrast),
        'jpeg_quality': int(options.jpeg_quality),
    }


def _transform_row(params: dict, height: int, width: int) -> List[float]:
    """Projective transform mapping output pixel (x, y) to the input pixel it samples."""
    theta = math.radians(params['angle'])
    cos, sin = math.cos(theta), math.sin(theta)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    tx, ty = params['shift_x'] * width, params['shift_y'] * height
    ox, oy = cx + tx, cy + ty  # input = R^-1 (output - c - t) + c
    return [cos, sin, cx - cos * ox - sin * oy, -sin, cos, cy + sin * ox - cos * oy, 0.0, 0.0]


def decode(data: bytes):
    """Decodes PNG/JPEG bytes to a uint8 ``[H, W, C]`` array (raises on undecodable data)."""
    import tensorflow as tf

    return tf.io.decode_image(data, channels=0, dtype=tf.uint8, expand_animations=False).numpy()


def encode(image: np.ndarray, fmt: str, quality: int = 95) -> bytes:
    """Encodes a uint8 ``[H, W, C]`` array as PNG or JPEG."""
    import tensorflow as tf

    if fmt == 'png':
        return tf.io.encode_png(image).numpy()
    return tf.io.encode_jpeg(image, quality=quality).numpy()


def transform_batch(images: np.ndarray, params: Sequence[dict]) -> np.ndarray:
    """Applies the transforms to a uint8 ``[B, H, W, C]`` batch at once; returns uint8."""
    import tensorflow as tf

    batch, height, width, channels = images.shape
    x = tf.convert_to_tensor(images, dtype=tf.float32)
    flips = tf.constant([p['flip'] for p in params])
    x = tf.where(flips[:, None, None, None], tf.reverse(x, axis=[2]), x)
    transforms = tf.constant([_transform_row(p, height, width) for p in params], tf.float32)
    x = tf.raw_ops.ImageProjectiveTransformV3(
        images=x,
        transforms=transforms,
        output_shape=tf.constant([height, width], tf.int32),
        fill_value=tf.constant(0.0),
        interpolation='BILINEAR',
        fill_mode='REFLECT',
    )
    contrast = tf.constant([p['contrast'] for p in params], tf.float32)[:, None, None, None]
    bright = tf.constant([p['brightness'] * 255.0 for p in params], tf.float32)
    mean = tf.reduce_mean(x, axis=[1, 2], keepdims=True)
    x = (x - mean) * contrast + mean + bright[:, None, None, None]
    x = tf.clip_by_value(tf.round(x), 0.0, 255.0)
    return tf.cast(x, tf.uint8).numpy()


def augment_images(
    encoded: Sequence[bytes], params: Sequence[dict], decoded: Sequence | None = None
) -> List[bytes]:
    """Augments encoded images (``decoded``: their arrays, if already decoded), re-encoded."""
    images = list(decoded) if decoded is not None else [decode(b) for b in encoded]
    groups = {}
    for i, (data, image) in enumerate(zip(encoded, images)):
        groups.setdefault((image_format(data), image.shape), []).append(i)
    out: List[bytes | None] = [None] * len(images)
    for (fmt, _), members in groups.items():
        batch = np.stack([images[i] for i in members])
        result = transform_batch(batch, [params[i] for i in members])
        for row, i in zip(result, members):
            out[i] = encode(row, fmt or 'png', params[i].get('jpeg_quality', 95))
    return out
