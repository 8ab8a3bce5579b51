"""A user ``augment_fn`` (from ``module_file``): calling it on an example, and checking its result.

Contract: docs/balanced_augmenter.md, "Your own augmentation". ``UserFnSource`` makes the
copies of one source, byte for byte as the rule ``apply_user_fn`` would, from one parse of it.
"""

from __future__ import annotations

import functools
from typing import Callable, Dict, Mapping

import numpy as np
from tensorflow.core.example import example_pb2, feature_pb2

from tfx_balance.core.balanced_augmenter.provenance import Provenance
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.wire import ENTRY_TAG, VALUE_TAG, delimited, feature_entry, key_order

_FLOAT, _INT64, _BYTES = 'float_list', 'int64_list', 'bytes_list'
_EXPECTED = {_INT64: 'integer', _FLOAT: 'float', _BYTES: 'bytes/str'}
_F4 = np.dtype('<f4')  # float values on the wire


def to_arrays(example: example_pb2.Example) -> Dict[str, np.ndarray]:
    """Every feature as an int64, float32 or object (``bytes``) array, in name order."""
    out = {}
    features = example.features.feature
    for name in sorted(features):
        f = features[name]
        kind = f.WhichOneof('kind')
        if kind == 'int64_list':
            out[name] = np.array(f.int64_list.value[:], np.int64)  # from a list: much faster
        elif kind == 'float_list':
            out[name] = np.array(f.float_list.value[:], np.float32)
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
    keep=(),
) -> example_pb2.Example:
    """Runs a user ``augment_fn`` on ``example``; returns the new example (with the source's
    ``keep`` features). A ``DataError`` naming ``where`` if the result is not a valid copy."""
    features = to_arrays(example)
    result = _call(fn, features, rng, where, keep)
    return _checked_example(example, features, result, label_feature, where)


def _call(fn: Callable, features: Mapping[str, np.ndarray], rng, where: str, keep=()):
    """``fn`` on a copy of ``features``, with the source's ``keep`` features in its result."""
    try:
        result = fn({k: v.copy() for k, v in features.items()}, rng)
    except Exception as e:  # user code: report which example it failed on
        raise DataError(
            f'augment_fn raised {type(e).__name__}: {e} on {where}. Fix augment_fn in the '
            'module_file for this example.'
        ) from e
    if keep and type(result) is dict:
        result.update({name: features[name] for name in keep if name in result})
    return result


def _checked_example(
    example: example_pb2.Example,
    features: Mapping[str, np.ndarray],
    result,
    label_feature: str,
    where: str,
) -> example_pb2.Example:
    """The new example of ``augment_fn``'s ``result``, checked as ``apply_user_fn`` says."""
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


def _accepts(arr: np.ndarray, kind: str) -> bool:
    """Whether a flat array is a valid value of a feature of ``kind``."""
    if kind == _INT64:
        return arr.size == 0 or np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool
    if kind == _FLOAT:
        return arr.size == 0 or np.issubdtype(arr.dtype, np.number)
    return all(isinstance(v, (bytes, str)) for v in arr.tolist())


def _to_feature(value, kind: str, name: str, where: str) -> feature_pb2.Feature:
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    arr = arr.reshape(-1)
    if not _accepts(arr, kind):
        raise DataError(
            f"augment_fn returned feature '{name}' as a {arr.dtype} array on {where}; the "
            f'source feature is {kind}, so return a {_EXPECTED[kind]} array.'
        )
    feature = feature_pb2.Feature()
    if kind == _INT64:
        feature.int64_list.value[:] = arr.astype(np.int64).tolist()
    elif kind == _FLOAT:
        feature.float_list.value[:] = arr.astype(np.float32).tolist()
    else:
        values = arr.tolist()
        feature.bytes_list.value[:] = [v.encode() if isinstance(v, str) else v for v in values]
    return feature


@functools.lru_cache(maxsize=4096)
def _float_head(name: str, count: int) -> bytes:
    """The serialized entry of float feature ``name`` with ``count`` values, up to the values."""
    values = bytes(4 * count)
    return feature_entry(name, delimited(VALUE_TAG, delimited(ENTRY_TAG, values)))[: -len(values)]


class UserFnSource:
    """The copies of one source by a user ``augment_fn``: ``copy(fn, rng)`` gives exactly
    ``provenance.synthetic(apply_user_fn(fn, example, rng, label_feature, where), fingerprint)``.

    Example:
        >>> example = example_pb2.Example()
        >>> example.features.feature['x'].float_list.value[:] = [1.0, 2.0]
        >>> example.features.feature['label'].int64_list.value[:] = [3]
        >>> source = UserFnSource(example, 'label', 'source example f00d',
        ...                       Provenance('is_synthetic', 'source'), 'f00d')
        >>> def augment_fn(features, rng):
        ...     features['x'] = features['x'] + rng.normal(size=2).astype(np.float32)
        ...     return features
        >>> record = source.copy(augment_fn, np.random.default_rng(0))
        >>> sorted(example_pb2.Example.FromString(record).features.feature)
        ['is_synthetic', 'label', 'source', 'x']
    """

    def __init__(
        self,
        example: example_pb2.Example,
        label_feature: str,
        where: str,
        provenance: Provenance,
        fingerprint: str,
        keep=(),
    ):
        self._example, self._label, self._where = example, label_feature, where
        self._keep = tuple(keep)
        self._provenance, self._fingerprint = provenance, fingerprint
        self._features = features = to_arrays(example)
        self._names = frozenset(features)
        extra = provenance.synthetic_features(fingerprint)
        # The fast path writes provenance as extra entries: not over a feature of the source.
        label = features.get(label_feature)
        self._fast = (
            label is not None
            and not self._names.intersection(extra)
            and not (label.dtype == np.float32 and np.isnan(label).any())  # never equal itself
        )
        self._layout = []  # per name in order: (name, kind, count, key, entry, head)
        for name in key_order([*features, *extra]) if self._fast else ():
            if name in extra:
                self._layout.append((name, None, 0, None, feature_entry(name, extra[name]), None))
                continue
            values = features[name]
            kind = example.features.feature[name].WhichOneof('kind') or _BYTES
            key, head = values.tobytes(), None
            if kind == _FLOAT and values.size:
                key = values.astype(_F4).tobytes()
                head = _float_head(name, values.size)
                entry = head + key
            else:
                data = _to_feature(values, kind, name, where).SerializeToString(deterministic=True)
                entry = feature_entry(name, data)
                if kind == _BYTES:
                    key = values.tolist()
            self._layout.append((name, kind, values.size, key, entry, head))

    def copy(self, fn: Callable, rng: np.random.Generator) -> bytes:
        """The serialized copy that ``fn`` makes with ``rng``."""
        result = _call(fn, self._features, rng, self._where, self._keep)
        if self._fast and type(result) is dict and result.keys() == self._names:
            try:
                record = self._record(result)
            except Exception:  # a value numpy cannot read: the rule's path says what it is
                record = None
            if record is not None:
                return record
        example = _checked_example(self._example, self._features, result, self._label, self._where)
        return self._provenance.synthetic(example, self._fingerprint)

    def _record(self, result: dict) -> bytes | None:
        """The record of ``result`` from the source's entries, or None: the rule's path decides."""
        parts, changed = [], []
        for name, kind, count, key, entry, head in self._layout:
            if kind is None:  # a provenance feature
                parts.append(entry)
                continue
            value = result[name]
            arr = value if type(value) is np.ndarray else np.asarray(value)
            if arr.size == count:
                if kind == _FLOAT:
                    if arr.dtype.kind in 'fiu':
                        data = (arr if arr.dtype == _F4 else arr.astype(_F4)).tobytes()
                        if data == key:
                            parts.append(entry)
                            continue
                        if head is not None and name != self._label:
                            parts.append(head + data)
                            changed.append(data)
                            continue
                elif kind == _INT64:
                    if arr.dtype == np.int64 and arr.tobytes() == key:
                        parts.append(entry)
                        continue
                elif arr.dtype == object:
                    values = arr.reshape(-1).tolist()
                    if values == key and all(type(v) is bytes for v in values):
                        parts.append(entry)
                        continue
            # Another length, or new int64 or bytes values: encoded as the rule encodes them.
            if name == self._label or not _accepts(arr.reshape(-1), kind):
                return None
            data = _to_feature(arr, kind, name, self._where).SerializeToString(deterministic=True)
            parts.append(feature_entry(name, data))
        # The rule stores each float through a Python float: a signalling NaN comes out quiet.
        if changed and np.isnan(np.frombuffer(b''.join(changed), '<f4')).any():
            return None
        return delimited(ENTRY_TAG, b''.join(parts))
