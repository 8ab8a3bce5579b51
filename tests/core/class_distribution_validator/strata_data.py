"""Test data for the validator's strata check: StratifiedSplitter's ``"strata"`` entry made by
its own allocation (``allocate_classes_and_strata``) and report (``strata_report``), and the
splits' label distributions they add up to."""

import json
import random

from tfx_balance.core import class_distribution_validator as cd
from tfx_balance.core.split.allocation import allocate_classes_and_strata
from tfx_balance.core.split.config import StratifiedSplitConfig
from tfx_balance.core.split.report import strata_report
from tfx_balance.core.split.stratify_features import Stratum

SPLITS = {'train': 8, 'eval': 1, 'test': 1}


def split(sizes, features=('site',), splits=SPLITS):
    """``(distributions, SplitterCounts)`` of the splitter's allocation of ``{Stratum: n}``."""
    config = StratifiedSplitConfig(
        'label', splits=list(splits.items()), stratify_features=list(features)
    ).validate()
    classes = sorted({s.label for s in sizes})
    strata = [[s for s in sorted(sizes) if s.label == c] for c in classes]
    _, rows = allocate_classes_and_strata(
        [[sizes[s] for s in row] for row in strata], list(splits.values())
    )
    pairs = [
        ((i, stratum), n)
        for row, counts in zip(strata, rows)
        for stratum, per_split in zip(row, counts)
        for i, n in enumerate(per_split)
        if n
    ]
    return counted(strata_report(pairs, config), splits)


def counted(strata, splits=SPLITS):
    dists = {s: {} for s in splits}
    for row in strata['strata']:
        label = int(row['class'])
        for s, n in row['counts'].items():
            if n:
                dists[s][label] = dists[s].get(label, 0) + n
    distributions = {s: cd.LabelDistribution(s, counts, 'test') for s, counts in dists.items()}
    return distributions, cd.SplitterCounts(strata=strata)


def sizes(values: int, classes: int, seed: int = 0, smallest=None) -> dict:
    rng = random.Random(seed)
    sizes = {
        Stratum(c, (f'v{v:02d}'.encode(),)): rng.randrange(1, 60) * (c + 1)
        for v in range(values)
        for c in range(classes)
    }
    if smallest:  # one value of ``smallest`` examples in all
        for c in range(classes):
            sizes[Stratum(c, (b'v00',))] = 1 if c < smallest else 0
        sizes = {s: n for s, n in sizes.items() if n}
    return sizes


def move(strata, value, label, source, target, n):
    """``strata`` with ``n`` examples of (``label``, ``value``) moved from split ``source``."""
    moved = json.loads(json.dumps(strata))
    for row in moved['strata']:
        if row['class'] == label and row['values'] == [value]:
            row['counts'][source] -= n
            row['counts'][target] += n
    return moved
