"""Stratified k folds as weighted splits: ``folds=k`` (and ``holdout``) of StratifiedSplitter.

``folds=k`` names the splits ``fold-0 .. fold-<k-1>``. ``holdout={'test': 0.1}`` first gives each
held-out split its fraction of every class (by weight), and the k folds share the rest equally.
The folds are ordinary weighted splits, listed after the held-out splits, so the exact rule of
:mod:`~tfx_balance.core.allocation` applies unchanged: a held-out split of fraction ``h`` has
weight ``h`` and each fold ``(1 - sum(h)) / k``, taken exactly from the decimals written (``0.1``
is 1/10), and scaled to the smallest integer weights with the same ratios, which is what the
component records in its ``splits`` property.

Example:
    >>> fold_weights(5)
    {'fold-0': 1, 'fold-1': 1, 'fold-2': 1, 'fold-3': 1, 'fold-4': 1}
    >>> fold_weights(3, {'test': 0.25})
    {'test': 1, 'fold-0': 1, 'fold-1': 1, 'fold-2': 1}
    >>> fold_weights(5, {'test': 0.1})
    {'test': 5, 'fold-0': 9, 'fold-1': 9, 'fold-2': 9, 'fold-3': 9, 'fold-4': 9}
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Mapping

from tfx_balance.core.allocation import validate_split_weights
from tfx_balance.core.errors import ConfigError

FOLD_PREFIX = 'fold-'
MAX_FOLDS = 100  # each fold is a Beam output and a Split- folder


def fold_names(folds: int) -> list:
    """``['fold-0', ..., 'fold-<k-1>']``."""
    return [f'{FOLD_PREFIX}{i}' for i in range(folds)]


def validate_folds(folds: object) -> int:
    if isinstance(folds, bool) or not isinstance(folds, numbers.Integral):
        raise ConfigError(f'folds must be an integer >= 2 (the number of folds), got {folds!r}.')
    if not 2 <= folds <= MAX_FOLDS:
        raise ConfigError(
            f'folds is {folds}; it must be 2 to {MAX_FOLDS} (each fold is a split: a Beam output '
            'and a Split-<name> folder). Use e.g. folds=5.'
        )
    return int(folds)


def validate_holdout(holdout: object, folds: int) -> dict:
    """Checks ``holdout`` (``{split name: fraction in (0, 1)}``, fractions summing below 1)."""
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
