"""The unit of assignment (one example, or one group of examples) and the key it is known by.

A label form (``exact.ToUnits``: a class per example, or label bins; ``strata.LabelSetUnits``:
label sets) turns input batches into ``Unit``s by the same members: ``grouped`` (its input is
already units), ``__call__(batch, *edges)``, ``example_units``, ``key_by_group`` and
``group_to_unit``. A unit's ``key`` names it in assignments across spans (``unit_keys``): a group
by its id, an example by its content without the label. ``seed_history`` writes
``read_unit_keys``.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> from tfx_balance.core.split.config import StratifiedSplitConfig
    >>> e = example_pb2.Example()
    >>> e.features.feature['label'].int64_list.value.append(3)
    >>> keys = read_example_keys([e.SerializeToString()], 'label', seed=0)
    >>> keys.unlabelled == content_keys([b''])[0]  # the label left out: an empty example's key
    True
    >>> read_unit_keys([e.SerializeToString()], StratifiedSplitConfig('label')) == keys.keys
    True
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from tfx_balance.core.common.groups import group_key, read_group_ids
from tfx_balance.core.common.hashing import content_keys, seeded_hashes


class Unit(NamedTuple):
    """A unit of assignment: one example, or one group of examples."""

    stratum: object  # what the plan counts it for: its class, its label set, or its Stratum
    hash: int  # its place in its stratum's order (seeded)
    size: int  # its examples
    ranks: int  # the ranks it takes in that order: its examples (exact), or 1 (label sets)
    records: tuple  # its serialized examples (none in the plan pass)
    labels: tuple  # each example's class or label set (its Stratum with stratify_features)
    # what the form's checks across batches read: ((class, example name),) for one class per
    # example; (width, ((kind, example name, label),)) for label sets
    checks: tuple = ()
    pinned: int | None = None  # the split earlier spans put it in (assignments.PinUnits)
    group: bytes | None = None  # its group id (group_feature); None for an example
    key: int | None = None  # what assignments name it by (unit_keys)
    legacy: int | None = None  # an example's format-1 key (label included), where read

    def examples(self):
        """``(record, label)`` of each of its examples."""
        return zip(self.records, self.labels)


def unit_keys(seed: int, content: Sequence[bytes] = (), groups: Sequence[bytes] | None = None):
    """The key each unit is written and pinned by: with ``groups`` (ids of
    ``groups.read_group_ids``), each group's ``groups.group_key``; else each example's seeded
    hash of its ``content`` key without the label (also its hash in its stratum)."""
    if groups is not None:
        return [group_key(seed, group) for group in groups]
    return seeded_hashes(seed, content)


class ExampleKeys(NamedTuple):
    """A batch's keys, from one decoding."""

    keys: list  # each example's unit key (unit_keys)
    unlabelled: list  # each example's content key without the label, which keys hash
    content: list  # each example's content key, the label included (names it; format-1 keys)


def read_example_keys(records, label_feature: str, seed: int, features=None) -> ExampleKeys:
    """The ``ExampleKeys`` of serialized examples; the ``stratify_features`` ``features`` are
    left out with the label (a unit's key does not depend on how its stratum is spelt)."""
    without, whole = content_keys(records, (label_feature, *(features or ())))
    return ExampleKeys(unit_keys(seed, without), without, whole)


def read_unit_keys(records, config) -> list:
    """The key the splitter of ``config`` writes each serialized example's unit by."""
    if config.group_feature is None:
        return read_example_keys(
            records, config.label_feature, config.seed, config.stratify_features
        ).keys
    ids = read_group_ids(records, config.group_feature)
    return unit_keys(config.seed, groups=[group for group, _ in ids])
