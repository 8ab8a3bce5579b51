"""CrossValidationConfig: CrossValidationAggregate's arguments, checked when the pipeline is built.

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
from typing import Mapping, Sequence, Tuple

from tfx_balance.core.common.arguments import JSON, SORTED_JSON, STR, Arguments, argument
from tfx_balance.core.common.folds import fold_names
from tfx_balance.core.common.python_values import on_python_values
from tfx_balance.core.cross_validation.estimates import check_gate_on, parse_thresholds


@dataclasses.dataclass(frozen=True)
class CrossValidationConfig(Arguments):
    """Arguments of CrossValidationAggregate (``core/common/arguments.py``)."""

    folds: int | Sequence[str] | None = argument(
        None,
        doc='names of the evaluated folds, in the order of ``evaluations`` (default '
        '``fold-0 .. fold-<k-1>``; the config also takes their number); shown in the reports.',
        wire=JSON,
    )
    thresholds: Mapping[str, Mapping[str, float]] | None = argument(
        None,
        doc='``{metric: {kind: bound}}`` with kinds ``lower_bound``, ``upper_bound`` (on the '
        "candidate's metric), ``min_change``, ``max_change`` (on candidate - baseline, fold by "
        "fold), e.g. ``{'macro_recall': {'lower_bound': 0.4, 'min_change': 0.05}}``. Default "
        "(None): the thresholds of the folds' EvalConfig (value thresholds, absolute change "
        'thresholds), applied to the cross-validated estimate.',
        wire=SORTED_JSON,
    )
    gate_on: str = argument(
        'mean',
        doc="``'mean'`` (the mean over the folds) or ``'interval'`` (the end of the 95% interval "
        "on the threshold's side) is gated.",
        wire=STR,
    )

    @on_python_values
    def validate(self) -> CrossValidationConfig:
        """The config in canonical form; raises ``ConfigError``."""
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
        """The thresholds as ``Threshold`` objects."""
        return parse_thresholds(self.thresholds)
