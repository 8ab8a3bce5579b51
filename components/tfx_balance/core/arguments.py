"""A component's arguments, each declared once: a field of its config dataclass.

Each field carries the argument's type and default (the dataclass's), its doc and how it travels
as a TFX exec property (its ``Wire``); the config's ``validate()`` holds its checks. From the
fields derive the ComponentSpec's ``PARAMETERS`` (``tfx_balance.parameters.execution_parameters``),
the exec-property encoding (``to_exec_properties``) and decoding (``from_exec_properties``), the
component's ``Args:`` doc and the docs' argument table (``argument_table``). Adding an argument
is one field, its check, and the code that uses it.

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

from tfx_balance.core.errors import ConfigError
from tfx_balance.core.python_values import to_json


def _same(value):
    return value


@dataclasses.dataclass(frozen=True)
class Wire:
    """How an argument travels as an exec property: the property's type (what TFX's
    ``ExecutionParameter`` holds: str, int or float), and the functions from the validated value
    to the property and back (the config's ``validate()`` then puts it in canonical form)."""

    type: type
    encode: Callable[[Any], Any] = _same
    decode: Callable[[Any], Any] = _same


def _from_json(value):
    """A JSON property's value; a number as it is: an argument that became a mapping (e.g. a
    threshold per split) was a FLOAT property in pipelines built before, and still decodes."""
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
    """A config field that is a component argument.

    Args:
      default: its default (none, nor ``default_factory``: a required argument).
      doc: one sentence or a few for the component's ``Args:`` and the docs' table.
      wire: how it travels as an exec property; None for an argument that does not.
      written: ``config -> bool``: whether the property is written (default: when the value is
        not None). A property written only where it applies keeps the exec properties, and so
        TFX's cache key, of a pipeline that does not use it.
      name: the argument's (and property's) name where it is not the field's.
      constructor: False for a property the component's constructor does not take (TFX sets
        it, e.g. the ``module_path`` of a packaged module file).
      default_factory: as ``dataclasses.field``'s.
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
    """The name of the argument (and of its exec property) ``field`` declares."""
    return field.metadata['name'] or field.name


def is_required(field: dataclasses.Field) -> bool:
    """Whether the argument ``field`` declares has no default."""
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def is_written(config, field: dataclasses.Field) -> bool:
    """Whether ``config``'s property of ``field`` is written: by the field's ``written`` rule,
    else when its value is not None."""
    rule = field.metadata['written']
    return rule(config) if rule else getattr(config, field.name) is not None


class Arguments:
    """Mixin of a frozen config dataclass whose fields are ``argument``s (see the module doc).

    The subclass defines ``validate()`` (returns the config in canonical form, raises
    ``ConfigError`` naming the argument at fault).
    """

    @classmethod
    def declared(cls) -> List[dataclasses.Field]:
        """The argument fields, in declaration order."""
        return [f for f in dataclasses.fields(cls) if 'doc' in f.metadata]

    @classmethod
    def constructor_arguments(cls) -> List[dataclasses.Field]:
        """The argument fields the component's constructor takes, in its order."""
        return [f for f in cls.declared() if f.metadata['constructor']]

    @classmethod
    def from_call(cls, values: Mapping[str, Any], **fields):
        """The config of a component's call: ``values`` (e.g. its ``locals()``) by argument
        name; ``fields`` sets others (or converts one) by field name."""
        given = {
            f.name: values[argument_name(f)]
            for f in cls.constructor_arguments()
            if argument_name(f) in values
        }
        return cls(**{**given, **fields})

    def to_exec_properties(self) -> dict:
        """The exec-property values (call on a validated config): each written argument under
        its own name, encoded by its ``Wire``."""
        props = {}
        for field in self.declared():
            wire = field.metadata['wire']
            if wire is not None and is_written(self, field):
                props[argument_name(field)] = wire.encode(getattr(self, field.name))
        return props

    @classmethod
    def from_exec_properties(cls, props: Mapping[str, Any], **values):
        """The validated config ``to_exec_properties`` wrote (a property not written, or empty,
        takes the field's default); ``values`` gives arguments that do not travel as
        properties."""
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
        """``name: doc`` per argument, continuation lines indented by two more spaces: the
        component's ``Args:`` entries (after its channel arguments)."""
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
        """The docs' Markdown table of the arguments: name, default, what it does."""
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
