"""Each metric's estimate over the k folds (mean, sample std, 95% Student-t interval), and the gate.

Over the n folds where a metric has a finite value (docs/cross_validation.md, "The statistics").

>>> e = estimate([0.5, 0.6, 0.7])
>>> round(e.mean, 3), round(e.std, 3), round(e.low, 3), round(e.high, 3)
(0.6, 0.1, 0.352, 0.848)
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import statistics
from typing import Dict, Mapping, Sequence, Tuple

from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.keys import BLESSED_PROPERTY

CONFIDENCE = 0.95
GATE_ON = ('mean', 'interval')
# lower_bound/upper_bound bound the candidate's metric; min_change/max_change candidate - baseline.
THRESHOLD_KINDS = ('lower_bound', 'upper_bound', 'min_change', 'max_change')
# cross_validation.json's entries of an estimate (Estimate.to_json) and of the gate
# (GateResult.to_json; a check's are Check's fields): what its picture reads.
FOLD_VALUES = 'values'
ESTIMATE_MEAN = 'mean'
ESTIMATE_STD = 'std'
ESTIMATE_INTERVAL = 'interval'
GATE_ON_ENTRY = 'gate_on'
GATE_CHECKS = 'checks'


@dataclasses.dataclass(frozen=True)
class Estimate:
    """One metric over the folds: its value per fold (None where absent) and statistics."""

    values: Tuple[float | None, ...]
    n: int
    mean: float | None
    std: float | None
    low: float | None
    high: float | None

    def to_json(self) -> dict:
        interval = None if self.low is None else [self.low, self.high]
        return {
            FOLD_VALUES: list(self.values),
            'n': self.n,
            ESTIMATE_MEAN: self.mean,
            ESTIMATE_STD: self.std,
            ESTIMATE_INTERVAL: interval,
        }


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom."""
    from scipy import stats

    return float(stats.t.ppf(p, df))


def estimate(values: Sequence[float | None], confidence: float = CONFIDENCE) -> Estimate:
    """The ``Estimate`` of one metric from its per-fold values (None or NaN: no value)."""
    kept = tuple(float(v) if v is not None and math.isfinite(float(v)) else None for v in values)
    present = [v for v in kept if v is not None]
    n = len(present)
    if n == 0:
        return Estimate(kept, 0, None, None, None, None)
    mean = statistics.fmean(present)
    if n < 2:
        return Estimate(kept, 1, mean, None, None, None)
    std = statistics.stdev(present)  # ddof=1
    half = t_quantile(0.5 + confidence / 2, n - 1) * std / math.sqrt(n)
    return Estimate(kept, n, mean, std, mean - half, mean + half)


def aggregate(per_fold: Sequence[Mapping[str, float | None]]) -> Dict[str, Estimate]:
    """``{metric: Estimate}`` for every metric any fold has, sorted by name."""
    names = sorted({name for fold in per_fold for name in fold})
    return {name: estimate([fold.get(name) for fold in per_fold]) for name in names}


@dataclasses.dataclass(frozen=True)
class Threshold:
    """``kind`` (one of ``THRESHOLD_KINDS``) applied to ``metric`` with ``bound``."""

    metric: str
    kind: str
    bound: float

    @property
    def is_change(self) -> bool:
        return self.kind in ('min_change', 'max_change')

    def rule(self) -> str:
        subject = f'{self.metric} - baseline' if self.is_change else self.metric
        sign = '>=' if self.kind in ('lower_bound', 'min_change') else '<='
        return f'{subject} {sign} {self.bound:g}'


def parse_thresholds(thresholds: Mapping | None) -> Tuple[Threshold, ...]:
    """The checked ``{metric: {kind: bound}}`` as sorted ``Threshold``s (``ConfigError``)."""
    if thresholds is None:
        return ()
    example = "e.g. {'macro_recall': {'lower_bound': 0.4, 'min_change': 0.05}}"
    if not isinstance(thresholds, Mapping):
        raise ConfigError(f'thresholds must be a dict of metric -> {{kind: bound}}, {example}.')
    out = []
    for metric, bounds in thresholds.items():
        if not isinstance(metric, str) or not metric or not isinstance(bounds, Mapping):
            raise ConfigError(
                f'thresholds[{metric!r}] must map a metric name to {{kind: bound}}, got '
                f'{bounds!r}; {example}.'
            )
        for kind, bound in bounds.items():
            if kind not in THRESHOLD_KINDS:
                raise ConfigError(
                    f'thresholds[{metric!r}] has unknown kind {kind!r}; kinds are '
                    f'{", ".join(THRESHOLD_KINDS)}; {example}.'
                )
            number = isinstance(bound, numbers.Real) and not isinstance(bound, bool)
            if not number or not math.isfinite(bound):
                raise ConfigError(
                    f'thresholds[{metric!r}][{kind!r}] must be a finite number, got {bound!r}.'
                )
            out.append(Threshold(metric, kind, float(bound)))
    return tuple(sorted(out, key=lambda t: (t.metric, THRESHOLD_KINDS.index(t.kind))))


@dataclasses.dataclass(frozen=True)
class Check:
    """One threshold's verdict: the statistic compared, its value and whether it passed."""

    metric: str
    rule: str
    compared: str
    value: float | None
    passed: bool
    folds: int

    def line(self) -> str:
        value = 'n/a' if self.value is None else f'{self.value:.4f}'
        folds = '' if self.compared.startswith('mean') else f' ({self.folds} fold(s))'
        return f'{"PASS" if self.passed else "FAIL"}  {self.rule}: {self.compared} = {value}{folds}'


@dataclasses.dataclass(frozen=True)
class GateResult:
    """Whether the model is blessed, and every check that decided it."""

    blessed: bool
    gate_on: str
    checks: Tuple[Check, ...]

    def message(self) -> str:
        if not self.checks:
            return 'NOT BLESSED: no thresholds, so nothing to bless the model on.'
        head = 'BLESSED' if self.blessed else 'NOT BLESSED'
        failed = sum(not c.passed for c in self.checks)
        summary = 'every check passed' if self.blessed else f'{failed} check(s) failed'
        return f'{head} ({summary}):\n' + '\n'.join(f'  {c.line()}' for c in self.checks)

    def to_json(self) -> dict:
        return {
            BLESSED_PROPERTY: self.blessed,
            GATE_ON_ENTRY: self.gate_on,
            GATE_CHECKS: [dataclasses.asdict(c) for c in self.checks],
        }


def check_gate_on(gate_on: str) -> str:
    if gate_on not in GATE_ON:
        raise ConfigError(
            f"gate_on must be 'mean' (compare the mean over folds) or 'interval' (compare the "
            f'end of the 95% interval on the side of the threshold), got {gate_on!r}.'
        )
    return gate_on


def gate(
    candidate: Mapping[str, Estimate],
    differences: Mapping[str, Estimate],
    thresholds: Sequence[Threshold],
    gate_on: str = 'mean',
) -> GateResult:
    """Checks every threshold against the cross-validated estimate (change thresholds against
    ``differences``); blessed iff all pass."""
    check_gate_on(gate_on)
    checks = []
    for threshold in thresholds:
        source = differences if threshold.is_change else candidate
        if threshold.metric not in source:
            if threshold.is_change and not differences:
                raise DataError(
                    f'threshold {threshold.rule()} compares with a baseline model, but the '
                    'evaluations have none; give the fold Evaluators a baseline_model (in '
                    'cross_validation: baseline_trainer_kwargs) or drop the change threshold.'
                )
            raise DataError(
                f'threshold {threshold.rule()} names metric {threshold.metric!r}, which no '
                f'fold evaluation has; metrics present: {", ".join(sorted(source))}. Fix the '
                'metric name, or add the metric to the EvalConfig.'
            )
        est = source[threshold.metric]
        lower = threshold.kind in ('lower_bound', 'min_change')
        if gate_on == 'mean':
            compared, value = f'mean over {est.n} fold(s)', est.mean
        else:
            compared = f'{"lower" if lower else "upper"} end of the 95% interval'
            value = est.low if lower else est.high
        passed = value is not None and (
            value >= threshold.bound if lower else value <= threshold.bound
        )
        checks.append(Check(threshold.metric, threshold.rule(), compared, value, passed, est.n))
    blessed = bool(checks) and all(c.passed for c in checks)
    return GateResult(blessed, gate_on, tuple(checks))
