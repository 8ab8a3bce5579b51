"""The components' channel arguments: a wrong artifact type is a ConfigError naming the argument
(TFX names the spec key), and a PreviousSpanStrategy Resolver's config is checked at build time."""

from __future__ import annotations

from tfx.dsl.components.common import resolver
from tfx.types import channel

from tfx_balance.core.common.errors import ConfigError

_EXAMPLES = {
    'Examples': "example_gen.outputs['examples']",
    'ExampleStatistics': "statistics_gen.outputs['statistics']",
    'Schema': "schema_gen.outputs['schema']",
}


def check_channel(spec_class, key: str, argument: str, value) -> None:
    """Raises ``ConfigError`` unless ``value`` fits ``spec_class.INPUTS[key]`` (None fits an
    optional input) and a ``PreviousSpanStrategy`` Resolver feeding it has a valid config."""
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
    _check_window_config(argument, value)


def _check_window_config(argument: str, value) -> None:
    """The config check of the Resolver producing ``value``, if its strategy declares one
    (``CONFIG``, e.g. ``PreviousSpanStrategy``'s ``core.spans.WindowConfig``)."""
    producer = getattr(value, 'producer_component', None)
    if not isinstance(producer, resolver.Resolver):
        return
    properties = producer.exec_properties
    strategy = properties.get(resolver.RESOLVER_STRATEGY_CLASS)
    config = getattr(strategy, 'CONFIG', None)
    if isinstance(strategy, type) and config is not None:
        config.from_config(
            properties[resolver.RESOLVER_CONFIG],
            where=f'Resolver {producer.id!r} ({strategy.__name__}, given as {argument})',
        )


def check_distinct_channels(argument: str, values) -> None:
    """Raises ``ConfigError`` when the list ``argument`` holds one channel (one output) twice."""
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
