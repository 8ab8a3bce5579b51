"""'smote' with ``variant='borderline-1'``: Borderline-SMOTE 1 (Han et al. 2005; imbalanced-learn's
``BorderlineSMOTE(kind='borderline-1')``).

An example of a class that gets generated examples is **in danger** when, among its ``m`` nearest
neighbours in the whole split (every class; the example itself and its duplicates excluded), at
least half but not all are of another class (``m/2 <= other < m``). Only the examples in danger
are sources: the class's ``t - n`` new examples are spread over them, ``floor`` or ``ceil`` each,
the extra ones to the lowest-ranked (seeded hash, then bytes, as for every class). Partners and
categorical features are SMOTE's (``smote``): the ``k`` nearest of the
source's own class. A class with no example in danger is grown from all its examples (plain SMOTE;
imbalanced-learn would generate nothing for it, and the counts here are exact).

The neighbours are searched among each class's profile sample (``profile.py``): exact when every
class has at most ``exact_limit`` examples; a larger class is represented by its seeded sample
of ``exact_limit``, which makes it look sparser than it is (documented approximation). A grown
class itself must fit ``exact_limit`` (its examples are ranked in one group).

Example:
    >>> in_danger(other=6, m=10), in_danger(other=10, m=10), in_danger(other=4, m=10)
    (True, False, False)
"""

from __future__ import annotations

import numpy as np

from tfx_balance.core.balanced_augmenter.floats import unpack_floats
from tfx_balance.core.balanced_augmenter.knn import NeighbourIndex
from tfx_balance.core.balanced_augmenter.smote import SmoteClass, SmoteOptions
from tfx_balance.core.errors import DataError
from tfx_balance.core.labels import class_name

WHOLE_CLASS = -1  # the "bucket" under which a borderline class's originals are ranked together


def in_danger(other: int, m: int) -> bool:
    """Borderline-SMOTE's rule: half or more, but not all, of the ``m`` neighbours are others."""
    return m / 2 <= other < m


def danger_sources(reservoirs, classes, options: SmoteOptions, where: str) -> dict:
    """``{class: frozenset of fingerprints in danger}`` for each grown class that has some.

    ``reservoirs``: every class's profile sample ``[(fingerprint, payload)]``; ``classes``: the
    plan's ``ClassRebalance`` per class.
    """
    out = {}
    for label in sorted(classes, key=class_name):
        rebalance = classes[label]
        if not rebalance.generated:
            continue
        if rebalance.n > options.exact_limit:
            raise DataError(
                f"{where}, class {class_name(label)!r} has {rebalance.n} examples; 'smote' with "
                f"variant='borderline-1' needs every class it grows within exact_limit "
                f"({options.exact_limit}). Raise augmentation_options 'exact_limit' above "
                f'{rebalance.n - 1}, or drop the variant.'
            )
        own = SmoteClass(reservoirs[label], options)
        fps, rows, same = [], [], []
        for other_label, entries in reservoirs.items():
            for fp, payload in entries:
                fps.append(fp)
                rows.append(own.vector(unpack_floats(payload[0]))[own.keep])
                same.append(other_label == label)
        everyone = NeighbourIndex(fps, np.array(rows).reshape(len(fps), -1), scale=options.scale)
        same = np.array(same)[everyone.rows]
        members = [i for i, fp in enumerate(own.fingerprints) if own.index.eligible[i]]
        vectors = own.raw[members][:, own.keep]
        member_fps = [own.fingerprints[i] for i in members]
        found = everyone.neighbours(vectors, [None] * len(members), options.m, exclude=member_fps)
        danger = frozenset(
            fp
            for fp, near in zip(member_fps, found)
            if len(near) == options.m and in_danger(int((~same[near]).sum()), options.m)
        )
        if danger:
            out[label] = danger
    return out
