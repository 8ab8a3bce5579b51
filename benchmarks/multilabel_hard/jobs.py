"""Multi-label split on the harder shapes of issue 40: ours vs iterstrat vs scikit-multilearn.

On the workloads of ``benchmarks.common.hard_multilabel_data`` (a label hierarchy with a long tail,
the same with patients as groups, 5,000 labels), splits 7:2:1 (8:1:1 for 5,000 labels):

- ``ours``: the package's plan, ``tfx_balance.core.split.multilabel_plan.plan_counts``, on the
  aggregate ``{label set: units}`` table (a unit is an example, or a group with its examples'
  label union; with groups also ``{label set: examples}``) -- the function the splitter's
  combine calls (``strata.build_plans``); each stratum's units are then cut at the plan's counts
  in a seeded order, as the assignment pass cuts them by hash.
- ``iterstrat``: ``MultilabelStratifiedShuffleSplit`` as a user runs it, two cuts (the share of
  the two small splits off, then that part cut), ``random_state=0``, on the units' label matrix
  (with groups: the groups' label unions, one row per group).
- ``skmultilearn``: ``IterativeStratification(order=2)`` with the three shares as
  ``sample_distribution_per_fold``, each fold's test part a split (where it installs).

Measures (``measure``): LD, missing pairs and max relative deviation (labels with >= 100
units) by ``split_quality``; split sizes against their shares (units, and examples with groups);
violations of the heaviest-split rule (a label with fewer units than splits with a unit in a
split its ``allocate`` gives none).

Example:
    >>> from benchmarks import hard_multilabel_data as data
    >>> w = data.generate('hierarchy', 2_000)
    >>> row = measure_all(w, methods=('ours',))
    >>> row['methods']['ours']['missing_pairs']
    0
"""

from __future__ import annotations

import time
from typing import Dict, List, Sequence

import numpy as np

from benchmarks.common import hard_multilabel_data as data

SPLIT_NAMES = ('train', 'eval', 'test')
WEIGHTS = {'hierarchy': (7, 2, 1), 'hierarchy_groups': (7, 2, 1), 'many_labels': (8, 1, 1)}
ITERSTRAT_SEED = 0
METHODS = ('ours', 'iterstrat', 'skmultilearn')
# scikit-multilearn's second-order pass is pure Python over label pairs: beyond these units it
# takes many minutes (110 s at 2,000 examples x 5,000 labels on the benchmark machine)
SKMULTILEARN_MAX_UNITS = {'hierarchy': 5_000, 'hierarchy_groups': 5_000, 'many_labels': 2_000}
# iterstrat on 5,000 labels: 26 s at 2,000 examples, 313 s at 5,000 (time ~ n^2.7 there); it
# did not finish in 20 min at 20,000, so beyond 5,000 units only ours is measured on that shape
ITERSTRAT_MAX_UNITS = {'many_labels': 5_000}
MAX_UNITS = {'skmultilearn': SKMULTILEARN_MAX_UNITS, 'iterstrat': ITERSTRAT_MAX_UNITS}


# --------------------------------------------------------------------------------------------
# The methods: each returns every unit's split index (an int array).


def assign_from_plan(unit_sets: Sequence[tuple], plan: Dict[tuple, tuple], seed: int = 0):
    """Every unit's split: each stratum's units in a seeded order, cut at the plan's counts
    (the assignment pass's hash order, in distribution)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(unit_sets))
    assign = np.empty(len(unit_sets), dtype=np.int64)
    taken = {}
    for u in order.tolist():
        labels = unit_sets[u]
        counts = plan[labels]
        i = taken.get(labels, 0)
        taken[labels] = i + 1
        split, edge = 0, counts[0]
        while i >= edge:
            split += 1
            edge += counts[split]
        assign[u] = split
    return assign


def _examples(unit_sets: Sequence[tuple], unit_sizes) -> dict:
    """``{label set: examples of its units}`` (the histogram pass's count beside the units)."""
    if unit_sizes is None:
        return None
    examples = {}
    for labels, size in zip(unit_sets, unit_sizes.tolist()):
        examples[labels] = examples.get(labels, 0) + size
    return examples


def ours(unit_sets: Sequence[tuple], weights: Sequence[int], unit_sizes=None) -> dict:
    """The package's plan on the aggregate table, cut by ``assign_from_plan``; with
    ``unit_sizes`` (examples per unit: groups), sizes counted in examples as the splitter does.
    ``forced_pairs``: the (label, split) pairs the heaviest-split rule leaves no plan to fill."""
    from tfx_balance.core.split.multilabel_plan import PlanSearch, plan_counts

    table, examples = data.strata(unit_sets), _examples(unit_sets, unit_sizes)
    start = time.perf_counter()
    plan = plan_counts(table, list(weights), examples=examples)
    seconds = time.perf_counter() - start
    labelled = {labels: m for labels, m in table.items() if labels}
    rule = PlanSearch(labelled, weights, [1.0] * len(weights), examples)
    return {
        'assign': assign_from_plan(unit_sets, plan),
        'seconds': seconds,
        'forced_pairs': rule.forced_empty(),
    }


def iterstrat(y: np.ndarray, weights: Sequence[int]) -> dict:
    """iterstrat's two cuts: the small splits' share off, then that part cut by their ratio."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    total = sum(weights)
    x = np.zeros((len(y), 1), dtype=np.uint8)  # iterstrat only reads len(X)
    start = time.perf_counter()
    first = MultilabelStratifiedShuffleSplit(
        n_splits=1, test_size=(weights[1] + weights[2]) / total, random_state=ITERSTRAT_SEED
    )
    train, rest = next(first.split(x, y))
    second = MultilabelStratifiedShuffleSplit(
        n_splits=1, test_size=weights[2] / (weights[1] + weights[2]), random_state=ITERSTRAT_SEED
    )
    eval_, test = next(second.split(x[rest], y[rest]))
    seconds = time.perf_counter() - start
    assign = np.empty(len(y), dtype=np.int64)
    assign[train], assign[rest[eval_]], assign[rest[test]] = 0, 1, 2
    return {'assign': assign, 'seconds': seconds}


def skmultilearn(y: np.ndarray, weights: Sequence[int]) -> dict:
    """scikit-multilearn's second-order IterativeStratification, one fold per split."""
    from scipy import sparse
    from skmultilearn.model_selection import IterativeStratification

    total = sum(weights)
    x = np.zeros((len(y), 1), dtype=np.uint8)
    start = time.perf_counter()
    stratifier = IterativeStratification(
        n_splits=len(weights), order=2, sample_distribution_per_fold=[w / total for w in weights]
    )
    assign = np.full(len(y), -1, dtype=np.int64)
    for split, (_, fold) in enumerate(stratifier.split(x, sparse.csr_matrix(y))):
        assign[fold] = split
    seconds = time.perf_counter() - start
    assert (assign >= 0).all()
    return {'assign': assign, 'seconds': seconds}


# --------------------------------------------------------------------------------------------
# Measuring.


def label_counts(unit_sets: Sequence[tuple], assign: np.ndarray, k: int, num_labels: int):
    """``int [k, num_labels]``: per split, the units carrying each label."""
    lengths = np.fromiter((len(s) for s in unit_sets), dtype=np.int64, count=len(unit_sets))
    cols = np.fromiter(
        (label for s in unit_sets for label in s), dtype=np.int64, count=int(lengths.sum())
    )
    rows = np.repeat(assign, lengths)
    counts = np.zeros((k, num_labels), dtype=np.int64)
    np.add.at(counts, (rows, cols), 1)
    return counts


def quality(counts: np.ndarray, sizes: Sequence[int], weights: Sequence[int]) -> dict:
    """``split_quality`` (LD, missing pairs, max relative deviation) and the heaviest-split
    rule's violations of ``[k, labels]`` counts with ``sizes`` units per split."""
    from tfx_balance.core.split.allocation import allocate
    from tfx_balance.core.split.quality import split_quality

    k = len(weights)
    names = SPLIT_NAMES[:k]
    used = np.flatnonzero(counts.sum(axis=0))
    per = {s: dict(zip(used.tolist(), counts[i, used].tolist())) for i, s in enumerate(names)}
    q = split_quality(per, dict(zip(names, sizes)), dict(zip(names, weights)))._asdict()
    totals = counts.sum(axis=0)
    labels_out, units_out = 0, 0
    for label in np.flatnonzero((totals > 0) & (totals < k)).tolist():
        allowed = allocate(int(totals[label]), list(weights))
        out = sum(int(counts[i, label]) for i in range(k) if not allowed[i])
        labels_out += out > 0
        units_out += out
    q['heaviest_rule_labels'] = labels_out
    q['heaviest_rule_units'] = units_out
    # which label and split hold the max relative deviation (the diagnosis names it)
    share = np.array(weights, dtype=float) / sum(weights)
    big = np.flatnonzero(totals >= 100)
    if len(big):
        dev = np.abs(counts[:, big] / (totals[big] * share[:, None]) - 1)
        i, j = np.unravel_index(np.argmax(dev), dev.shape)
        q['worst'] = {
            'label': int(big[j]),
            'split': names[i],
            'count': int(counts[i, big[j]]),
            'expected': round(float(totals[big[j]] * share[i]), 1),
        }
    return q


def sizes_of(assign: np.ndarray, k: int, per_unit: np.ndarray = None) -> List[int]:
    return np.bincount(assign, weights=per_unit, minlength=k).astype(np.int64).tolist()


def measure(w: data.Workload, unit_sets, assign: np.ndarray, weights) -> dict:
    """Quality and split sizes of one method's assignment of the units."""
    k = len(weights)
    unit_sizes = sizes_of(assign, k)
    q = quality(label_counts(unit_sets, assign, k, w.num_labels), unit_sizes, weights)
    share = np.array(weights, dtype=float) / sum(weights)
    q['unit_sizes'] = unit_sizes
    q['max_unit_size_deviation'] = float(np.max(np.abs(np.array(unit_sizes) - share * len(assign))))
    if w.groups is not None:
        examples = sizes_of(assign, k, data.group_sizes(w))
        q['example_sizes'] = examples
        q['max_example_size_deviation_pct'] = float(
            100 * np.max(np.abs(np.array(examples) / (share * w.n) - 1))
        )
        by_example = assign[w.groups]
        ex = quality(label_counts(w.sets, by_example, k, w.num_labels), examples, weights)
        q['examples'] = {key: ex[key] for key in ('ld', 'missing_pairs', 'max_relative_deviation')}
    return q


def measure_all(w: data.Workload, methods: Sequence[str] = METHODS) -> dict:
    """Every method on workload ``w``."""
    weights = WEIGHTS[w.shape]
    unit_sets = data.unit_sets(w)
    row = {'shape': w.shape, 'n': w.n, 'units': len(unit_sets), 'weights': list(weights)}
    row['methods'] = {}
    y = None
    for method in methods:
        if len(unit_sets) > MAX_UNITS.get(method, {}).get(w.shape, len(unit_sets)):
            continue
        if method == 'ours':
            grouped = w.groups is not None
            result = ours(unit_sets, weights, data.group_sizes(w) if grouped else None)
        else:
            if y is None:
                y = data.dense(unit_sets, w.num_labels)
            try:
                result = globals()[method](y, weights)
            except ImportError as error:
                row['methods'][method] = {'error': str(error)}
                continue
        q = measure(w, unit_sets, result['assign'], weights)
        q['seconds'] = round(result['seconds'], 3)
        if 'forced_pairs' in result:
            q['forced_pairs'] = result['forced_pairs']
        row['methods'][method] = q
    return row


def run(
    sizes: Sequence[int],
    shapes: Sequence[str] = data.SHAPES,
    log=print,
    save=None,
    methods: Sequence[str] = METHODS,
) -> dict:
    """Every shape at every size: ``{'rows': [measure_all rows]}`` (``save(results)`` after
    each row, so a long run keeps what it measured)."""
    results = {'rows': []}
    for n in sizes:
        for shape in shapes:
            start = time.perf_counter()
            w = data.generate(shape, n)
            results['rows'].append(measure_all(w, methods))
            log(f'{shape} n={n:,}: {time.perf_counter() - start:.1f} s')
            if save is not None:
                save(results)
    return results


def run_section(sizes: Sequence[int], many_sizes: Sequence[int], log=print) -> dict:
    """``make bench``'s section: the hierarchy shapes at ``sizes``, 5,000 labels at
    ``many_sizes``."""
    rows = run(sizes, ('hierarchy', 'hierarchy_groups'), log=log)['rows']
    rows += run(many_sizes, ('many_labels',), log=log)['rows']
    return {'rows': rows}


def merge(old_rows: Sequence[dict], new_rows: Sequence[dict]) -> list:
    """``old_rows`` with the methods of ``new_rows`` (same shape and size) measured anew; a
    method no longer in ``METHODS`` (an earlier plan's) is dropped, and new rows are added. The
    references (iterstrat on 5,000 labels takes minutes) need not be re-run when our plan
    changes.

    >>> merge([{'shape': 'h', 'n': 1, 'methods': {'ours': 1, 'iterstrat': 2, 'prototype': 3}}],
    ...       [{'shape': 'h', 'n': 1, 'methods': {'ours': 4}}])[0]['methods']
    {'ours': 4, 'iterstrat': 2}
    """
    new = {(row['shape'], row['n']): row for row in new_rows}
    rows = []
    for row in old_rows:
        row = {key: value for key, value in row.items() if key != 'steps'}
        fresh = new.pop((row['shape'], row['n']), None)
        methods = {m: q for m, q in row['methods'].items() if m in METHODS}
        if fresh is not None:
            methods = {m: fresh['methods'].get(m, q) for m, q in methods.items()}
            methods.update(fresh['methods'])
        rows.append({**row, 'methods': methods})
    return rows + list(new.values())


if __name__ == '__main__':
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[2_000, 5_000, 30_000])
    parser.add_argument('--shapes', nargs='+', default=list(data.SHAPES))
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=METHODS)
    parser.add_argument('--out', default='/tmp/bench_multilabel_hard.json')
    parser.add_argument(
        '--merge-into',
        help='a results.json: its multilabel_hard rows get the methods measured here',
    )
    args = parser.parse_args()

    def save(results):
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1, default=float)
        if args.merge_into:
            with open(args.merge_into) as f:
                everything = json.load(f)
            hard = everything['multilabel_hard']
            hard['rows'] = merge(hard.get('rows', []), results['rows'])
            with open(args.merge_into, 'w') as f:
                f.write(json.dumps(everything, indent=1, default=float) + '\n')

    run(args.sizes, args.shapes, save=save, methods=args.methods)
