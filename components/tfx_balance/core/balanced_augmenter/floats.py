"""'numeric' and 'interpolate' (rules: docs/balanced_augmenter.md, "Augmentations").

``jitter`` and ``interpolate`` are the rules on one parsed example; ``jitter_copies`` and
``interpolate_many`` make the same copies byte for byte from serialized templates, vectorised.
"""

from __future__ import annotations

import array
import functools
import itertools
import sys
from typing import Dict, Iterable, Iterator, List, Mapping, NamedTuple, Sequence

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter.float_stats import FeatureStats
from tfx_balance.core.common.wire import ENTRY_TAG, VALUE_TAG, delimited, feature_entry, key_order

DEFAULT_NOISE_SCALE = 0.1
# Bounds of one vectorised 'numeric' step (memory): jittered values, and bytes of copies.
_STEP_VALUES = 1 << 18
_STEP_BYTES = 1 << 24
STEP_COPIES = 1 << 16  # 'interpolate' and 'smote' copies made in one step (memory)
FINGERPRINT_BYTES = 16  # a fingerprint's hex digits (tfx_balance.core.common.hashing.fingerprint)


def float_features(example: example_pb2.Example) -> Dict[str, np.ndarray]:
    """The example's non-empty float features as float32 arrays."""
    return {
        name: np.asarray(f.float_list.value, np.float32)
        for name, f in example.features.feature.items()
        if f.WhichOneof('kind') == 'float_list' and len(f.float_list.value)
    }


def pack_floats(example: example_pb2.Example) -> tuple:
    """The example's non-empty float features as ``(names, counts, float32 bytes)``, by name."""
    features = example.features.feature
    names, counts, data = [], [], array.array('f')
    for name in sorted(features):
        values = features[name].float_list.value  # empty unless a float feature
        if values:
            names.append(name)
            counts.append(len(values))
            data.extend(values)
    if sys.byteorder != 'little':
        data.byteswap()
    return tuple(names), tuple(counts), data.tobytes()


def unpack_floats(packed: tuple) -> Dict[str, np.ndarray]:
    """The ``{feature: float32 array}`` of a ``pack_floats`` result."""
    names, counts, data = packed
    values = np.frombuffer(data, '<f4').astype(np.float32)
    ends = np.cumsum(counts, dtype=np.int64)
    return {name: values[end - n : end] for name, n, end in zip(names, counts, ends.tolist())}


def _set_floats(example: example_pb2.Example, name: str, values: np.ndarray) -> None:
    example.features.feature[name].float_list.value[:] = np.asarray(values, np.float32).tolist()


def jitter(
    example: example_pb2.Example,
    stats: Mapping[str, FeatureStats],
    rng: np.random.Generator,
    noise_scale: float = DEFAULT_NOISE_SCALE,
) -> None:
    """'numeric': Gaussian jitter of the float features, in place."""
    for name, values in sorted(float_features(example).items()):
        s = stats.get(name)
        if s is None:
            continue
        noisy = values + rng.standard_normal(values.shape) * noise_scale * s.std
        new = np.clip(noisy, s.min, s.max)
        _set_floats(example, name, np.where(np.isfinite(values), new, values))


def interpolate(
    example: example_pb2.Example,
    partner: Mapping[str, np.ndarray],
    stats: Mapping[str, FeatureStats],
    rng: np.random.Generator,
) -> None:
    """'interpolate': moves the float features towards ``partner``'s, in place."""
    gap = rng.random()
    for name, values in sorted(float_features(example).items()):
        other = partner.get(name)
        s = stats.get(name)
        if other is None or s is None or other.shape != values.shape:
            continue
        both = np.isfinite(values) & np.isfinite(other)  # else the source's value is kept
        x, y = (np.where(both, v, np.float32(0)) for v in (values, other))
        mixed = np.clip(x + gap * (y - x), s.min, s.max)
        _set_floats(example, name, np.where(both, mixed, values))


class JitterSource(NamedTuple):
    """One source of 'numeric' copies; ``extra``: serialized features set on every copy."""

    example: example_pb2.Example
    stats: Mapping[str, FeatureStats]
    rng: np.random.Generator
    copies: int
    extra: Mapping[str, bytes]


class InterpolateSource(NamedTuple):
    """One source of 'interpolate' copies: ``partners`` to draw from, one Generator per copy."""

    example: example_pb2.Example
    stats: Mapping[str, FeatureStats]
    partners: Sequence[Mapping[str, np.ndarray]]
    rngs: Sequence[np.random.Generator]
    extra: Mapping[str, bytes]
    aligned: dict | None = None  # a cache of aligned partners across a class's sources
    draws: Sequence[tuple] | None = None  # copy j's (partner index, u); None: from rngs[j]
    # The feature of ``extra`` that gets each copy's partner fingerprint.
    partner_feature: str | None = None
    partner_fingerprints: Sequence[str] | None = None


class _Layout(NamedTuple):
    """A source's copy as a serialized template, its float features and partner slot offsets."""

    template: bytes
    features: List[tuple]  # (offset of the feature's first value in template, count, stats)
    values: List[float]
    names: List[str]
    slot: int | None = None


@functools.lru_cache(maxsize=4096)
def _float_entry(name: str, count: int) -> bytes:
    """The entry of float feature ``name`` with ``count`` values, all zero (placeholders)."""
    return feature_entry(name, delimited(VALUE_TAG, delimited(ENTRY_TAG, bytes(4 * count))))


def record_layout(source) -> _Layout:
    """The ``_Layout`` of a ``JitterSource`` or ``InterpolateSource``."""
    features = source.example.features.feature
    extra, stats = source.extra, source.stats
    slot_name = getattr(source, 'partner_feature', None)
    names = key_order([*features, *(name for name in extra if name not in features)])
    pieces, jittered, values, written = [], [], [], []
    offset, slot = 0, None
    for name in names:
        data = extra.get(name)
        if data is not None and name == slot_name:
            slot = offset + len(feature_entry(name, data)) - FINGERPRINT_BYTES  # value ends it
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
                written.append(name)
                continue
            data = feature.SerializeToString(deterministic=True)
        piece = feature_entry(name, data)
        pieces.append(piece)
        offset += len(piece)
    body = b''.join(pieces)
    template = delimited(ENTRY_TAG, body)
    shift = len(template) - len(body)
    features = [(first + shift, n, s) for first, n, s in jittered]
    return _Layout(template, features, values, written, None if slot is None else slot + shift)


def _value_offsets(features) -> np.ndarray:
    """The byte offset in its template of each float value of ``_Layout.features`` rows."""
    count = [n for _, n, _ in features]
    first = np.repeat([offset for offset, _, _ in features], count)
    return first + 4 * (np.arange(len(first)) - np.repeat(np.cumsum(count) - count, count))


def _per_value(features, field: str, dtype=np.float64) -> np.ndarray:
    """The class statistic ``field`` ('min', 'max', 'std') of each float value of ``features``."""
    count = [n for _, n, _ in features]
    return np.repeat(np.array([getattr(s, field) for _, _, s in features], dtype), count)


def jitter_copies(
    sources: Iterable[JitterSource], noise_scale: float = DEFAULT_NOISE_SCALE
) -> Iterator[bytes]:
    """'numeric': the serialized copies of each source in turn, as ``jitter`` makes them."""
    step, step_values, step_bytes = [], 0, 0
    for source in sources:
        layout = record_layout(source)
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
        positions = _value_offsets(features)
        std, lo, hi = (_per_value(features, field) for field in ('std', 'min', 'max'))
        noise = np.concatenate([z for _, _, z in pieces if z is not None])
        # Element e: value i (of x) in copy j (output record) of piece p, in the noise's order.
        elements = m * copies
        p = np.repeat(np.arange(len(pieces)), elements)
        k = np.arange(elements.sum()) - (np.cumsum(elements) - elements)[p]
        i = (np.cumsum(m) - m)[p] + k % m[p]
        j = (np.cumsum(copies) - copies)[p] + k // m[p]
        noisy = x[i] + noise * noise_scale * std[i]
        new = np.clip(noisy, lo[i], hi[i])
        finite = np.isfinite(x)
        if not finite.all():  # a non-finite value stays as it is
            new = np.where(finite[i], new, x[i])
        new = new.astype('<f4').view(np.uint8).reshape(-1, 4)
        at = (starts[j] + positions[i])[:, None] + np.arange(4)
        np.frombuffer(buffer, np.uint8)[at] = new
    data = bytes(buffer)
    for start, end in zip(starts.tolist(), ends.tolist()):
        yield data[start:end]


def interpolate_copies(source: InterpolateSource) -> Iterator[bytes]:
    """'interpolate': the serialized copies of one source, as ``interpolate`` makes them."""
    draws = source.draws
    if draws is None:
        draws = [(int(rng.integers(len(source.partners))), rng.random()) for rng in source.rngs]
    if draws:
        yield from _step([source._replace(draws=draws)])


def aligned_partner(layout: _Layout, partner: Mapping[str, np.ndarray], size: int):
    """The partner's values laid out as the source's ``size`` float values, and the usable ones."""
    values, mask = np.zeros(size, np.float32), np.zeros(size, bool)
    start = 0
    for name, (_, n, _) in zip(layout.names, layout.features):
        other = partner.get(name)
        if other is not None and other.shape == (n,):
            values[start : start + n] = other
            mask[start : start + n] = True
        start += n
    finite = np.isfinite(values)
    if not finite.all():  # the source keeps its own value where the partner's is not finite
        mask &= finite
        values[~finite] = 0
    return values, mask


def interpolate_many(sources: Iterable[InterpolateSource]) -> Iterator[bytes]:
    """'interpolate' and 'smote': the copies of each source (with ``draws``) in turn."""
    step, pending = [], 0
    for source in sources:
        if not source.draws:
            continue
        if step and pending + len(source.draws) > STEP_COPIES:
            yield from _step(step)
            step, pending = [], 0
        step.append(source)
        pending += len(source.draws)
    if step:
        yield from _step(step)


def _step(sources) -> Iterator[bytes]:
    """The copies of a list of sources (see ``interpolate_many``)."""
    groups, order = {}, []  # layout key -> _LayoutGroup; per source: (group, first row, copies)
    for source in sources:
        layout = record_layout(source)
        key = (
            tuple(layout.names),
            tuple((offset, n) for offset, n, _ in layout.features),
            len(layout.template),
            layout.slot,
            id(source.stats),
        )
        group = groups.get(key)
        if group is None:
            group = groups[key] = _LayoutGroup(layout)
        order.append((group, group.add(source, layout), len(source.draws)))
    for group in groups.values():
        group.run()
    for group, first, copies in order:
        yield from group.records[first : first + copies]


class _LayoutGroup:
    """The sources of one layout: their templates, values and draws, then their copies."""

    def __init__(self, layout):
        self.size = len(layout.template)
        self.slot = layout.slot
        count = [n for _, n, _ in layout.features]
        self.lo, self.hi = (_per_value(layout.features, f, np.float32) for f in ('min', 'max'))
        width = int(sum(count))
        self.positions = _value_offsets(layout.features)
        self.shape = (tuple(layout.names), tuple(count))
        self.width = width
        self.templates, self.copies, self.values = [], [], []
        self.partner_rows, self.gaps, self.fingerprints = [], [], []
        self.partners, self.partner_index = [], {}  # unique aligned partners of the group
        self.rows = 0
        self.records = None

    def add(self, source: InterpolateSource, layout) -> int:
        """Adds a source's copies; returns the row of its first copy."""
        first = self.rows
        draws = source.draws
        self.templates.append(layout.template)
        self.copies.append(len(draws))
        self.values.append(layout.values)
        cache = {} if source.aligned is None else source.aligned
        for k, u in draws:
            partner = source.partners[k]
            index = self.partner_index.get(id(partner))
            if index is None:
                key = (id(partner), self.shape)
                found = cache.get(key)
                if found is None:
                    found = cache[key] = aligned_partner(layout, partner, self.width)
                index = self.partner_index[id(partner)] = len(self.partners)
                self.partners.append((partner, found))  # keeps the partner alive: ids stay
            self.partner_rows.append(index)
            self.gaps.append(u)
        if self.slot is not None:
            names = source.partner_fingerprints
            self.fingerprints.extend(names[k].encode() for k, _ in draws)
        self.rows += len(draws)
        return first

    def run(self) -> None:
        """Makes every copy of the group (``records``, in the order added)."""
        buffer = np.frombuffer(
            bytearray(b''.join(t * n for t, n in zip(self.templates, self.copies))), np.uint8
        ).reshape(self.rows, self.size)
        if self.width:  # else no float value to move: copies of the source itself
            copies = np.array(self.copies)
            source_of = np.repeat(np.arange(len(copies)), copies)
            x = np.array(self.values, np.float32).reshape(len(copies), self.width)[source_of]
            finite = np.isfinite(x)
            x0 = np.where(finite, x, np.float32(0))
            partner = np.stack([values for _, (values, _) in self.partners])[self.partner_rows]
            mask = np.stack([mask for _, (_, mask) in self.partners])[self.partner_rows] & finite
            gap = np.array(self.gaps, np.float32)[:, None]
            new = np.where(mask, np.clip(x0 + gap * (partner - x0), self.lo, self.hi), x)
            at = (self.positions[:, None] + np.arange(4)).reshape(-1)
            buffer[:, at] = new.astype('<f4').view(np.uint8).reshape(self.rows, -1)
        if self.slot is not None:
            names = np.frombuffer(b''.join(self.fingerprints), np.uint8)
            buffer[:, self.slot : self.slot + FINGERPRINT_BYTES] = names.reshape(self.rows, -1)
        data = buffer.tobytes()
        size = self.size
        self.records = [data[i * size : (i + 1) * size] for i in range(self.rows)]
