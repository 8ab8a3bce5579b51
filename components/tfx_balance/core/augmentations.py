"""Per-example augmentations of ``tf.train.Example`` records, and provenance features.

All functions take the source example and a ``numpy`` Generator seeded from the seed and the
source fingerprint (see :mod:`tfx_balance.core.augment` for which); they never use any other
randomness.

- ``'copy'``: the source unchanged.
- ``'numeric'``: every float feature ``x`` becomes ``x + N(0, 1) * noise_scale * std``, with
  ``std`` the feature's standard deviation over all values of the class (computed in the
  pipeline), clipped to the class's ``[min, max]`` of that feature. Integer and bytes features
  are copied. :func:`jitter` makes one copy; :func:`jitter_copies` makes all the copies of a
  source at once (vectorised, written straight to serialized records), exactly as successive
  :func:`jitter` calls with one Generator would.
- ``'interpolate'`` (SMOTE-style): a partner is drawn from the class's reservoir (see
  :mod:`tfx_balance.core.augment`), ``u ~ U(0, 1)`` once per new example, and every float
  feature becomes ``x + u * (partner - x)`` (features whose length differs from the partner's
  are copied), clipped to the class's ``[min, max]``. Integer and bytes features are copied.
- a user ``augment_fn(features: dict[str, np.ndarray], rng) -> dict[str, np.ndarray]``: gets
  every feature as an array (int64, float32, or object array of bytes) and must return the same
  feature names, with integer, float and bytes/str arrays for int64, float and bytes features,
  and the same label.

Serialized records are built from their wire-format parts where that is exact and much cheaper
than parsing and re-serializing a ``tf.train.Example`` (:class:`Provenance`, :func:`jitter_copies`):
a record is one ``features`` field holding the map ``feature`` of ``name -> Feature`` entries, and
entries can be appended to it or written in key order, as protobuf's deterministic serialization
does.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import Callable, Dict, Iterable, Iterator, List, Mapping, NamedTuple

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


# Serialized records from their parts (protobuf wire format).

_ENTRY_TAG = b'\n'  # field 1, length-delimited: Example.features, Features.feature, map key
_VALUE_TAG = b'\x12'  # field 2, length-delimited: map value, Feature.float_list
# Bounds of one vectorised 'numeric' step (memory): jittered values, and bytes of copies.
_STEP_VALUES = 1 << 18
_STEP_BYTES = 1 << 24


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _delimited(tag: bytes, payload: bytes) -> bytes:
    return tag + _varint(len(payload)) + payload


def feature_key(name: str) -> bytes:
    """The bytes that start the key of feature ``name`` in every record that has it."""
    return _delimited(_ENTRY_TAG, name.encode())


def feature_entry(name: str, feature: bytes) -> bytes:
    """One serialized ``Features.feature`` entry: ``name`` -> serialized ``Feature``."""
    return _delimited(_ENTRY_TAG, feature_key(name) + _delimited(_VALUE_TAG, feature))


def int64_feature(value: int) -> bytes:
    return feature_pb2.Feature(int64_list=feature_pb2.Int64List(value=[value])).SerializeToString()


def bytes_feature(value: bytes) -> bytes:
    return _delimited(_ENTRY_TAG, _delimited(_ENTRY_TAG, value))  # Feature.bytes_list.value


def add_entries(record: bytes, entries: bytes) -> bytes | None:
    """``record`` with the serialized feature ``entries`` appended to its ``Features``, or None
    unless the record is exactly one ``features`` field (what every serializer writes)."""
    if record[:1] != _ENTRY_TAG:
        return None
    length, shift, pos = 0, 0, 1
    while pos < len(record) and pos <= 10:
        byte = record[pos]
        length |= (byte & 0x7F) << shift
        shift += 7
        pos += 1
        if byte < 0x80:
            if pos + length != len(record):
                return None
            return _ENTRY_TAG + _varint(length + len(entries)) + record[pos:] + entries
    return None


class Provenance:
    """Adds the provenance features to serialized records, as :func:`set_provenance` does.

    The features are appended to the record's ``Features``: parsed, the result is the input example
    plus ``provenance_feature`` (and ``source_feature`` on synthetic ones), and every input feature
    keeps its serialized bytes. A record that already has one of the two names, or that is not one
    ``features`` field, is parsed and re-serialized with :func:`set_provenance` instead.
    """

    def __init__(self, provenance_feature: str, source_feature: str):
        self._names = (provenance_feature, source_feature)
        self._keys = (feature_key(provenance_feature), feature_key(source_feature))
        self._one = int64_feature(1)
        self._original = feature_entry(provenance_feature, int64_feature(0))
        self._synthetic = feature_entry(provenance_feature, self._one)

    def original(self, record: bytes) -> bytes:
        """``record`` (a serialized original) with ``provenance_feature = 0``."""
        if self._keys[0] not in record:
            marked = add_entries(record, self._original)
            if marked is not None:
                return marked
        return set_provenance(example_pb2.Example.FromString(record), self._names[0], False)

    def copy(self, record: bytes, source_fingerprint: str) -> bytes:
        """An exact copy of ``record`` marked as synthetic, from source ``source_fingerprint``."""
        if self._keys[0] not in record and self._keys[1] not in record:
            entries = self._synthetic + feature_entry(
                self._names[1], bytes_feature(source_fingerprint.encode())
            )
            marked = add_entries(record, entries)
            if marked is not None:
                return marked
        provenance_feature, source_feature = self._names
        example = example_pb2.Example.FromString(record)
        return set_provenance(example, provenance_feature, True, source_feature, source_fingerprint)

    def synthetic_features(self, source_fingerprint: str) -> Dict[str, bytes]:
        """The provenance features of a synthetic example: name -> serialized ``Feature``."""
        return {
            self._names[0]: self._one,
            self._names[1]: bytes_feature(source_fingerprint.encode()),
        }


class JitterSource(NamedTuple):
    """One source of 'numeric' copies: the parsed example, its class's float statistics, the
    Generator of its noise, the number of copies, and ``extra`` features to set on every copy
    (name -> serialized ``Feature``, e.g. from :meth:`Provenance.synthetic_features`)."""

    example: example_pb2.Example
    stats: Mapping[str, FeatureStats]
    rng: np.random.Generator
    copies: int
    extra: Mapping[str, bytes]


class _Layout(NamedTuple):
    """A source's copy as a serialized template, its jittered float features in the order the
    noise is drawn, and their values."""

    template: bytes
    features: List[tuple]  # (offset of the feature's first value in template, count, stats)
    values: List[float]


@functools.lru_cache(maxsize=4096)
def _float_entry(name: str, count: int) -> bytes:
    """The entry of float feature ``name`` with ``count`` values, all zero (placeholders)."""
    return feature_entry(name, _delimited(_VALUE_TAG, _delimited(_ENTRY_TAG, bytes(4 * count))))


def _layout(source: JitterSource) -> _Layout:
    features = source.example.features.feature
    extra, stats = source.extra, source.stats
    names = sorted([*features, *(name for name in extra if name not in features)])
    pieces, jittered, values = [], [], []
    offset = 0
    for name in names:
        data = extra.get(name)
        if data is None:
            feature = features[name]
            floats = feature.float_list.value  # empty unless a float feature
            s = stats.get(name) if floats else None
            if s is not None:
                n = len(floats)
                piece = _float_entry(name, n)
                pieces.append(piece)
                offset += len(piece)
                jittered.append((offset - 4 * n, n, s))  # the values end the entry
                values.extend(floats)
                continue
            data = feature.SerializeToString(deterministic=True)
        piece = feature_entry(name, data)
        pieces.append(piece)
        offset += len(piece)
    body = b''.join(pieces)
    template = _delimited(_ENTRY_TAG, body)
    shift = len(template) - len(body)
    return _Layout(template, [(first + shift, n, s) for first, n, s in jittered], values)


def jitter_copies(
    sources: Iterable[JitterSource], noise_scale: float = DEFAULT_NOISE_SCALE
) -> Iterator[bytes]:
    """'numeric': yields the serialized copies of each source in turn (copy 0, 1, ...).

    Copy ``j`` of a source is exactly what the ``j``-th of successive calls ``jitter(copy of
    source.example, source.stats, source.rng, noise_scale)`` gives (normals ``j*m .. (j+1)*m - 1``
    of the source's Generator, ``m`` the number of float values it jitters), with the ``extra``
    features set, serialized as ``SerializeToString(deterministic=True)`` would. It depends
    neither on the number of copies nor on the other sources. Each source is parsed into a
    serialized template once; the noise, clipping and writing of the new float values run
    vectorised over many copies of many sources at a time.
    """
    step, step_values, step_bytes = [], 0, 0
    for source in sources:
        layout = _layout(source)
        m, size, left = len(layout.values), len(layout.template), source.copies
        most = max(1, min(_STEP_VALUES // max(m, 1), _STEP_BYTES // size))  # copies per step
        while left:
            n = min(left, most)
            if step and (step_values + n * m > _STEP_VALUES or step_bytes + n * size > _STEP_BYTES):
                yield from _jitter_step(step, noise_scale)
                step, step_values, step_bytes = [], 0, 0
            noise = source.rng.standard_normal(n * m) if m else None
            step.append((layout, n, noise))
            step_values += n * m
            step_bytes += n * size
            left -= n
    if step:
        yield from _jitter_step(step, noise_scale)


def _jitter_step(pieces, noise_scale: float) -> Iterator[bytes]:
    """Yields ``n`` jittered copies of each ``(layout, n, noise of the n copies)`` in ``pieces``."""
    layouts = [layout for layout, _, _ in pieces]
    copies = np.array([n for _, n, _ in pieces])
    sizes = np.repeat([len(layout.template) for layout in layouts], copies)
    ends = np.cumsum(sizes)
    starts = ends - sizes  # of each output record in the buffer
    buffer = bytearray(b''.join(layout.template * n for layout, n, _ in pieces))
    m = np.array([len(layout.values) for layout in layouts])
    if m.any():
        values = itertools.chain.from_iterable(layout.values for layout in layouts)
        x = np.array(list(values), np.float32)
        # Per value of x: its byte offset in its template, and its feature's class statistics.
        features = [f for layout in layouts for f in layout.features]
        count = np.array([n for _, n, _ in features])
        first = np.repeat([offset for offset, _, _ in features], count)
        positions = first + 4 * (np.arange(x.size) - np.repeat(np.cumsum(count) - count, count))
        std, lo, hi = (
            np.repeat([getattr(s, field) for _, _, s in features], count)
            for field in ('std', 'min', 'max')
        )
        noise = np.concatenate([z for _, _, z in pieces if z is not None])
        # Element e: value i (of x) in copy j (output record) of piece p, in the noise's order.
        elements = m * copies
        p = np.repeat(np.arange(len(pieces)), elements)
        k = np.arange(elements.sum()) - (np.cumsum(elements) - elements)[p]
        i = (np.cumsum(m) - m)[p] + k % m[p]
        j = (np.cumsum(copies) - copies)[p] + k // m[p]
        noisy = x[i] + noise * noise_scale * std[i]
        new = np.clip(noisy, lo[i], hi[i]).astype('<f4').view(np.uint8).reshape(-1, 4)
        at = (starts[j] + positions[i])[:, None] + np.arange(4)
        np.frombuffer(buffer, np.uint8)[at] = new
    data = bytes(buffer)
    for start, end in zip(starts.tolist(), ends.tolist()):
        yield data[start:end]


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
