"""The ComponentSpec ``PARAMETERS`` and the ``Args:`` doc of a component, from its config's fields.

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
    """``{argument: ExecutionParameter}`` of the config's exec-property arguments."""
    return {
        argument_name(field): ExecutionParameter(
            type=field.metadata['wire'].type,
            optional=not is_required(field),
        )
        for field in config_class.declared()
        if field.metadata['wire'] is not None
    }


def documented(config_class):
    """Decorates a component's ``__init__``: its docstring's ``{arguments}`` line becomes the
    ``Args:`` entries of ``config_class`` (``Arguments.argument_docs``), at that line's indent."""

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
