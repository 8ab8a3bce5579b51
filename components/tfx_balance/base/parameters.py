"""The ComponentSpec ``PARAMETERS`` and the ``Args:`` doc of a component, from its config's fields.

Example:
    >>> from tfx_balance.core.leakage_check import LeakageConfig
    >>> execution_parameters(LeakageConfig)['max_examples'].type
    <class 'int'>
"""

from __future__ import annotations

import inspect

from tfx.types.component_spec import ExecutionParameter

from tfx_balance.core.common.arguments import argument_name, is_required

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
    ``Args:`` entries of ``config_class`` (``Arguments.argument_docs``), then the ``html_report``
    argument's entry if ``__init__`` takes it, at that line's indent."""
    from tfx_balance.base.html_report import ARGUMENT, ARGUMENT_DOC

    def decorate(init):
        lines = []
        html_report = ARGUMENT in inspect.signature(init).parameters
        for line in (init.__doc__ or '').splitlines():
            indent = line[: len(line) - len(line.lstrip())]
            if line.strip() == ARGUMENTS_MARKER:
                lines.append(config_class.argument_docs(indent))
                lines += [indent + ARGUMENT_DOC] if html_report else []
            else:
                lines.append(line)
        init.__doc__ = '\n'.join(lines)
        return init

    return decorate
