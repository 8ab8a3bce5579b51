"""A component's arguments, each declared once: a field of its config dataclass.

A field carries the argument's type, default, doc and ``Wire`` (its exec-property codec);
``validate()`` holds the checks. The spec's ``PARAMETERS``, the codec, the ``Args:`` doc and the
docs' table derive from the fields.

Example:
    >>> @dataclasses.dataclass(frozen=True)
    ... class Config(Arguments):
    ...     label_feature: str = argument(doc='the label feature.', wire=STR)
    ...     splits: tuple = argument(('train',), doc='the splits read.', wire=JSON)
    ...     group_feature: str | None = argument(None, doc='a group id feature.', wire=STR)
    ...     def validate(self):
    ...         return dataclasses.replace(self, splits=tuple(self.splits))
    >>> Config('y').to_exec_properties()  # None is not written
    {'label_feature': 'y', 'splits': '["train"]'}
    >>> Config.from_exec_properties({'label_feature': 'y', 'splits': '["a", "b"]'})
    Config(label_feature='y', splits=('a', 'b'), group_feature=None)
    >>> print(Config.argument_docs())
    label_feature: the label feature.
    splits: the splits read.
    group_feature: a group id feature.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from typing import Any, Callable, List, Mapping

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.python_values import to_json


def _same(value):
    return value


@dataclasses.dataclass(frozen=True)
class Wire:
    """How an argument travels as an exec property: its type, and the codec of the value."""

    type: type
    encode: Callable[[Any], Any] = _same
    decode: Callable[[Any], Any] = _same


def _from_json(value):
    """A JSON property's value; a number as it is (an older FLOAT property)."""
    return value if isinstance(value, (int, float)) else json.loads(value)


STR = Wire(str)
INT = Wire(int, int, int)
FLOAT = Wire(float, float, float)
BOOL = Wire(int, int, lambda value: bool(int(value)))  # 1 / 0
JSON = Wire(str, to_json, _from_json)  # lists, mappings, numbers or strings as JSON text
# Sorted keys: the same mapping gives the same property (and TFX cache key) in any order.
SORTED_JSON = Wire(str, lambda value: to_json(value, sort_keys=True), _from_json)


def argument(
    default=dataclasses.MISSING,
    *,
    doc: str,
    wire: Wire | None,
    written: Callable[[Any], bool] | None = None,
    name: str | None = None,
    constructor: bool = True,
    default_factory=dataclasses.MISSING,
) -> Any:
    """A config field that is a component argument: its ``default`` (none: required), ``doc``
    and ``wire`` (None: not an exec property). ``written(config)``: whether the property is
    written (default: when not None, so other pipelines keep their TFX cache keys); ``name``: the
    argument's name, where not the field's; ``constructor=False``: a property TFX sets.
    """
    metadata = {
        'doc': doc,
        'wire': wire,
        'written': written,
        'name': name,
        'constructor': constructor,
    }
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


def argument_name(field: dataclasses.Field) -> str:
    return field.metadata['name'] or field.name


def is_required(field: dataclasses.Field) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def is_written(config, field: dataclasses.Field) -> bool:
    """Whether the property of ``field`` is written: its ``written`` rule, else not None."""
    rule = field.metadata['written']
    return rule(config) if rule else getattr(config, field.name) is not None


class Arguments:
    """Mixin of a frozen config dataclass of ``argument`` fields; a subclass defines
    ``validate()``: the config in canonical form, or a ``ConfigError``."""

    @classmethod
    def declared(cls) -> List[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if 'doc' in f.metadata]

    @classmethod
    def constructor_arguments(cls) -> List[dataclasses.Field]:
        """The argument fields the constructor takes, in order."""
        return [f for f in cls.declared() if f.metadata['constructor']]

    @classmethod
    def from_call(cls, values: Mapping[str, Any], **fields):
        """The config of a component's call (``values``: its ``locals()``; ``fields`` by name)."""
        given = {
            f.name: values[argument_name(f)]
            for f in cls.constructor_arguments()
            if argument_name(f) in values
        }
        return cls(**{**given, **fields})

    def to_exec_properties(self) -> dict:
        """Each written argument's exec property, encoded by its ``Wire``."""
        props = {}
        for field in self.declared():
            wire = field.metadata['wire']
            if wire is not None and is_written(self, field):
                props[argument_name(field)] = wire.encode(getattr(self, field.name))
        return props

    @classmethod
    def from_exec_properties(cls, props: Mapping[str, Any], **values):
        """The validated config ``to_exec_properties`` wrote; ``values``: arguments not in it."""
        decoded = dict(values)
        for field in cls.declared():
            wire = field.metadata['wire']
            name = argument_name(field)
            value = props.get(name)
            if wire is not None and value is not None and value != '':
                try:
                    decoded[field.name] = wire.decode(value)
                except (TypeError, ValueError) as e:  # json's errors are ValueErrors
                    raise ConfigError(
                        f'exec property {name} {value!r} cannot be decoded ({e}); it is written '
                        f'by {cls.__name__}.to_exec_properties: build the component again.'
                    ) from e
        return cls(**decoded).validate()

    @classmethod
    def argument_docs(cls, indent: str = '') -> str:
        """``name: doc`` per argument: the component's ``Args:`` entries."""
        lines = []
        for field in cls.constructor_arguments():
            text = textwrap.wrap(
                f'{argument_name(field)}: {field.metadata["doc"]}',
                width=96 - len(indent),
                subsequent_indent='  ',
            )
            lines += [indent + line for line in text]
        return '\n'.join(lines)

    @classmethod
    def argument_table(cls) -> str:
        """The docs' Markdown table of the arguments."""
        rows = ['| argument | default | what it does |', '|---|---|---|']
        for field in cls.constructor_arguments():
            if is_required(field):
                default = 'required'
            elif field.default is not dataclasses.MISSING:
                default = f'`{field.default!r}`'
            else:
                default = f'`{field.default_factory()!r}`'
            doc = ' '.join(field.metadata['doc'].split()).replace('|', '\\|')
            rows.append(f'| `{argument_name(field)}` | {default} | {doc} |')
        return '\n'.join(rows)
