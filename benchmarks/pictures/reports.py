"""Reports of ``classes`` classes in the formats the components write, for the pictures' tests,
docs and benchmark: class ``i`` has about ``largest / (i + 1) ** 1.3`` examples (the rarest a
handful), split 8:1:1, rebalanced to the largest class, checked, laid out, and a 3-fold
cross-validation. ``failing=True``: the validator's eval split misses its rarest classes and the
leakage check finds an example in train and test.

Example:
    >>> sorted(example_reports(2))[:2]
    ['balance_plan.json', 'class_distribution.json']
"""

from __future__ import annotations

from tfx_balance.core.common import keys

SPLITS = {'train': 8, 'eval': 1, 'test': 1}


def class_counts(classes: int, largest: int = 5000) -> dict:
    return {f'class-{i:04d}': max(3, int(largest / (i + 1) ** 1.3)) for i in range(classes)}


def _split(n: int) -> dict:
    eval_, test = max(1, n // 10), max(1, n // 10)
    return {'train': n - eval_ - test, 'eval': eval_, 'test': test}


def example_reports(classes: int, failing: bool = False) -> dict:
    """``{report file: report}`` of every component, for ``classes`` classes."""
    counts = class_counts(classes)
    split = {c: _split(n) for c, n in counts.items()}
    train = {c: s['train'] for c, s in split.items()}
    largest = max(train.values())
    totals = {s: sum(row[s] for row in split.values()) for s in SPLITS}
    shares = {c: {s: round(split[c][s] / totals[s], 6) for s in SPLITS} for c in split}
    findings = []
    if failing:
        rare = sorted(counts, key=counts.get)[:2]
        findings.append(
            {
                'kind': 'split_distance',
                'splits': ['train', 'eval'],
                'classes': rare,
                'distance': 0.031,
                'threshold': 0.02,
                'description': "splits 'train' and 'eval' are 0.031 apart (L-infinity), above "
                'max_split_distance 0.02',
                'fix': 'split with StratifiedSplitter',
            }
        )
    pairs = [
        {
            'splits': [a, b],
            'keys': 1 if failing and (a, b) == ('train', 'test') else 0,
            'examples': {a: int(failing and (a, b) == ('train', 'test')), b: 0},
            'fingerprints': ['8733504583cbd8cc'] if failing and (a, b) == ('train', 'test') else [],
        }
        for a, b in (('train', 'eval'), ('train', 'test'), ('eval', 'test'))
    ]
    synthetic = sum(largest - n for n in train.values())
    fold_values = [[0.71, 0.74, 0.69], [0.52, 0.58, 0.49]]
    return {
        keys.SPLIT_COUNTS_FILE: split,
        keys.REBALANCE_PLAN_FILE: {
            'label_feature': 'label',
            'target': 'max',
            'undersample': False,
            'augmentation': 'copy',
            'seed': 0,
            'provenance_feature': 'is_synthetic',
            'source_feature': 'source_fingerprint',
            'splits': {
                'train': {
                    c: {
                        'input': n,
                        'target': largest,
                        'generated': largest - n,
                        'dropped': 0,
                        'output': largest,
                    }
                    for c, n in train.items()
                }
            },
        },
        keys.CLASS_DISTRIBUTION_JSON_FILE: {
            'label_feature': 'label',
            'passed': not findings,
            'max_split_distance': 0.02,
            'target_tolerance': 0.01,
            'targets': {},
            'counts': split,
            'shares': shares,
            'totals': totals,
            'split_distances': [
                {'splits': ['train', 'eval'], 'linf': 0.031 if failing else 0.004},
                {'splits': ['train', 'test'], 'linf': 0.004},
                {'splits': ['eval', 'test'], 'linf': 0.0},
            ],
            'target_distances': {},
            'findings': findings,
            'notes': [],
        },
        keys.LEAKAGE_JSON_FILE: {
            'passed': not failing,
            'splits': list(SPLITS),
            'training_splits': ['train'],
            'examples': {'train': largest * len(train), **{s: totals[s] for s in ('eval', 'test')}},
            'synthetic': {'train': synthetic, 'eval': 0, 'test': 0},
            'duplicates_across_splits': {
                'keys': sum(p['keys'] for p in pairs),
                'examples': sum(sum(p['examples'].values()) for p in pairs),
                'pairs': pairs,
            },
            'synthetic_outside_training': {'examples': 0, 'per_split': {}},
            'duplicates_within_splits': {},
        },
        keys.BALANCE_PLAN_FILE: {
            'format_version': 1,
            'written_by': 'BalancedInputGen',
            'splits': {
                'train': {
                    'label_feature': 'label',
                    'total': largest * len(train),
                    'classes': [
                        {'index': i, 'class': c, 'count': largest, 'class_weight': 1.0}
                        for i, c in enumerate(train)
                    ],
                    'data_counts': train,
                }
            },
            'passthrough_splits': ['eval', 'test'],
        },
        keys.CROSS_VALIDATION_JSON_FILE: {
            'folds': ['fold-0', 'fold-1', 'fold-2'],
            'models': {
                'candidate': {
                    'name': 'balanced',
                    'metrics': {
                        name: {
                            'values': values,
                            'n': 3,
                            'mean': sum(values) / 3,
                            'std': 0.025,
                            'interval': [sum(values) / 3 - 0.062, sum(values) / 3 + 0.062],
                        }
                        for name, values in zip(('macro_recall', 'min_class_recall'), fold_values)
                    },
                },
                'baseline': None,
            },
            'differences': {},
            'gate': {
                'blessed': True,
                'gate_on': 'mean',
                'checks': [
                    {
                        'metric': 'macro_recall',
                        'rule': '>= 0.6',
                        'compared': 'mean',
                        'value': 0.713,
                        'passed': True,
                        'folds': 3,
                    }
                ],
            },
        },
    }
