"""Reading the class label of serialized ``tf.train.Example`` records, and naming classes.

A label is one int64 or bytes value, of one type in every example. ``read_labels``, the reader of
every component, decodes only the label feature of a batch; a class is ``int`` or ``bytes`` in
Python and its ``class_name`` in JSON and logs.

Example:
    >>> from tensorflow.core.example import example_pb2
    >>> ex = example_pb2.Example()
    >>> ex.features.feature['label'].int64_list.value.append(3)
    >>> read_labels([ex.SerializeToString()] * 2, 'label')
    [3, 3]
    >>> class_name(b'Cash')
    'Cash'
"""

from __future__ import annotations

from typing import Iterable, List, Mapping, Sequence, Union

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.common import hashing
from tfx_balance.core.common.errors import DataError

ClassValue = Union[int, bytes]


def _feature_names(example: example_pb2.Example, limit: int = 12) -> str:
    names = sorted(example.features.feature.keys())
    shown = ', '.join(names[:limit])
    return shown + (', ...' if len(names) > limit else '') if names else '(none)'


# What to do about a float label, in every component's error.
FLOAT_LABEL_FIX = (
    'A continuous target: StratifiedSplitter stratifies it by quantile bins with label_bins=N '
    '(or label_bin_edges), docs/stratified_splitter.md#label_bins-continuous-targets. Class ids '
    'stored as floats: convert the label to an integer or string class id before this component '
    '(e.g. in ExampleGen or a preprocessing step).'
)


def label_of_example(
    example: example_pb2.Example, label_feature: str, where: str = '', record: bytes = b''
) -> ClassValue:
    """The label of a parsed example, or a ``DataError`` naming ``where`` and the example."""
    try:
        return _label_value(example, label_feature, where, '')
    except DataError:
        if not record:
            raise
    # Outside the handler: the error with the fingerprint is raised alone, not chained to the
    # same message without it.
    found = f' (example fingerprint {example_fingerprint(record)})'  # only for the error
    return _label_value(example, label_feature, where, found)


def _label_value(example, label_feature: str, where: str, found: str) -> ClassValue:
    where_text = f' in {where}' if where else ''
    features = example.features.feature
    if label_feature not in features:
        raise DataError(
            f"label_feature '{label_feature}' not found in an example{where_text}{found}; "
            f'features present: {_feature_names(example)}. Set label_feature to one of these, '
            'or fix the examples that lack the label.'
        )
    feature = features[label_feature]
    kind = feature.WhichOneof('kind')
    if kind == 'int64_list':
        values = feature.int64_list.value
    elif kind == 'bytes_list':
        values = feature.bytes_list.value
    elif kind == 'float_list':
        raise DataError(
            f"label_feature '{label_feature}'{where_text} is a float feature; class labels must "
            f'be int64 or bytes (string){found}. {FLOAT_LABEL_FIX}'
        )
    else:
        values = []
    if len(values) != 1:
        raise DataError(
            f"label_feature '{label_feature}'{where_text} has {len(values)} values in an "
            f'example; exactly one class label per example is required{found}. Multi-label and '
            'missing-value examples must be filtered or converted before this component.'
        )
    value = values[0]
    if kind == 'bytes_list' and value == b'':
        raise empty_label_error(label_feature, where, f'an example{found}')
    return int(value) if kind == 'int64_list' else bytes(value)


def empty_label_error(label_feature: str, where: str, found: str, multi_label=None) -> DataError:
    """The ``DataError`` for an empty bytes label, the one every component raises."""
    where_text = f' in {where}' if where else ''
    form = f' (multi_label={multi_label!r})' if multi_label else ''
    fix = (
        'give every label a non-empty name, or leave it out (an example with no value has no label)'
        if multi_label
        else 'give every example a non-empty class name, or filter unlabeled examples first'
    )
    return DataError(
        f"label_feature '{label_feature}'{form}{where_text} is an empty string in {found}; {fix}."
    )


def read_label(record: bytes, label_feature: str, where: str = '') -> ClassValue:
    """The label of one serialized ``tf.train.Example``."""
    example = example_pb2.Example.FromString(record)
    return label_of_example(example, label_feature, where, record)


def read_labels(
    records: Sequence[bytes], label_feature: str, where: str = '', decoded: dict | None = None
) -> List[ClassValue]:
    """The label of every serialized example: the values and errors of ``read_label`` per record
    (``decoded``: ``decode_as_first``'s, if the batch was decoded with other features)."""
    if not len(records):
        return []
    # The first record fixes the dtype to decode (and raises the exact error if it is bad).
    first = read_label(records[0], label_feature, where)
    labels = _decode_single(records, label_feature, isinstance(first, bytes), decoded)
    if labels is None:  # not one valid label per example: name the problem record by record
        labels = [read_label(r, label_feature, where) for r in records]
        first_of = {}
        for record, label in zip(records, labels):
            first_of.setdefault(type(label), (label, record))
        if len(first_of) > 1:  # int64 and bytes labels in one batch
            fingerprints = {label: example_fingerprint(r) for label, r in first_of.values()}
            check_label_kinds(fingerprints, label_feature, where)
    return labels


def _decode_single(records, label_feature: str, is_bytes: bool, decoded: dict | None = None):
    """Labels decoded in C++, or None unless every record has one valid label."""
    import tensorflow as tf

    if decoded and label_feature in decoded:  # decoded as the first record's label: is_bytes
        parsed = decoded[label_feature]
    else:
        parsed = decode_feature(records, label_feature, tf.string if is_bytes else tf.int64)
    if parsed is None:
        return None
    values, splits = parsed
    if len(values) != len(records) or (np.diff(splits) != 1).any():
        return None
    labels = values.tolist()
    if is_bytes and not all(labels):
        return None
    return labels


def decode_feature(records: Sequence[bytes], feature: str, dtype):
    """``(values, row splits)`` of one feature of every record, decoded in C++; None if one does not
    decode as ``dtype``.
    """
    decoded = decode_features(records, {feature: dtype})
    return None if decoded is None else decoded[feature]


def decode_features(records: Sequence[bytes], dtypes: Mapping[str, object]) -> dict | None:
    """``{feature: (values, row splits)}`` of several features of every record, decoded in C++
    in one parse (a parse costs about the same for one feature as for several); None if one does
    not decode as its dtype (``dtypes``: ``{feature: tf.int64 | tf.string | tf.float32}``)."""
    import tensorflow as tf

    spec = {f: tf.io.RaggedFeature(dtype, row_splits_dtype=tf.int64) for f, dtype in dtypes.items()}
    try:
        parsed = tf.io.parse_example(records, spec)
    except (tf.errors.InvalidArgumentError, ValueError):
        return None
    return {f: (p.flat_values.numpy(), p.row_splits.numpy()) for f, p in parsed.items()}


def decode_as_first(records: Sequence[bytes], features: Sequence[str]) -> dict | None:
    """``decode_features`` of those of ``features`` that the first record holds as int64 or
    bytes, each as that type; None if there are none or one does not decode so (each feature is
    then read alone, with its own checks and errors). Several features read with one parse:

    >>> ex = example_pb2.Example()
    >>> ex.features.feature['label'].int64_list.value.append(1)
    >>> ex.features.feature['site'].bytes_list.value.append(b'a')
    >>> decoded = decode_as_first([ex.SerializeToString()] * 2, ['label', 'site', 'lang'])
    >>> {f: values.tolist() for f, (values, _) in decoded.items()}
    {'label': [1, 1], 'site': [b'a', b'a']}
    """
    import tensorflow as tf

    if not len(records):
        return None
    first = example_pb2.Example.FromString(records[0]).features.feature
    kinds = {'int64_list': tf.int64, 'bytes_list': tf.string}
    dtypes = {}
    for f in features:
        kind = first[f].WhichOneof('kind') if f in first else None
        if kind in kinds:
            dtypes[f] = kinds[kind]
    return decode_features(records, dtypes) if dtypes else None


def example_fingerprint(record: bytes) -> str:
    """The fingerprint errors name an example by: its content key's (feature order ignored)."""
    return hashing.fingerprint(hashing.example_key(record))


def unlabelled_keys(records, label_feature: str) -> list:
    """The content keys (``hashing.example_keys``) of ``records`` without ``label_feature``: what
    ranks an example in StratifiedSplitter and names it across spans, whatever the label's
    spelling, type or correction."""
    return hashing.example_keys(records, ignore_features=(label_feature,))


def label_kind(value: ClassValue) -> str:
    """``'int64'`` or ``'bytes'``: the feature type a label value was read from."""
    return 'bytes' if isinstance(value, bytes) else 'int64'


def check_label_kinds(
    fingerprints: Mapping[ClassValue, str], label_feature: str, where: str = ''
) -> None:
    """Raises the ``DataError`` for a label that is int64 in some examples and bytes in others."""
    by_kind = {}
    for value in sorted_classes(fingerprints):
        by_kind.setdefault(label_kind(value), value)
    if len(by_kind) < 2:
        return
    where_text = f' in {where}' if where else ''
    number, text = by_kind['int64'], by_kind['bytes']
    raise DataError(
        f"label_feature '{label_feature}'{where_text} mixes int64 and bytes labels: example "
        f'{fingerprints[number]} has int64 label {number} and example {fingerprints[text]} '
        f'bytes label {class_name(text)!r}. A label must have one type in every example (1 and '
        "b'1' would be two classes with one name); convert it to one type upstream, e.g. in "
        'ExampleGen or with a Transform.'
    )


def check_distinct_names(
    classes: Iterable[ClassValue], label_feature: str, where: str = ''
) -> None:
    r"""Raises the ``DataError`` for two classes with one ``class_name`` (``b'\xff'``, ``'\xff'``)."""
    seen = {}
    for c in sorted_classes(classes):
        other = seen.setdefault(class_name(c), c)
        if other != c:
            where_text = f' in {where}' if where else ''
            raise DataError(
                f"label_feature '{label_feature}'{where_text}: classes {other!r} and {c!r} have "
                f'the same name {class_name(c)!r} in reports (a label that is not valid UTF-8 is '
                'named with backslash escapes), so they cannot be told apart. Give the label one '
                'type and valid UTF-8 class names (or int64 ids) upstream.'
            )


def class_name(value: ClassValue) -> str:
    """The display/JSON name of a class value (bytes as UTF-8, backslash-escaped)."""
    if isinstance(value, bytes):
        return value.decode('utf-8', errors='backslashreplace')
    return str(value)


def float_name(value: float) -> str:
    """The name of a float read as an id or a name: the shortest decimal that reads back as the same
    float32 (else the float64's own), without a trailing '.0'; -0.0 is '0'.

    >>> [float_name(v) for v in (0.30000001192092896, 2000.300048828125, 123.0, 5e-05, -0.0)]
    ['0.3', '2000.3', '123', '5e-05', '0']
    >>> float_name(0.1 + 0.2)  # not a float32: its own shortest decimal
    '0.30000000000000004'
    """
    value = float(value) + 0.0  # -0.0 + 0.0 is 0.0
    with np.errstate(over='ignore'):  # beyond float32's range: inf, not equal, float64 below
        single = np.float32(value)
    # str() of a numpy float32 gives its shortest round-trip digits; float() then repr() lays
    # them out as Python does ('5e-05', '1e+20'), the same in numpy 1 and 2
    text = repr(float(str(single))) if float(single) == value else repr(value)
    return text[:-2] if text.endswith('.0') else text


def class_sort_key(value: ClassValue):
    """Sort key: ints numerically, bytes lexicographically, ints before bytes."""
    return (0, value, b'') if isinstance(value, int) else (1, 0, value)


def sorted_classes(values: Iterable[ClassValue]) -> list:
    """Class values in the canonical order of plans, logs and JSON."""
    return sorted(set(values), key=class_sort_key)


def parse_class_name(name: object, known: Iterable[ClassValue]) -> ClassValue:
    """The known class value matching a user-given class (int, str or bytes); else ``DataError``."""
    known = list(known)
    for value in known:
        if value == name or class_name(value) == (
            name.decode('utf-8', 'backslashreplace') if isinstance(name, bytes) else str(name)
        ):
            return value
    raise DataError(
        f'class {name!r} is not in the data; classes present: '
        f'{", ".join(class_name(v) for v in sorted_classes(known))}. '
        'Fix the class name (labels are matched by their string form).'
    )


def format_count_table(rows: dict, columns: list, title: str = 'class') -> str:
    """``{class_name: {column: count}}`` as a fixed-width text table with totals."""
    names = list(rows)
    width = max([len(title), len('total')] + [len(n) for n in names])
    col_w = {c: max(len(c), 7) for c in columns}
    header = f'{title:<{width}}  ' + '  '.join(f'{c:>{col_w[c]}}' for c in columns)
    lines = [header, '-' * len(header)]
    for name in names:
        lines.append(
            f'{name:<{width}}  ' + '  '.join(f'{rows[name].get(c, 0):>{col_w[c]}}' for c in columns)
        )
    totals = {c: sum(rows[n].get(c, 0) for n in names) for c in columns}
    lines.append('-' * len(header))
    lines.append(f'{"total":<{width}}  ' + '  '.join(f'{totals[c]:>{col_w[c]}}' for c in columns))
    return '\n'.join(lines)
