"""'interpolate' and 'smote' copies of many sources at once, byte for byte as one source at a time.

``interpolate_many`` yields exactly what
``floats.interpolate_copies`` yields for each source in turn, but
the sources that share a layout (the same float features with the same lengths at the same
offsets of a template of the same size, the same class statistics, the same partner-fingerprint
slot: in practice every source of a class of a fixed schema) are computed together: one
``(copies, values)`` interpolation, one scatter of the new float bytes and one of the partner
fingerprints into a ``(copies, template size)`` byte matrix. A source with 9 copies costs a
parse into a template and a few list appends, not a dozen numpy calls.

Example:
    >>> list(interpolate_many([]))
    []
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np

from tfx_balance.core.balanced_augmenter.floats import (
    FINGERPRINT_BYTES,
    InterpolateSource,
    aligned_partner,
    interpolate_copies,
    record_layout,
)

STEP_COPIES = 1 << 16


def interpolate_many(sources: Iterable[InterpolateSource]) -> Iterator[bytes]:
    """The copies of each source in turn, as ``interpolate_copies`` makes them one by one.

    Every source must give its ``draws`` (copy ``j``'s ``(partner index, u)``). Memory: the
    copies are made in steps of about ``STEP_COPIES`` (or one source's, if more)."""
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
        if not layout.values:  # no float value to move: the one-source path is as fast
            order.append((None, list(interpolate_copies(source)), 0))
            continue
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
        if group is None:
            yield from first
        else:
            yield from group.records[first : first + copies]


class _LayoutGroup:
    """The sources of one layout: their templates, values and draws, then their copies."""

    def __init__(self, layout):
        self.size = len(layout.template)
        self.slot = layout.slot
        count = [n for _, n, _ in layout.features]
        self.lo, self.hi = (
            np.repeat(np.array([getattr(s, f) for _, _, s in layout.features], np.float32), count)
            for f in ('min', 'max')
        )
        first = np.repeat([offset for offset, _, _ in layout.features], count)
        width = int(sum(count))
        self.positions = first + 4 * (np.arange(width) - np.repeat(np.cumsum(count) - count, count))
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
        copies = np.array(self.copies)
        source_of = np.repeat(np.arange(len(copies)), copies)
        x = np.array(self.values, np.float32).reshape(len(copies), self.width)[source_of]
        finite = np.isfinite(x)
        x0 = np.where(finite, x, np.float32(0))
        partner = np.stack([values for _, (values, _) in self.partners])[self.partner_rows]
        mask = np.stack([mask for _, (_, mask) in self.partners])[self.partner_rows] & finite
        gap = np.array(self.gaps, np.float32)[:, None]
        new = np.where(mask, np.clip(x0 + gap * (partner - x0), self.lo, self.hi), x)
        buffer = np.frombuffer(
            bytearray(b''.join(t * n for t, n in zip(self.templates, self.copies))), np.uint8
        ).reshape(self.rows, self.size)
        at = (self.positions[:, None] + np.arange(4)).reshape(-1)
        buffer[:, at] = new.astype('<f4').view(np.uint8).reshape(self.rows, -1)
        if self.slot is not None:
            names = np.frombuffer(b''.join(self.fingerprints), np.uint8)
            buffer[:, self.slot : self.slot + FINGERPRINT_BYTES] = names.reshape(self.rows, -1)
        data = buffer.tobytes()
        size = self.size
        self.records = [data[i * size : (i + 1) * size] for i in range(self.rows)]
