"""A user ``augment_fn`` (from ``module_file``): calling it on an example, and checking its result.

``augment_fn(features: dict[str, np.ndarray], rng) -> dict[str, np.ndarray]`` gets every feature
as an array (int64, float32, or object array of bytes) and a Generator seeded from
``(seed, source fingerprint, copy index)``, and must return the same feature names, with integer,
float and bytes/str arrays for int64, float and bytes features, and the same label.
"""

from __future__ import annotations

from typing import Callable, Dict, Mapping

import numpy as np
from tensorflow.core.example import example_pb2, feature_pb2

from tfx_balance.core.errors import DataError


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
        kind = example.features.feature[name].WhichOneof('kind') or 'bytes_list'
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
