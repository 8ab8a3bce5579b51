"""ValidatorConfig: ClassDistributionValidator's checked arguments and their exec properties."""

from __future__ import annotations

import dataclasses
from typing import Dict, Mapping, Tuple, Union

from tfx_balance.core.common import keys
from tfx_balance.core.common.arguments import (
    BOOL,
    FLOAT,
    JSON,
    SORTED_JSON,
    STR,
    Arguments,
    argument,
)
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.labels import class_name
from tfx_balance.core.common.python_values import on_python_values
from tfx_balance.core.common.split_names import validate_split_list

UNIFORM = 'uniform'
MULTI_LABEL_MODES = keys.MULTI_LABEL_FORMS  # the values of multi_label besides None
DEFAULT_MAX_CARDINALITY_DIFFERENCE = 0.1  # mean labels per example, between two splits
DEFAULT_MAX_DRIFT_DISTANCE = 0.02  # L-infinity between a split and its baseline (TFDV's usual)

Target = Union[str, Mapping[object, float]]
PerLabel = Union[float, Mapping[object, float]]  # one value for every label, or {label: value}
PerSplit = Union[float, Mapping[str, float]]  # one value for every split, or {split: value}


@dataclasses.dataclass(frozen=True)
class ValidatorConfig(Arguments):
    """Arguments of ClassDistributionValidator, each declared once (``core/common/arguments.py``)."""

    label_feature: str = argument(
        doc='the int64 or string feature holding the class label.', wire=STR
    )
    max_split_distance: float = argument(
        0.02,
        doc='largest allowed L-infinity distance between the class shares of any two splits '
        '(0.02 = two percentage points); multi-label: the largest prevalence difference '
        'between two compared splits.',
        wire=FLOAT,
    )
    targets: Mapping[str, Target] | None = argument(
        None,
        doc="optional ``{split: 'uniform' | {class: share}}``; shares sum to 1, classes are "
        "matched by their string form (``{'Cash': 0.5, ...}`` or ``{0: 0.1, ...}``); only the "
        'splits it names are checked. Not with ``multi_label``.',
        wire=JSON,
        written=lambda config: bool(config.targets),
    )
    target_tolerance: float = argument(
        0.01, doc="largest allowed L-infinity distance to a split's target.", wire=FLOAT
    )
    fail_on_violation: bool = argument(
        True,
        doc='raise (failing the pipeline) on any violation; False records the findings in the '
        'anomalies artifact and passes.',
        wire=BOOL,
    )
    compare_splits: Tuple[str, ...] | None = argument(
        None,
        doc='the splits compared pairwise: None (default) compares every split, ``[]`` none, '
        "``['eval', 'test']`` only those (e.g. when 'train' was rebalanced and is checked with "
        '``targets`` instead).',
        wire=JSON,
    )
    multi_label: str | None = argument(
        None,
        doc="None (one label per example), 'ids' (0..n int64 ids or bytes names per example) "
        "or 'multi_hot' (a fixed-length int64 0/1 vector): check each label's prevalence (share "
        "of a split's examples carrying it) instead of class shares.",
        wire=STR,
    )
    max_cardinality_difference: float = argument(
        DEFAULT_MAX_CARDINALITY_DIFFERENCE,
        doc='multi-label: largest allowed difference of the mean number of labels per example '
        'between two compared splits.',
        wire=FLOAT,
        written=lambda config: config.multi_label is not None,
    )
    min_prevalence: PerLabel | None = argument(
        None,
        doc="multi-label: every label's (or ``{label: share}``: each named label's) smallest "
        'allowed prevalence in each compared split.',
        wire=JSON,
    )
    max_prevalence_difference: PerLabel | None = argument(
        None,
        doc="multi-label: every label's (or ``{label: limit}``) largest allowed prevalence "
        'difference between each compared split and the first one.',
        wire=JSON,
    )
    max_drift_distance: PerSplit = argument(
        DEFAULT_MAX_DRIFT_DISTANCE,
        doc="with a baseline: largest allowed L-infinity distance between a split's class "
        "shares and the baseline's (TFDV's infinity_norm comparator); one number for every "
        "split, or ``{split: number}`` (e.g. ``{'train': 0.02, 'eval': 0.07}``; a split it does "
        'not name: 0.02), as a small split moves by chance more than a large one (the drift '
        "table's noise column).",
        wire=SORTED_JSON,
        written=lambda config: config.max_drift_distance != DEFAULT_MAX_DRIFT_DISTANCE,
    )
    max_drift_divergence: PerSplit | None = argument(
        None,
        doc="with a baseline: largest allowed Jensen-Shannon divergence (TFDV's "
        'jensen_shannon_divergence comparator, log base 2); None reports it without a limit; '
        'one number, or ``{split: number}`` (a split it does not name: not checked).',
        wire=SORTED_JSON,
    )

    def drift_thresholds(self, split: str) -> Tuple[float, float | None]:
        """``(max_drift_distance, max_drift_divergence)`` of ``split`` (a validated config)."""
        return tuple(
            value.get(split, default) if isinstance(value, Mapping) else value
            for value, default in (
                (self.max_drift_distance, DEFAULT_MAX_DRIFT_DISTANCE),
                (self.max_drift_divergence, None),
            )
        )

    def named_splits(self) -> Dict[str, Tuple[str, ...]]:
        """``{argument: split names}`` of the arguments naming splits (checked by run_checks)."""
        named = {'targets': tuple(self.targets or ()), 'compare_splits': self.compare_splits or ()}
        for name in ('max_drift_distance', 'max_drift_divergence'):
            value = getattr(self, name)
            named[name] = tuple(value) if isinstance(value, Mapping) else ()
        return named

    @on_python_values
    def validate(self) -> ValidatorConfig:
        if not isinstance(self.label_feature, str) or not self.label_feature:
            raise ConfigError(
                f'label_feature must be a non-empty string, got {self.label_feature!r}.'
            )
        return dataclasses.replace(
            self,
            max_split_distance=_non_negative('max_split_distance', self.max_split_distance),
            target_tolerance=_non_negative('target_tolerance', self.target_tolerance),
            targets=validate_targets(self.targets),
            fail_on_violation=bool(self.fail_on_violation),
            compare_splits=validate_compare_splits(self.compare_splits),
            max_cardinality_difference=_non_negative(
                'max_cardinality_difference', self.max_cardinality_difference
            ),
            max_drift_distance=per_split('max_drift_distance', self.max_drift_distance, _distance),
            max_drift_divergence=None
            if self.max_drift_divergence is None
            else per_split('max_drift_divergence', self.max_drift_divergence, _divergence),
            min_prevalence=validate_per_label('min_prevalence', self.min_prevalence),
            max_prevalence_difference=validate_per_label(
                'max_prevalence_difference', self.max_prevalence_difference
            ),
        )._check_multi_label()

    def _check_multi_label(self) -> ValidatorConfig:
        if self.multi_label is not None and self.multi_label not in MULTI_LABEL_MODES:
            raise ConfigError(
                f"multi_label must be None (one label per example), 'ids' (0..n label ids or "
                f"names per example) or 'multi_hot' (a fixed-length 0/1 vector), got "
                f'{self.multi_label!r}.'
            )
        if self.multi_label is None:
            for name in ('min_prevalence', 'max_prevalence_difference'):
                if getattr(self, name) is not None:
                    raise ConfigError(
                        f"{name} is a per-label check of multi-label data; set multi_label='ids'"
                        " or 'multi_hot', or use targets for the class shares of a single label."
                    )
        elif self.targets:
            raise ConfigError(
                f'targets gives class shares, which multi-label data (multi_label='
                f"'{self.multi_label}') does not have: its labels' shares do not add up to 1. "
                'Use min_prevalence and max_prevalence_difference instead.'
            )
        return self

    def check_baseline(self) -> ValidatorConfig:
        """Raises ConfigError when a baseline cannot be checked with this config."""
        if self.multi_label is not None:
            raise ConfigError(
                f"baseline_statistics checks class shares against a baseline; multi_label='"
                f"{self.multi_label}' has per-label prevalences, which it does not check yet. "
                'Leave baseline_statistics unset for a multi-label feature, or validate the '
                "drift of each label with TFDV's drift_comparator on the statistics."
            )
        return self


def validate_per_label(name: str, value) -> PerLabel | None:
    """Checks a per-label argument (a share, or ``{label: share}``); returns it canonical."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        if not value:
            raise ConfigError(f'{name} must not be an empty dict; give None to skip the check.')
        result = {}
        for label, number in value.items():
            key = class_name(label) if isinstance(label, bytes) else str(label)
            if key in result:
                raise ConfigError(f'{name} names label {key!r} twice; give each label once.')
            result[key] = _fraction(f'{name}[{label!r}]', number)
        return result
    return _fraction(name, value)


def per_split(name: str, value, check) -> PerSplit:
    """Checks a per-split threshold (a number, or ``{split: number}``) with ``check``."""
    if not isinstance(value, Mapping):
        return check(name, value)
    if not value:
        raise ConfigError(
            f'{name} must be a number or a non-empty dict {{split: number}}, got {{}}; give one '
            f"number for every split, or e.g. {{'eval': 0.07}}."
        )
    result = {}
    for split, number in value.items():
        if not isinstance(split, str) or not split:
            raise ConfigError(
                f'{name} keys must be split names, got {split!r}; e.g. '
                f"{name}={{'train': 0.02, 'eval': 0.07}}."
            )
        result[split] = check(f'{name}[{split!r}]', number)
    return result


def _non_negative(what: str, value, alternative: str = '') -> float:
    """A number >= 0 (``alternative``: the argument's other form, for the error)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ConfigError(f'{what} must be a number >= 0{alternative}, got {value!r}.')
    return float(value)


def _distance(what: str, value) -> float:
    """An L-infinity threshold per split: a number >= 0."""
    return _non_negative(what, value, ' (or a dict {split: number})')


def _divergence(what: str, value) -> float:
    """A Jensen-Shannon threshold (TFDV's: log base 2, 0..1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(
            f'{what} must be None (not checked) or a Jensen-Shannon divergence between 0 and 1 '
            f'(TFDV computes it with log base 2), got {value!r}; e.g. 0.005, or a dict '
            '{split: number}.'
        )
    return float(value)


def _fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(
            f'{name} must be a share between 0 and 1 (or a dict {{label: share}}), got {value!r}.'
        )
    return float(value)


def validate_compare_splits(compare_splits) -> Tuple[str, ...] | None:
    """Checks ``compare_splits`` (None, or a list of at least 2 distinct split names)."""
    if compare_splits is None:
        return None
    if isinstance(compare_splits, (str, bytes)) or not isinstance(compare_splits, (list, tuple)):
        raise ConfigError(
            f'compare_splits must be a list of split names (or [] to compare none, None for '
            f"all), got {compare_splits!r}; e.g. compare_splits=['eval', 'test']."
        )
    if compare_splits:  # [] compares none
        validate_split_list(compare_splits, 'compare_splits')  # names, none twice
    if len(compare_splits) == 1:
        raise ConfigError(
            f'compare_splits {list(compare_splits)!r} names one split, which has nothing to be '
            'compared with; name at least two splits, or [] to compare none.'
        )
    return tuple(compare_splits)


def validate_targets(targets: Mapping[str, Target] | None) -> Dict[str, Target]:
    """Checks the ``targets`` argument (split -> 'uniform' | {class: share}); returns a copy."""
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise ConfigError(
            f"targets must be a dict of split -> 'uniform' or {{class: share}}, got {targets!r}."
        )
    result = {}
    for split, target in targets.items():
        if not isinstance(split, str) or not split:
            raise ConfigError(f'targets keys must be split names, got {split!r}.')
        result[split] = _validate_target(split, target)
    return result


def _validate_target(split: str, target) -> Target:
    if isinstance(target, str):
        if target != UNIFORM:
            raise ConfigError(
                f"targets['{split}'] is {target!r}; use 'uniform' or a dict {{class: share}}."
            )
        return UNIFORM
    if not isinstance(target, Mapping) or not target:
        raise ConfigError(
            f"targets['{split}'] must be 'uniform' or a non-empty dict {{class: share}}, got "
            f'{target!r}.'
        )
    cleaned, given = {}, {}
    for cls, share in target.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not share >= 0:
            raise ConfigError(
                f"targets['{split}'][{cls!r}] is {share!r}; shares must be numbers >= 0."
            )
        name = class_name(cls) if isinstance(cls, bytes) else str(cls)
        if name in cleaned:
            raise ConfigError(
                f"targets['{split}'] names class {name!r} twice ({given[name]!r} and {cls!r}); "
                'classes are matched by their string form, so give each class once.'
            )
        cleaned[name], given[name] = float(share), cls
    total = sum(cleaned.values())
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(
            f"targets['{split}'] shares add up to {total:g}, not 1. Make them sum to 1 "
            "(or use 'uniform')."
        )
    return cleaned
