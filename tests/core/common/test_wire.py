"""core.wire.key_order: the order protobuf's deterministic serialization writes feature entries,
whichever runtime is installed (protobuf 3.x with TFX 1.16, upb with TFX 1.21)."""

import random

from tensorflow.core.example import feature_pb2

from tfx_balance.core.common.wire import ENTRY_TAG, key_order


def _serialized_order(names):
    """The keys of a serialized ``Features`` in the order protobuf wrote them."""
    features = feature_pb2.Features()
    for name in names:
        features.feature[name].int64_list.value.append(1)
    data, pos, order = features.SerializeToString(deterministic=True), 0, []
    while pos < len(data):
        assert data[pos : pos + 1] == ENTRY_TAG
        length = data[pos + 1]  # entries here are shorter than 128 bytes
        entry = data[pos + 2 : pos + 2 + length]
        order.append(entry[2 : 2 + entry[1]].decode())
        pos += 2 + length
    return order


def test_key_order_is_the_order_protobuf_serializes_in():
    rng = random.Random(43)
    for _ in range(200):  # prefixes of each other, empty and non-ASCII names among them
        names = {
            ''.join(rng.choice('ab\u00e9z_') for _ in range(rng.randint(0, 4))) for _ in range(9)
        }
        assert key_order(names) == _serialized_order(names), names
