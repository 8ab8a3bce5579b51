"""Per-example augmentations of ``tf.train.Example`` records, and provenance features.

All functions take the source example and a ``numpy`` Generator already seeded from
``(seed, source fingerprint, copy index)``; they never use any other randomness.

- ``'copy'``: the source unchanged.
- ``'numeric'``: every float feature ``x`` becomes ``x + N(0, 1) * noise_scale * std``, with
  ``std`` the feature's standard deviation over all values of the class (computed in the
  pipeline), clipped to the class's ``[min, max]`` of that feature. Integer and bytes features
  are copied.
- ``'interpolate'`` (SMOTE-style): a partner is drawn from the class's reservoir (see
  :mod:`tfx_balance.core.augment`), ``u ~ U(0, 1)`` once per new example, and every float
  feature becomes ``x + u * (partner - x)`` (features whose length differs from the partner's
  are copied), clipped to the class's ``[min, max]``. Integer and bytes features are copied.
- a user ``augment_fn(features: dict[str, np.ndarray], rng) -> dict[str, np.ndarray]``: gets
  every feature as an array (int64, float32, or object array of bytes) and must return the same
  feature names, with integer, float and bytes/str arrays for int64, float and bytes features,
  and the same label.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, Mapping

import numpy as np
from tensorflow.core.example import example_pb2, feature_pb2

from tfx_balance.core.errors import DataError

AUGMENTATIONS = ('copy', 'image', 'numeric', 'interpolate')
DEFAULT_NOISE_SCALE = 0.1


@dataclasses.dataclass(frozen=True)
class FeatureStats:
    """Range and spread of one float feature over all values of a class."""

    min: float
    max: float
    std: float


def float_features(example: example_pb2.Example) -> Dict[str, np.ndarray]:
    """The example's non-empty float features as float32 arrays."""
    return {
        name: np.asarray(f.float_list.value, np.float32)
        for name, f in example.features.feature.items()
        if f.WhichOneof('kind') == 'float_list' and len(f.float_list.value)
    }


def set_floats(example: example_pb2.Example, name: str, values: np.ndarray) -> None:
    example.features.feature[name].float_list.value[:] = np.asarray(values, np.float32).tolist()


def jitter(
    example: example_pb2.Example,
    stats: Mapping[str, FeatureStats],
    rng: np.random.Generator,
    noise_scale: float = DEFAULT_NOISE_SCALE,
) -> None:
    """'numeric': Gaussian jitter of float features, in place (see module doc)."""
    for name, values in sorted(float_features(example).items()):
        s = stats.get(name)
        if s is None:
            continue
        noisy = values + rng.standard_normal(values.shape) * noise_scale * s.std
        set_floats(example, name, np.clip(noisy, s.min, s.max))


def interpolate(
    example: example_pb2.Example,
    partner: Mapping[str, np.ndarray],
    stats: Mapping[str, FeatureStats],
    rng: np.random.Generator,
) -> None:
    """'interpolate': moves float features towards ``partner``'s, in place (see module doc)."""
    gap = rng.random()
    for name, values in sorted(float_features(example).items()):
        other = partner.get(name)
        s = stats.get(name)
        if other is None or s is None or other.shape != values.shape:
            continue
        mixed = values + gap * (other - values)
        set_floats(example, name, np.clip(mixed, s.min, s.max))


def set_provenance(
    example: example_pb2.Example,
    provenance_feature: str,
    synthetic: bool,
    source_feature: str | None = None,
    source_fingerprint: str | None = None,
) -> bytes:
    """Adds ``provenance_feature`` (and for synthetic ones the source) and serializes."""
    example.features.feature[provenance_feature].int64_list.value[:] = [int(synthetic)]
    if synthetic and source_feature:
        example.features.feature[source_feature].bytes_list.value[:] = [source_fingerprint.encode()]
    return example.SerializeToString(deterministic=True)


# User augment_fn.


def to_arrays(example: example_pb2.Example) -> Dict[str, np.ndarray]:
    """Every feature as an array: int64, float32, or an object array of ``bytes``."""
    out = {}
    for name, f in example.features.feature.items():
        kind = f.WhichOneof('kind')
        if kind == 'int64_list':
            out[name] = np.asarray(f.int64_list.value, np.int64)
        elif kind == 'float_list':
            out[name] = np.asarray(f.float_list.value, np.float32)
        else:
            values = list(f.bytes_list.value) if kind else []
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            out[name] = arr
    return out


def _kind(example: example_pb2.Example, name: str) -> str | None:
    return example.features.feature[name].WhichOneof('kind')


def apply_user_fn(
    fn: Callable,
    example: example_pb2.Example,
    rng: np.random.Generator,
    label_feature: str,
    where: str,
) -> example_pb2.Example:
    """Runs a user ``augment_fn`` on ``example``; returns the new example.

    Raises ``DataError`` naming ``where`` (the source example) if the function raises, returns
    something other than a dict of the same features, changes a feature's type, or the label.
    """
    features = to_arrays(example)
    try:
        result = fn({k: v.copy() for k, v in features.items()}, rng)
    except Exception as e:  # user code: report which example it failed on
        raise DataError(
            f'augment_fn raised {type(e).__name__}: {e} on {where}. Fix augment_fn in the '
            'module_file for this example.'
        ) from e
    if not isinstance(result, Mapping):
        raise DataError(
            f'augment_fn returned {type(result).__name__} on {where}; it must return a dict '
            'of feature name -> numpy array with the same features it was given.'
        )
    missing = sorted(set(features) - set(result))
    extra = sorted(set(result) - set(features))
    if missing or extra:
        raise DataError(
            f'augment_fn returned the wrong features on {where}: missing {missing}, '
            f'unexpected {extra}. Return exactly the features it was given.'
        )
    out = example_pb2.Example()
    for name in sorted(result):
        kind = _kind(example, name) or 'bytes_list'
        out.features.feature[name].CopyFrom(_to_feature(result[name], kind, name, where))
    if to_arrays(out)[label_feature].tolist() != features[label_feature].tolist():
        raise DataError(
            f"augment_fn changed label_feature '{label_feature}' on {where}; augmented "
            'examples must keep their class. Leave the label unchanged.'
        )
    return out


def _to_feature(value, kind: str, name: str, where: str) -> feature_pb2.Feature:
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    arr = arr.reshape(-1)
    feature = feature_pb2.Feature()
    ok = True
    if kind == 'int64_list':
        ok = arr.size == 0 or np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool
        if ok:
            feature.int64_list.value[:] = arr.astype(np.int64).tolist()
    elif kind == 'float_list':
        ok = arr.size == 0 or np.issubdtype(arr.dtype, np.number)
        if ok:
            feature.float_list.value[:] = arr.astype(np.float32).tolist()
    else:
        values = arr.tolist()
        ok = all(isinstance(v, (bytes, str)) for v in values)
        if ok:
            feature.bytes_list.value[:] = [v.encode() if isinstance(v, str) else v for v in values]
    if not ok:
        expected = {'int64_list': 'integer', 'float_list': 'float', 'bytes_list': 'bytes/str'}
        raise DataError(
            f"augment_fn returned feature '{name}' as a {arr.dtype} array on {where}; the "
            f'source feature is {kind}, so return a {expected[kind]} array.'
        )
    return feature
