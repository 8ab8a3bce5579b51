"""The components' channel arguments: a wrong artifact type is a ConfigError naming the argument.

TFX checks a channel against its ``ComponentSpec`` key (``input_examples``), which is not the
argument the user passed (``examples``); ``check_channel`` runs the same check first and
names the argument.
"""

from __future__ import annotations

from tfx.types import channel

from tfx_balance.core.errors import ConfigError

_EXAMPLES = {
    'Examples': "example_gen.outputs['examples']",
    'ExampleStatistics': "statistics_gen.outputs['statistics']",
    'Schema': "schema_gen.outputs['schema']",
}


def check_channel(spec_class, key: str, argument: str, value) -> None:
    """Raises ``ConfigError`` unless ``value`` fits ``spec_class.INPUTS[key]`` (None fits an
    optional input); the message names the constructor ``argument`` and the expected type."""
    parameter = spec_class.INPUTS[key]
    if value is None and parameter.optional:
        return
    try:
        parameter.type_check(argument, value)
    except TypeError as e:
        expected = parameter.type.TYPE_NAME
        if isinstance(value, channel.BaseChannel):
            found = f'a channel of {value.type.TYPE_NAME} artifacts'
        else:
            found = f'{type(value).__name__} {value!r}'[:200]
        example = _EXAMPLES.get(expected, f"a component's outputs[...] of type {expected}")
        raise ConfigError(
            f'{argument} must be a channel of {expected} artifacts, e.g. {argument}={example}; '
            f'got {found}.'
        ) from e


def check_distinct_channels(argument: str, values) -> None:
    """Raises ``ConfigError`` when the list ``argument`` holds one channel twice (the same output
    of the same component): each entry must be its own input, e.g. one fold's evaluation."""
    first = {}
    for i, value in enumerate(values):
        producer = getattr(value, 'producer_component_id', None)
        key = (producer, getattr(value, 'output_key', None)) if producer else id(value)
        if key in first:
            name = f"{producer}.outputs['{key[1]}']" if producer else 'one channel'
            raise ConfigError(
                f'{argument}[{first[key]}] and {argument}[{i}] are the same channel ({name}); '
                f'each entry of {argument} must be its own (a copy-paste slip counts one input '
                'twice). Pass each one once, in order.'
            )
        first[key] = i
