"""CrossValidationConfig: the arguments of CrossValidationAggregate, checked once when the
pipeline is built, and their exec-property form (as every other component's Config).

Example:
    >>> config = CrossValidationConfig(folds=3, thresholds={'macro_recall': {'lower_bound': 0.5}})
    >>> config = config.validate()
    >>> config.folds
    ('fold-0', 'fold-1', 'fold-2')
    >>> CrossValidationConfig.from_exec_properties(config.to_exec_properties()) == config
    True
"""

from __future__ import annotations

import dataclasses
import json
from typing import Mapping, Sequence, Tuple

from tfx_balance import keys
from tfx_balance.core.cross_validation.estimates import check_gate_on, parse_thresholds
from tfx_balance.core.cross_validation.folds import fold_names
from tfx_balance.core.python_values import on_python_values, to_json


@dataclasses.dataclass(frozen=True)
class CrossValidationConfig:
    """Arguments of CrossValidationAggregate (see its docstring).

    ``folds``: the number of folds (names ``fold-0 ..``) or their names, in the order of the
    evaluations; ``thresholds``: ``{metric: {kind: bound}}``, or None for the thresholds of the
    folds' EvalConfig; ``gate_on``: ``'mean'`` or ``'interval'``.
    """

    folds: int | Sequence[str]
    thresholds: Mapping[str, Mapping[str, float]] | None = None
    gate_on: str = 'mean'

    @on_python_values
    def validate(self) -> CrossValidationConfig:
        """The config in canonical form (fold names as a tuple); raises ``ConfigError``."""
        parse_thresholds(self.thresholds)
        thresholds = self.thresholds
        if thresholds is not None:  # plain dicts, as JSON gives them back
            thresholds = {m: dict(bounds) for m, bounds in thresholds.items()}
        return dataclasses.replace(
            self,
            folds=tuple(fold_names(self.folds)),
            thresholds=thresholds,
            gate_on=check_gate_on(self.gate_on),
        )

    @property
    def parsed_thresholds(self) -> Tuple:
        """The thresholds as ``Threshold`` objects (empty when None)."""
        return parse_thresholds(self.thresholds)

    def to_exec_properties(self) -> dict:
        """The ComponentSpec's exec-property values (call on a validated config)."""
        thresholds = self.thresholds
        return {
            keys.FOLDS_KEY: to_json(list(self.folds)),
            keys.THRESHOLDS_KEY: None
            if thresholds is None
            else to_json(thresholds, sort_keys=True),
            keys.GATE_ON_KEY: self.gate_on,
        }

    @classmethod
    def from_exec_properties(cls, props: Mapping[str, object]) -> CrossValidationConfig:
        thresholds = props.get(keys.THRESHOLDS_KEY)
        return cls(
            folds=json.loads(props[keys.FOLDS_KEY]),
            thresholds=json.loads(thresholds) if thresholds else None,
            gate_on=props[keys.GATE_ON_KEY],
        ).validate()
