"""The cross-validation result as JSON (``cross_validation.json``; docs/cross_validation.md,
"Outputs") and a console table.

>>> from tfx_balance.core.cross_validation import aggregate, gate
>>> folds = [{'macro_recall': 0.5}, {'macro_recall': 0.7}]
>>> report = CrossValidationReport(['fold-0', 'fold-1'], '', aggregate(folds),
...                                gate(aggregate(folds), {}, ()))
>>> print(report.table())  # doctest: +NORMALIZE_WHITESPACE
metric          fold-0  fold-1    mean     std  95% interval
macro_recall    0.5000  0.7000  0.6000  0.1414  [-0.6706, 1.8706]
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Mapping

from tfx_balance.core.cross_validation.estimates import (
    CONFIDENCE,
    ESTIMATE_INTERVAL,
    ESTIMATE_MEAN,
    ESTIMATE_STD,
    Estimate,
    GateResult,
)

# cross_validation.json's entries (CrossValidationReport.to_json) and a model's: what its picture
# reads (core/pictures/cross_validation.py).
CV_FOLDS = 'folds'
CV_MODELS = 'models'
CV_DIFFERENCES = 'differences'
CV_GATE = 'gate'
MODEL_NAME = 'name'
MODEL_METRICS = 'metrics'

STATISTICS = {
    ESTIMATE_MEAN: 'arithmetic mean over the folds that have the metric',
    ESTIMATE_STD: 'sample standard deviation over those folds (ddof=1)',
    ESTIMATE_INTERVAL: (
        f'{CONFIDENCE:.0%} Student-t interval of the mean over the n folds: '
        'mean -/+ t(0.975, n-1) * std / sqrt(n)'
    ),
}


def _number(value) -> str:
    return 'n/a' if value is None else f'{value:.4f}'


def _interval(est: Estimate) -> str:
    return 'n/a' if est.low is None else f'[{est.low:.4f}, {est.high:.4f}]'


@dataclasses.dataclass(frozen=True)
class CrossValidationReport:
    """What CrossValidationAggregate found: each model's estimates, differences, gate."""

    folds: List[str]
    candidate_name: str
    candidate: Mapping[str, Estimate]
    gate: GateResult
    baseline_name: str | None = None
    baseline: Mapping[str, Estimate] | None = None
    differences: Mapping[str, Estimate] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict:
        def model(name, estimates):
            return {MODEL_NAME: name, MODEL_METRICS: {m: e.to_json() for m, e in estimates.items()}}

        return {
            CV_FOLDS: self.folds,
            'statistics': STATISTICS,
            CV_MODELS: {
                'candidate': model(self.candidate_name, self.candidate),
                'baseline': (
                    None if self.baseline is None else model(self.baseline_name, self.baseline)
                ),
            },
            CV_DIFFERENCES: {m: e.to_json() for m, e in self.differences.items()},
            CV_GATE: self.gate.to_json(),
        }

    def sections(self) -> Dict[str, Mapping[str, Estimate]]:
        """``{title: {metric: estimate}}``: each model, then differences."""
        out = {self.candidate_name or 'model': self.candidate}
        if self.baseline is not None:
            out[self.baseline_name] = self.baseline
            out[f'{self.candidate_name or "model"} - {self.baseline_name}'] = self.differences
        return out

    def table(self, estimates: Mapping[str, Estimate] | None = None) -> str:
        """A text table of ``estimates`` (default: the candidate's)."""
        estimates = self.candidate if estimates is None else estimates
        width = max([len('metric'), *map(len, estimates)]) + 2
        head = f'{"metric":<{width}}' + ''.join(f'{f:>8}' for f in self.folds)
        lines = [head + f'{"mean":>8}{"std":>8}  {CONFIDENCE:.0%} interval']
        for metric, est in estimates.items():
            cells = ''.join(f'{_number(v):>8}' for v in est.values)
            lines.append(
                f'{metric:<{width}}{cells}{_number(est.mean):>8}{_number(est.std):>8}  '
                f'{_interval(est)}'
            )
        return '\n'.join(lines)

    def text(self) -> str:
        """Every table and the gate's verdict, for the log."""
        parts = [f'Cross-validation over {len(self.folds)} folds ({", ".join(self.folds)}):']
        for title, estimates in self.sections().items():
            parts += ['', f'[{title}]', self.table(estimates)]
        parts += ['', f'Gate ({self.gate.gate_on}): {self.gate.message()}']
        return '\n'.join(parts)
