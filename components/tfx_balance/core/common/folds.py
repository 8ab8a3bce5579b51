"""Stratified k folds as weighted splits: StratifiedSplitter's ``folds=k`` and ``holdout``.

Held-out splits get their fraction of every class and the k folds share the rest equally, as the
smallest integer weights of the exact fractions written.

Example:
    >>> fold_weights(3, {'test': 0.25})
    {'test': 1, 'fold-0': 1, 'fold-1': 1, 'fold-2': 1}
    >>> fold_weights(5, {'test': 0.1})
    {'test': 5, 'fold-0': 9, 'fold-1': 9, 'fold-2': 9, 'fold-3': 9, 'fold-4': 9}
"""

from __future__ import annotations

import math
import numbers
import re
from fractions import Fraction
from typing import List, Mapping, Sequence

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.split_names import validate_split_weights

FOLD_PREFIX = 'fold-'
# Each fold is a Beam output, a Split- folder and an input of CrossValidationAggregate.
MAX_FOLDS = 100
_SPLIT_NAME = re.compile(r'^[A-Za-z0-9_.-]+$')


def fold_names(folds) -> List[str]:
    """The fold split names: ``fold-0 .. fold-<k-1>`` for an int ``folds``, or the given names.

    >>> fold_names(3)
    ['fold-0', 'fold-1', 'fold-2']
    """
    if isinstance(folds, bool) or not isinstance(folds, (numbers.Integral, list, tuple)):
        raise ConfigError(
            f'folds must be the number of folds (an int, e.g. folds=5 for splits fold-0 .. '
            f'fold-4) or a list of fold split names, got {folds!r}.'
        )
    if isinstance(folds, numbers.Integral):
        return [f'{FOLD_PREFIX}{i}' for i in range(validate_folds(folds))]
    names = list(folds)
    if not 2 <= len(names) <= MAX_FOLDS:
        raise ConfigError(
            f'folds gives {len(names)} fold(s); cross-validation needs 2 to {MAX_FOLDS} folds '
            '(5 or 10 are usual), e.g. folds=5 for the splits fold-0 .. fold-4.'
        )
    bad = [n for n in names if not isinstance(n, str) or not _SPLIT_NAME.match(n)]
    if bad or len(set(names)) != len(names):
        raise ConfigError(
            f'folds must be distinct split names of letters, digits, _, - or ., got {names!r}; '
            "e.g. ['fold-0', 'fold-1', 'fold-2']."
        )
    return names


def validate_folds(folds: object) -> int:
    if isinstance(folds, bool) or not isinstance(folds, numbers.Integral):
        raise ConfigError(f'folds must be an integer >= 2 (the number of folds), got {folds!r}.')
    if not 2 <= folds <= MAX_FOLDS:
        raise ConfigError(
            f'folds is {folds}; it must be 2 to {MAX_FOLDS} (each fold is a split: a Beam output '
            'and a Split-<name> folder). Use e.g. folds=5.'
        )
    return int(folds)


def training_folds(folds: Sequence[str], held_out: str) -> List[str]:
    """The folds a fold's model trains on: every fold but ``held_out``."""
    return [f for f in folds if f != held_out]


def validate_holdout(holdout: object, folds: int) -> dict:
    """Checks ``holdout``: ``{split: fraction in (0, 1)}``, summing below 1."""
    if isinstance(holdout, (list, tuple)):
        holdout = validate_split_weights(holdout)  # pairs: same shape checks as splits
    if not isinstance(holdout, Mapping) or not holdout:
        raise ConfigError(
            'holdout must be a non-empty mapping of held-out split name to its fraction of the '
            f"examples, e.g. holdout={{'test': 0.1}}; got {holdout!r}."
        )
    holdout = validate_split_weights(dict(holdout))
    for name, fraction in holdout.items():
        if name.startswith(FOLD_PREFIX):
            raise ConfigError(
                f"holdout split '{name}' clashes with the fold splits fold-0 .. fold-{folds - 1}; "
                "give held-out splits other names, e.g. holdout={'test': 0.1}."
            )
        if not fraction < 1:
            raise ConfigError(
                f"holdout fraction of split '{name}' is {fraction!r}; it must be between 0 and 1 "
                "(the share of every class held out), e.g. holdout={'test': 0.1}."
            )
    total = sum(_exact(f) for f in holdout.values())
    if total >= 1:
        raise ConfigError(
            f'holdout fractions sum to {float(total):g}; they must sum to less than 1, so that '
            "the folds get the rest, e.g. holdout={'test': 0.1}."
        )
    return holdout


def fold_weights(folds: int, holdout: Mapping[str, float] | None = None) -> dict:
    """The ordered ``{split: integer weight}`` of the held-out splits then the folds."""
    holdout = dict(holdout or {})
    exact = {name: _exact(f) for name, f in holdout.items()}
    fold = (1 - sum(exact.values(), Fraction(0))) / folds
    weights = {**exact, **dict.fromkeys(fold_names(folds), fold)}
    scale = math.lcm(*(w.denominator for w in weights.values()))
    ints = {name: int(w * scale) for name, w in weights.items()}
    common = math.gcd(*ints.values())
    return {name: w // common for name, w in ints.items()}


def _exact(fraction) -> Fraction:
    """The fraction as written: ``0.1`` is 1/10 (not the binary float nearest it)."""
    return Fraction(repr(fraction)) if isinstance(fraction, float) else Fraction(fraction)
