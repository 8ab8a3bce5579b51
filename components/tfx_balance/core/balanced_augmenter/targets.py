"""The ``target`` argument of BalancedAugmenter: checking it, its JSON form, per-class counts.

Rules: docs/balanced_augmenter.md, "Counts: exactly the target".

Example:
    >>> resolve_targets({0: 10, 1: 4, 2: 1}, 'max')
    {0: 10, 1: 10, 2: 10}
    >>> resolve_targets({0: 10, 1: 4, 2: 1}, 'mean')
    {0: 5, 1: 5, 2: 5}
    >>> output_count(10, 5, undersample=False), output_count(10, 5, undersample=True)
    (10, 5)
    >>> decode_target(encode_target({b'\\xff': 3, 'Cash': 2}))
    {b'\\xff': 3, 'Cash': 2}
"""

from __future__ import annotations

import base64
import json
from typing import Dict, Mapping

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.labels import parse_class_name, sorted_classes
from tfx_balance.core.common.python_values import to_json

TARGET_KINDS = ('max', 'mean')
_BYTES = 'base64'  # JSON form of a bytes class: {"base64": "<standard base64>"}
_USAGE = "Use target='max', 'mean', an int count, or a dict {class: count}."


def validate_target(target):
    """A ``target`` argument checked and normalised ('max', 'mean', int or dict)."""

    def count(value, what):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(
                    f'{what} must be a non-negative integer count, got {value!r}. {_USAGE}'
                )
        if value < 0:
            raise ConfigError(
                f'{what} is {value}; class counts cannot be negative. Use a count >= 0 '
                '(with undersample=True, 0 removes the class).'
            )
        return int(value)

    def name(key):
        if isinstance(key, bool) or not isinstance(key, (int, str, bytes)):
            raise ConfigError(
                f'target names class {key!r} ({type(key).__name__}); name classes by their '
                f'label value (int or bytes) or its string form. {_USAGE}'
            )
        return key

    if isinstance(target, str):
        if target not in TARGET_KINDS:
            raise ConfigError(f'target {target!r} is not supported. {_USAGE}')
        return target
    if isinstance(target, Mapping):
        if not target:
            raise ConfigError('target is an empty dict; name at least one class: {class: count}.')
        return {name(k): count(v, f'target for class {k!r}') for k, v in target.items()}
    if isinstance(target, (list, tuple)):  # [(class, count), ...], as in the JSON form
        if not all(isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in target):
            raise ConfigError(f'target {target!r} is not a list of (class, count) pairs. {_USAGE}')
        return validate_target({name(k): v for k, v in target})
    return count(target, 'target')


def encode_target(target) -> str:
    """The JSON exec-property form of a valid ``target`` (a dict as ``[class, count]`` pairs)."""
    if isinstance(target, Mapping):
        return to_json([[_encode_class(k), v] for k, v in target.items()])
    return to_json(target)


def decode_target(text: str):
    """The ``target`` of ``encode_target``'s JSON (not yet validated)."""
    try:
        target = json.loads(text)
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f'target {text!r} is not the JSON an exec property holds. {_USAGE}'
        ) from e
    if not isinstance(target, list):
        return target
    if not all(isinstance(pair, list) and len(pair) == 2 for pair in target):
        raise ConfigError(f'target {text!r} is not a list of [class, count] pairs. {_USAGE}')
    return {_decode_class(k): v for k, v in target}


def _encode_class(key):
    if isinstance(key, bytes):
        return {_BYTES: base64.b64encode(key).decode('ascii')}
    return key


def _decode_class(key):
    if isinstance(key, dict) and set(key) == {_BYTES}:
        return base64.b64decode(key[_BYTES])
    if isinstance(key, (dict, list)):
        raise ConfigError(f'target names class {key!r}, which is not a class name. {_USAGE}')
    return key


def resolve_targets(counts: Mapping, target) -> Dict:
    """The ``{class: target count}`` of the input ``{class: count}`` and a valid ``target``."""
    classes = sorted_classes(counts)
    if not classes:
        return {}
    if target == 'max':
        wanted = dict.fromkeys(classes, max(counts.values()))
    elif target == 'mean':
        total, k = sum(counts.values()), len(classes)
        wanted = dict.fromkeys(classes, (2 * total + k) // (2 * k))
    elif isinstance(target, Mapping):
        wanted = {c: counts[c] for c in classes}
        for name, value in target.items():
            wanted[name if name in wanted else parse_class_name(name, classes)] = value
    else:
        wanted = dict.fromkeys(classes, target)
    return wanted


def output_count(n: int, target: int, undersample: bool) -> int:
    """Examples a class of ``n`` has in the output for the given target."""
    if target >= n:
        return target
    return target if undersample else n
