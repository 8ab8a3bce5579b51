"""Multi-label test data: long-tail label matrices and the tf.Examples that carry them.

``label_matrix(n, labels)``: label ``i`` is present independently with probability proportional
to ``1 / (i + 1)`` (Zipf-like), scaled to ``mean`` labels per example (the issue's benchmark
shape: 100 labels, ~3 per example; some examples have no label).
"""

import collections

import numpy as np

from tests.support.examples import example


def label_matrix(n: int, labels: int = 20, mean: float = 3.0, seed: int = 0) -> np.ndarray:
    q = 1.0 / np.arange(1, labels + 1)
    q *= mean / q.sum()
    return np.random.default_rng(seed).random((n, labels)) < q


def label_sets(matrix: np.ndarray) -> list:
    return [tuple(np.flatnonzero(row).tolist()) for row in matrix]


def records(matrix: np.ndarray, form: str = 'ids', names: bool = False, group_size: int = 0):
    """One tf.Example per row: ``tags`` as ids (int64, or bytes ``'tag<i>'`` with ``names``) or
    as a multi-hot vector; ``x`` makes every example distinct; ``user`` groups rows."""
    out = []
    for i, row in enumerate(matrix):
        present = np.flatnonzero(row).tolist()
        if form == 'multi_hot':
            tags = [int(v) for v in row]
        elif names:
            tags = [f'tag{j}' for j in present]
        else:
            tags = present
        features = {'x': float(i)}
        if tags:
            features['tags'] = tags
        if group_size:
            features['user'] = f'u{i // group_size}'
        out.append(example(**features))
    return out


def tag_sets(records_, form: str = 'ids') -> list:
    """The label set of each record, read back with protobuf (independent of the package)."""
    from tensorflow.core.example import example_pb2

    sets = []
    for record in records_:
        feature = example_pb2.Example.FromString(record).features.feature.get('tags')
        if feature is None:
            sets.append(())
        elif form == 'multi_hot':
            sets.append(tuple(i for i, v in enumerate(feature.int64_list.value) if v))
        elif feature.int64_list.value:
            sets.append(tuple(sorted(feature.int64_list.value)))
        else:
            sets.append(tuple(sorted(feature.bytes_list.value)))
    return sets


def per_label(split_records: dict, form: str = 'ids') -> dict:
    """``{split: Counter(label -> examples)}``."""
    return {
        split: collections.Counter(label for labels in tag_sets(rs, form) for label in labels)
        for split, rs in split_records.items()
    }


def searched(strata: dict, weights: list, examples: dict = None):
    """The ``PlanSearch`` of ``strata``'s labelled sets, as ``plan_counts`` builds it, after the
    steps before partner swaps (``first_steps``): what the tests of the later steps start from."""
    from tfx_balance.core.split.multilabel_plan import plan_search

    return plan_search(strata, weights, examples)[1].first_steps()
