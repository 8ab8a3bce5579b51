"""The spans section's generator: fraud-like users recurring over daily spans, late duplicates.

Users have a fixed label (``MINORITY`` of them 'fraud', the rest 'ok'). On each span (a day) a
user is present with probability ``PRESENT`` and then has 1-``MOST`` examples; ``LATE`` of a
span's examples are also delivered again in the next span (late duplicates: the same bytes).
``minority_factor`` multiplies the examples of a present fraud user (2: about twice the fraud
share, the drift table's shifted span). ``one_off`` adds users seen on one span only (the scale
job: 1M examples per span around 100k recurring users). Everything is drawn from one seeded
numpy generator, so a (seed, arguments) pair always gives the same bytes.

Examples are encoded straight into the tf.Example wire format (``core/common/wire.py``): a million take
seconds, not minutes of protobuf building.

Example::

    >>> spans = user_spans(users=40, spans=2, seed=0)
    >>> len(spans), sorted({label_of(r) for r in spans[0]})
    (2, [b'fraud', b'ok'])
"""

from __future__ import annotations

import struct

import numpy as np

LABEL, GROUP = 'label', 'user'
FRAUD, OK = b'fraud', b'ok'
MINORITY = 0.05  # share of fraud users
PRESENT = 0.7  # probability that a user has examples on a span
MOST = 3  # examples of a present user: 1 to MOST
LATE = 0.02  # share of a span's examples delivered again in the next span


def _float_feature(value: float) -> bytes:
    from tfx_balance.core.common.wire import VALUE_TAG, delimited

    return delimited(VALUE_TAG, b'\n\x04' + struct.pack('<f', value))  # FloatList, packed


class Encoder:
    """Serialized tf.Examples ``{label, user, x}`` from precomputed feature entries."""

    def __init__(self):
        from tfx_balance.core.common.wire import bytes_feature, feature_entry

        self._entry, self._bytes = feature_entry, bytes_feature
        self._labels = {c: feature_entry(LABEL, bytes_feature(c)) for c in (FRAUD, OK)}

    def __call__(self, label: bytes, user: bytes, x: float) -> bytes:
        from tfx_balance.core.common.wire import add_entries

        body = (
            self._labels[label]
            + self._entry(GROUP, self._bytes(user))
            + self._entry('x', _float_feature(x))
        )
        return add_entries(b'\n\x00', body)


def label_of(record: bytes) -> bytes:
    from tensorflow.core.example import example_pb2

    return example_pb2.Example.FromString(record).features.feature[LABEL].bytes_list.value[0]


def user_spans(
    users: int,
    spans: int,
    seed: int = 0,
    minority_factor: dict | None = None,
    one_off: int = 0,
    late: float = LATE,
) -> list:
    """Per span, its serialized examples (module doc). ``minority_factor``: ``{span: factor}``
    for the spans whose fraud users have ``factor`` times their examples; ``one_off``: users per
    span seen on that span only."""
    rng = np.random.default_rng(seed)
    encode = Encoder()
    fraud = np.zeros(users, dtype=bool)
    fraud[rng.permutation(users)[: round(users * MINORITY)]] = True
    out, previous = [], []
    for span in range(spans):
        factor = (minority_factor or {}).get(span, 1)
        present = np.flatnonzero(rng.random(users) < PRESENT)
        count = rng.integers(1, MOST + 1, size=len(present))
        count = np.where(fraud[present], count * factor, count)
        records = []
        for user, k in zip(present.tolist(), count.tolist()):
            label, name = FRAUD if fraud[user] else OK, b'u%d' % user
            records += [encode(label, name, span * 10.0 + i) for i in range(k)]
        if one_off:
            fresh = rng.random(one_off) < MINORITY
            count = rng.integers(1, MOST + 1, size=one_off)
            for user, (is_fraud, k) in enumerate(zip(fresh.tolist(), count.tolist())):
                name = b's%d-%d' % (span, user)
                records += [encode(FRAUD if is_fraud else OK, name, float(i)) for i in range(k)]
        if previous and late:
            picked = rng.choice(len(previous), size=round(late * len(previous)), replace=False)
            records += [previous[i] for i in sorted(picked.tolist())]
        out.append(records)
        previous = records
    return out
