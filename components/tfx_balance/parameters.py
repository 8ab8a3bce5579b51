"""The TFX side of the components' arguments (``core/arguments.py``): the ComponentSpec's
``PARAMETERS`` and the constructor's ``Args:`` doc, derived from the config's fields.

Example:
    >>> from tfx_balance.core.leakage_check import LeakageConfig
    >>> execution_parameters(LeakageConfig)['max_examples'].type
    <class 'int'>
"""

from __future__ import annotations

from tfx.types.component_spec import ExecutionParameter

from tfx_balance.core.arguments import argument_name, is_required

ARGUMENTS_MARKER = '{arguments}'


def execution_parameters(config_class) -> dict:
    """``{argument: ExecutionParameter}`` of every argument of ``config_class`` that travels as
    an exec property; optional unless the argument is required."""
    return {
        argument_name(field): ExecutionParameter(
            type=field.metadata['wire'].type,
            optional=not is_required(field),
        )
        for field in config_class.declared()
        if field.metadata['wire'] is not None
    }


def documented(config_class):
    """Decorates a component's ``__init__``: the line ``{arguments}`` of its docstring becomes
    the ``Args:`` entries of ``config_class``'s arguments (``Arguments.argument_docs``), indented
    as that line is."""

    def decorate(init):
        lines = []
        for line in (init.__doc__ or '').splitlines():
            if line.strip() == ARGUMENTS_MARKER:
                indent = line[: len(line) - len(line.lstrip())]
                lines.append(config_class.argument_docs(indent))
            else:
                lines.append(line)
        init.__doc__ = '\n'.join(lines)
        return init

    return decorate
