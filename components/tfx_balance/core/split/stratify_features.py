"""Strata beyond the label: ``stratify_features`` (a site, a source, a language) crossed with
the class.

An example's stratum is ``Stratum(class, values)``: its class and its value of each stratify
feature (one int64 or bytes value, or none: ``None``, the class's "missing" stratum). The rule
splits each class as before, then its strata within the class's counts
(``allocation.allocate_strata``). A multi-label split (``strata.LabelSetUnits``) gives each
label set its example's values as ``FeatureValue``s, one more label each, which the iterative
rule balances as it balances labels. A feature with more values than the smallest split has
examples is refused (``check_values``): it is an id, not a stratum.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> e = example_pb2.Example()
    >>> e.features.feature['site'].bytes_list.value.append(b'Oslo')
    >>> read_values([e.SerializeToString(), example_pb2.Example().SerializeToString()], ('site',))
    [(b'Oslo',), (None,)]
    >>> with_values([(2, 7), ()], [(b'Oslo',), (None,)])
    [(2, 7, FeatureValue(feature=0, value=b'Oslo')), (FeatureValue(feature=0, value=None),)]
    >>> split_label_set((2, 7, FeatureValue(0, b'Oslo')))
    ((2, 7), (b'Oslo',))
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple, Sequence

import numpy as np

from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.labels import (
    class_name,
    class_sort_key,
    decode_as_first,
    decode_feature,
    example_fingerprint,
)

MISSING = '(missing)'  # the name of an example's stratum without a value of a feature


class Stratum(NamedTuple):
    """What an example counts for with ``stratify_features``: its class and feature values."""

    label: object  # its class (its label, or its label bin)
    values: tuple  # its value of each stratify feature (int or bytes), or None where missing


def class_of(stratum):
    """The class of a stratum key: a ``Stratum``'s label, else the key itself (a class)."""
    return stratum.label if isinstance(stratum, Stratum) else stratum


def plain(stratum):
    """A stratum key as Beam groups it: a ``Stratum`` or a ``FeatureValue`` as a plain tuple,
    and so a label set's ``FeatureValue``s (equal, and the same hash, as a plan key), which
    Beam's deterministic coder encodes without a fallback."""
    if isinstance(stratum, Stratum) or type(stratum) is FeatureValue:
        return tuple(stratum)
    if type(stratum) is tuple and stratum and type(stratum[-1]) is FeatureValue:
        return tuple(tuple(x) if type(x) is FeatureValue else x for x in stratum)
    return stratum


def plain_counts(pairs) -> list:
    """Count pairs ``(key, n)`` with each ``Stratum`` in the key ``plain`` (to sum per key)."""
    return [(tuple(plain(part) for part in key), n) for key, n in pairs]


def strata_pairs(pairs) -> list:
    """The ``((split index, Stratum), n)`` of ``plain_counts``' summed exact-form pairs."""
    return [((index, Stratum(*stratum)), n) for (index, stratum), n in pairs]


class FeatureValue(NamedTuple):
    """A stratify feature's value as one more label of a multi-label example's label set: never
    equal to a label (an int or bytes), and after every label in a set (``label_sort_key``)."""

    feature: int  # its feature's index in stratify_features
    value: object  # int or bytes, or None where the example has none (its "missing" value)


def with_values(sets: list, values: list) -> list:
    """Each label set with its example's ``values`` (``read_values``) as ``FeatureValue``s after
    its labels (one tuple of them per distinct values: most examples share a few)."""
    tails, out = {}, []
    for labels, found in zip(sets, values):
        tail = tails.get(found)
        if tail is None:
            tail = tails[found] = tuple(FeatureValue(f, v) for f, v in enumerate(found))
        out.append(labels + tail)
    return out


def split_label_set(labels: tuple) -> tuple:
    """``(labels, values)`` of a label set: its labels, and its ``FeatureValue``s' values in
    feature order (None without stratify features). Its values come last (``label_sort_key``)."""
    if not labels or type(labels[-1]) is not FeatureValue:
        return labels, None
    first = next(i for i, label in enumerate(labels) if type(label) is FeatureValue)
    return labels[:first], tuple(v.value for v in labels[first:])


def label_sort_key(label):
    """The order of a label set's members: its labels in class order, then its
    ``FeatureValue``s by feature, then value (``value_sort_key``)."""
    if type(label) is FeatureValue:
        return 1, label.feature, value_sort_key(label.value)
    return 0, class_sort_key(label)


def value_name(value) -> str:
    """A feature value's name in reports: ``class_name``, or ``MISSING``."""
    return MISSING if value is None else class_name(value)


def value_sort_key(value):
    """Missing first, then ``class_sort_key`` order."""
    return (0,) if value is None else (1, class_sort_key(value))


def stratum_sort_key(stratum: Stratum):
    return class_sort_key(stratum.label), tuple(value_sort_key(v) for v in stratum.values)


def validate_features(features, label_feature: str, group_feature=None) -> tuple | None:
    """``stratify_features`` as a tuple of distinct names (None or empty: None); a
    ``ConfigError`` names the bad one."""
    if features is None:
        return None
    if isinstance(features, (str, bytes)) or not hasattr(features, '__iter__'):
        raise ConfigError(
            "stratify_features must be a list of feature names, e.g. stratify_features=['site'], "
            f'got {features!r}.'
        )
    names = tuple(features)
    if not names:
        return None
    for name in names:
        if not isinstance(name, str) or not name:
            raise ConfigError(
                f'stratify_features must hold non-empty feature names (strings), got {name!r}.'
            )
    taken = {label_feature: 'label_feature', group_feature: 'group_feature'}
    for name in names:
        if name in taken:
            raise ConfigError(
                f'stratify_features names {name!r}, which is the {taken[name]}; the class is '
                'always a stratum: list only the other features to stratify on.'
            )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f'stratify_features names {repeated[0]!r} more than once: {list(names)}.')
    return names


def decode_with_label(records: Sequence[bytes], label_feature: str, features) -> dict | None:
    """The label and the stratify ``features`` decoded in one parse (``labels.decode_as_first``),
    for the label's reader and ``read_values`` to share; None without stratify features (the
    label is then read alone)."""
    if not features:
        return None
    return decode_as_first(records, [label_feature, *features])


def read_values(
    records: Sequence[bytes], features: Sequence[str], where: str = '', decoded: dict | None = None
) -> list:
    """Each serialized example's ``values`` tuple: per feature its one int64 or bytes value, or
    None without one (``decoded``: ``labels.decode_as_first``'s, if the batch was decoded with
    other features). A float feature, or one with several values, is a ``DataError``."""
    columns = [_read_feature(records, f, where, decoded) for f in features]
    return list(zip(*columns)) if columns else [() for _ in records]


def _read_feature(records, feature: str, where: str, decoded: dict | None = None) -> list:
    import tensorflow as tf

    parsed = (decoded or {}).get(feature)  # decoded as the first record holds it
    for dtype in (tf.int64, tf.string) if parsed is None else ():
        parsed = decode_feature(records, feature, dtype)
        if parsed is not None:
            break
    if parsed is None:
        raise DataError(
            f"stratify_features: feature '{feature}'{_in(where)} is not int64 or bytes in every "
            'example (a float feature, or one feature of two types). Strata need categorical '
            'values: bin a float feature upstream (e.g. in Transform, tft.bucketize) into an int64 '
            'feature, and stratify on that.'
        )
    values, splits = parsed
    sizes = np.diff(splits)
    if (sizes > 1).any():
        i = int(np.flatnonzero(sizes > 1)[0])
        raise DataError(
            f"stratify_features: feature '{feature}'{_in(where)} has {sizes[i]} values in "
            f'example {example_fingerprint(records[i])}; a stratify feature holds one value '
            'per example (or none: the "missing" stratum). Pick one value upstream, or '
            'stratify on a multi-label form instead.'
        )
    if len(values) == len(records):
        return values.tolist()
    found, present = [None] * len(records), np.flatnonzero(sizes == 1).tolist()
    for i, v in zip(present, values.tolist()):
        found[i] = v
    return found


def _in(where: str) -> str:
    return f' in {where}' if where else ''


def check_values(strata, features: Sequence[str], examples: int, weights: Sequence) -> None:
    """Raises the ``DataError`` of a feature with more values than the smallest split's share
    of the ``examples`` (split ``weights``): such a feature is an id (every value a stratum of
    about one example), which no split can keep the mix of. Strata are ``Stratum`` keys, or
    label sets with ``FeatureValue``s."""
    ratios = [Fraction(w) for w in weights]
    smallest_split = float(examples * min(ratios) / sum(ratios))
    found = [set() for _ in features]
    for stratum in strata:
        if isinstance(stratum, Stratum):
            for i, value in enumerate(stratum.values):
                found[i].add(value)
        else:
            for label in stratum:
                if type(label) is FeatureValue:
                    found[label.feature].add(label.value)
    for feature, values in zip(features, found):
        values.discard(None)
        if len(values) > max(1.0, smallest_split):
            raise DataError(
                f"stratify_features: feature '{feature}' has {len(values)} values, more than the "
                f'{smallest_split:.0f} examples the smallest split holds, so no split can keep each '
                "value's share of the examples (it looks like an id). To keep examples with the same value "
                f"together, use group_feature='{feature}'; to stratify on it, coarsen it upstream "
                '(e.g. a region for a city), or leave it out.'
            )
