"""Reading the label sets of serialized ``tf.train.Example`` records (multi-label data).

A label set is a sorted tuple of labels; ``()`` is "no label". ``multi_label='ids'`` lists the
labels (each once), ``'multi_hot'`` is a 0/1 int64 vector of one length in every example, and
``'single'`` is single-label data as sets of size one.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> def ex(values):
    ...     e = example_pb2.Example()
    ...     e.features.feature['tags'].int64_list.value.extend(values)
    ...     return e.SerializeToString()
    >>> read_label_sets([ex([7, 2]), ex([])], 'tags', 'ids').sets
    [(2, 7), ()]
    >>> read_label_sets([ex([0, 1, 1]), ex([0, 0, 0])], 'tags', 'multi_hot').sets
    [(1, 2), ()]
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Sequence

from tensorflow.core.example import example_pb2

from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.hashing import example_keys, fingerprint
from tfx_balance.core.common.labels import (
    check_label_kinds,
    class_name,
    class_sort_key,
    decode_feature,
    empty_label_error,
    example_fingerprint,
    label_kind,
    read_labels,
)

FORMS = keys.MULTI_LABEL_FORMS
SINGLE = 'single'  # one class per example: label sets of size one


class LabelSets(NamedTuple):
    """The label sets of a batch (``sets``), and for checks across batches the batch index of the
    first example of each label kind (``kinds``) and the multi-hot width (``width``).
    """

    sets: List[tuple]
    kinds: Dict[object, int]
    width: tuple | None


def check_form(form) -> str:
    """``form`` if it is ``'ids'`` or ``'multi_hot'``, else a ``ConfigError``."""
    if form not in FORMS:
        raise ConfigError(f"multi_label must be 'ids' or 'multi_hot' here, got {form!r}.")
    return form


def read_label_sets(
    records: Sequence[bytes],
    label_feature: str,
    form: str,
    where: str = '',
    decoded: dict | None = None,
) -> LabelSets:
    """The ``LabelSets`` of serialized examples (rules: module docstring; ``decoded``:
    ``labels.decode_as_first``'s, if the batch was decoded with other features)."""
    if form == SINGLE:
        labels = read_labels(records, label_feature, where, decoded)
        return LabelSets([(label,) for label in labels], {labels[0]: 0} if labels else {}, None)
    check_form(form)
    if not len(records):
        return LabelSets([], {}, None)
    found = _decode(records, label_feature, form, decoded)
    if found is None:
        return _read_one_by_one(records, label_feature, form, where)
    sets, width = found
    kinds = {}
    for i, labels in enumerate(sets):
        if labels:
            kinds[labels[0]] = i
            break
    return LabelSets(sets, kinds, (width, 0) if width else None)


def _decode(records, label_feature: str, form: str, decoded: dict | None = None):
    """``(sets, width)`` decoded in C++, or None if any record breaks a rule."""
    import numpy as np
    import tensorflow as tf

    if decoded and label_feature in decoded:  # as the first record's (multi-hot bytes: not 0/1)
        values, splits = decoded[label_feature]
        dtype = tf.string if values.dtype == object else tf.int64
    else:
        for dtype in (tf.int64,) if form == 'multi_hot' else (tf.int64, tf.string):
            parsed = decode_feature(records, label_feature, dtype)
            if parsed is not None:
                values, splits = parsed
                break
        else:
            return None
    if form == 'multi_hot':
        lengths = np.diff(splits)
        width = int(lengths[0])
        if width == 0 or (lengths != width).any() or ((values != 0) & (values != 1)).any():
            return None
        rows, positions = np.nonzero(values.reshape(len(records), width))
        bounds = np.searchsorted(rows, np.arange(len(records) + 1)).tolist()
        return _slices(positions.tolist(), bounds), width
    if dtype == tf.int64 and _ascending_rows(values, splits):  # sorted, no repeat: as they are
        return _slices(values.tolist(), splits.tolist()), None
    values = values.tolist()
    bounds = splits.tolist()
    sets = []
    for start, end in zip(bounds, bounds[1:]):
        labels = values[start:end]
        if len(labels) > 1:
            unique = set(labels)
            if len(unique) != len(labels):
                return None
            labels = sorted(unique)
        sets.append(tuple(labels))
    if dtype == tf.string and not all(values):
        return None
    return sets, None


def _ascending_rows(values, splits) -> bool:
    """Whether every row of a ragged int64 batch is strictly ascending (sorted, no repeat)."""
    import numpy as np

    if len(values) < 2:
        return True
    rising = np.diff(values) > 0
    starts = splits[1:-1]
    rising[starts[(starts > 0) & (starts < len(values))] - 1] = True  # across rows: not compared
    return bool(rising.all())


def _slices(values: list, bounds: list) -> List[tuple]:
    return [tuple(values[a:b]) for a, b in zip(bounds, bounds[1:])]


def _read_one_by_one(records, label_feature: str, form: str, where: str) -> LabelSets:
    sets, kinds, widths = [], {}, {}
    for i, record in enumerate(records):
        labels, length = label_set_of_record(record, label_feature, form, where)
        sets.append(labels)
        if labels and label_kind(labels[0]) not in {label_kind(k) for k in kinds}:
            kinds[labels[0]] = i
        if form == 'multi_hot':
            widths.setdefault(length, i)
    if len(kinds) > 1 or len(widths) > 1:  # name the examples (only now: a key per example)
        names = [fingerprint(key) for key in example_keys(records)]
        check_label_kinds({k: names[i] for k, i in kinds.items()}, label_feature, where)
        check_widths([(w, names[i]) for w, i in widths.items()], label_feature, where)
    return LabelSets(sets, kinds, next(iter(widths.items())) if widths else None)


def label_set_of_record(record: bytes, label_feature: str, form: str, where: str = ''):
    """``(label set, vector length or None)`` of one example, or the ``DataError`` naming it."""
    example = example_pb2.Example.FromString(record)
    in_where = f' in {where}' if where else ''
    head = f"label_feature '{label_feature}' (multi_label={form!r}){in_where}"
    feature = example.features.feature.get(label_feature)
    kind = feature.WhichOneof('kind') if feature is not None else None
    values = list(getattr(feature, kind).value) if kind else []

    def found() -> str:  # only for an error: a content key per call
        return f'(example fingerprint {example_fingerprint(record)})'

    if kind == 'float_list':
        raise DataError(
            f"label_feature '{label_feature}'{in_where} is a float feature; class labels must be "
            f'int64 or bytes (string) {found()}. Convert the labels to integer ids or string names '
            '(or, for multi_hot, a 0/1 int64 vector) before this component.'
        )
    if form == 'ids':
        if kind == 'bytes_list' and not all(values):
            raise empty_label_error(label_feature, where, f'an example {found()}', form)
        if len(set(values)) != len(values):
            twice = sorted({v for v in values if values.count(v) > 1}, key=class_sort_key)
            raise DataError(
                f'{head} lists label {class_name(twice[0])!r} more than once in an example '
                f'{found()}: {len(values)} values, {len(set(values))} distinct. A label set names '
                'each label once; remove the duplicates upstream (a repeated id is usually a '
                'join or concatenation bug).'
            )
        labels = sorted(
            {int(v) if kind == 'int64_list' else bytes(v) for v in values}, key=class_sort_key
        )
        return tuple(labels), None
    if feature is None:
        raise DataError(
            f"label_feature '{label_feature}' not found in an example{in_where} {found()}; "
            f'features present: {", ".join(sorted(example.features.feature)) or "(none)"}. '
            'Set label_feature to one of these, or fix the examples that lack the label.'
        )
    if kind != 'int64_list' or not values:
        what = f'a {kind[: -len("_list")]} feature' if kind else 'empty'
        raise DataError(
            f'{head} is {what} in an example {found()}; a multi-hot label must be an int64 vector '
            'of 0/1 with one position per label, of the same length in every example. Write it '
            "as such upstream, or use multi_label='ids' for a list of label ids or names."
        )
    bad = [(i, v) for i, v in enumerate(values) if v not in (0, 1)]
    if bad:
        position, value = bad[0]
        raise DataError(
            f'{head} has value {value} at position {position} in an example {found()}; a '
            'multi-hot vector holds only 0 and 1. Fix the vector upstream (e.g. clip counts to '
            "1), or use multi_label='ids' for a list of label ids."
        )
    return tuple(i for i, v in enumerate(values) if v), len(values)


def check_widths(widths, label_feature: str, where: str = '') -> None:
    """Raises the ``DataError`` for multi-hot vectors of different lengths."""
    distinct = {}
    for length, name in sorted(widths):
        distinct.setdefault(length, name)
    if len(distinct) < 2:
        return
    (a, fa), (b, fb) = sorted(distinct.items())[:2]
    in_where = f' in {where}' if where else ''
    raise DataError(
        f"label_feature '{label_feature}' (multi_label='multi_hot'){in_where} has vectors of "
        f'different lengths: example {fa} has {a} values and example {fb} has {b}. Every '
        'example needs one position per label, so the same length; pad or fix the vectors '
        'upstream.'
    )
