"""Arguments as the Python values they are: numpy scalars as Python numbers, and exec-property JSON.

Example:
    >>> import numpy as np
    >>> python_value({'k': np.int64(3), 'scales': [np.float32(0.5)], 'flip': np.bool_(True)})
    {'k': 3, 'scales': [0.5], 'flip': True}
    >>> to_json({'noise_scale': np.float64(0.2)})
    '{"noise_scale": 0.2}'
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Mapping

import numpy as np


def python_value(value):
    """``value`` with numpy scalars (also nested) as Python values and arrays as lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        items = [(python_value(k), python_value(v)) for k, v in value.items()]
        if all(a is k and b is v for (a, b), (k, v) in zip(items, value.items())):
            return value
        return dict(items)
    if type(value) in (list, tuple):
        items = [python_value(v) for v in value]
        if all(a is v for a, v in zip(items, value)):
            return value
        return type(value)(items)
    return value


def with_python_values(config):
    """The dataclass ``config`` with ``python_value`` of every field."""
    changed = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        plain = python_value(value)
        if plain is not value:
            changed[field.name] = plain
    return dataclasses.replace(config, **changed) if changed else config


def on_python_values(validate):
    """Decorates a config's ``validate()`` to check ``with_python_values`` of it."""

    @functools.wraps(validate)
    def checked(config):
        return validate(with_python_values(config))

    return checked


def to_json(value, **kwargs) -> str:
    """The JSON text of an exec property: ``json.dumps`` of ``python_value`` of ``value``."""
    return json.dumps(python_value(value), **kwargs)
