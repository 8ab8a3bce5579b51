"""Split names and weights: the checks of every component's ``splits``-like argument.

Every component and ``core`` area checks the splits it is given here, so that a split name is one
rule everywhere (it becomes a ``Split-<name>/`` folder).

Example:
    >>> validate_split_weights([('train', 8), ('eval', 2)])
    {'train': 8, 'eval': 2}
    >>> validate_split_list('train')
    ('train',)
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from tfx_balance.core.common.errors import ConfigError

SPLIT_NAME_PATTERN = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
_SPLITS_FORMS = (
    'a non-empty mapping of split name to positive weight, e.g. '
    "splits={'train': 8, 'eval': 1, 'test': 1}, or a list of (name, weight) pairs, e.g. "
    "splits=[('train', 8), ('eval', 2)]"
)


def validate_split_weights(splits: Mapping[str, float]) -> dict:
    """A mapping or list of ``(name, weight)`` pairs, checked, as an ordered ``{name: weight}``
    dict; else a ``ConfigError``."""
    if isinstance(splits, (list, tuple)):
        if not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in splits):
            names_only = splits and all(isinstance(p, str) for p in splits)
            hint = (
                ' A list of names gives no weights: give each split one, e.g. '
                f'{dict.fromkeys(splits, 1)!r} for equal shares.'
                if names_only
                else ''
            )
            raise ConfigError(f'splits must be {_SPLITS_FORMS}; got {splits!r}.{hint}')
        names = [name for name, _ in splits]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1}, key=str)
            raise ConfigError(
                f'split names must be unique; duplicated: {", ".join(map(str, dup))}. '
                'Give each split a distinct name.'
            )
        splits = dict(splits)
    if not isinstance(splits, Mapping) or not splits:
        raise ConfigError(f'splits must be {_SPLITS_FORMS}; got {splits!r}.')
    for name, weight in splits.items():
        validate_split_name(name)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise ConfigError(
                f"weight of split '{name}' must be a positive number, got {weight!r}."
            )
        if not weight > 0 or weight != weight or weight == float('inf'):
            raise ConfigError(
                f"weight of split '{name}' is {weight!r}; weights must be positive and finite "
                "(they are normalised, e.g. {'train': 8, 'eval': 1, 'test': 1}). Remove the "
                'split instead of giving it weight 0.'
            )
    return dict(splits)


def validate_split_name(name: object) -> str:
    """Checks that ``name`` can be a TFX split name (used in ``Split-<name>/`` folders)."""
    if not isinstance(name, str) or not SPLIT_NAME_PATTERN.match(name):
        raise ConfigError(
            f'invalid split name {name!r}: split names must be non-empty strings of letters, '
            "digits, '_', '-' or '.', starting with a letter or digit (they become "
            "'Split-<name>' folders), e.g. 'train', 'eval', 'test'."
        )
    return name


def validate_split_list(value: object, argument: str = 'splits') -> tuple:
    """Checks a list of split names to read (one name is a list of one); returns it as a tuple."""
    names = [value] if isinstance(value, str) else value
    if isinstance(names, (bytes, Mapping)) or not isinstance(names, Sequence):
        raise ConfigError(
            f"{argument} must be a list of split names such as ['train'], got {value!r}."
        )
    names = tuple(names)
    if not names:
        raise ConfigError(f"{argument} is empty; name at least one split, e.g. ['train'].")
    if not all(isinstance(name, str) and name for name in names):
        raise ConfigError(
            f"{argument} must hold split names (strings) such as ['train'], got {list(names)!r}."
        )
    if len(set(names)) < len(names):
        raise ConfigError(f'{argument} lists a split twice: {list(names)!r}. List each split once.')
    return names
