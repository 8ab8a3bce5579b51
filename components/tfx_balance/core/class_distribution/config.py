"""ValidatorConfig: the checked arguments of ClassDistributionValidator, and their exec properties.

Rules: docs/class_distribution_validator.md.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Dict, Mapping, Tuple, Union

from tfx_balance import keys
from tfx_balance.core.errors import ConfigError
from tfx_balance.core.labels import class_name

UNIFORM = 'uniform'

Target = Union[str, Mapping[object, float]]


@dataclasses.dataclass(frozen=True)
class ValidatorConfig:
    """Arguments of ClassDistributionValidator (see its docstring).

    ``compare_splits``: the splits whose label distributions are compared pairwise; ``None``
    compares every split of the statistics, ``()`` none. ``targets`` checks only the splits it
    names. :meth:`validate` returns the config in canonical form (targets keyed by class name,
    shares as floats, compare_splits a tuple).
    """

    label_feature: str
    max_split_distance: float = 0.02
    targets: Mapping[str, Target] | None = None
    target_tolerance: float = 0.01
    fail_on_violation: bool = True
    compare_splits: Tuple[str, ...] | None = None

    def validate(self) -> ValidatorConfig:
        if not isinstance(self.label_feature, str) or not self.label_feature:
            raise ConfigError(
                f'label_feature must be a non-empty string, got {self.label_feature!r}.'
            )
        for name in ('max_split_distance', 'target_tolerance'):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ConfigError(f'{name} must be a number >= 0, got {value!r}.')
        return dataclasses.replace(
            self,
            max_split_distance=float(self.max_split_distance),
            target_tolerance=float(self.target_tolerance),
            targets=validate_targets(self.targets),
            fail_on_violation=bool(self.fail_on_violation),
            compare_splits=validate_compare_splits(self.compare_splits),
        )

    def to_exec_properties(self) -> dict:
        """The ComponentSpec's exec-property values (call on a validated config)."""
        compare = self.compare_splits
        return {
            keys.LABEL_FEATURE_KEY: self.label_feature,
            keys.MAX_SPLIT_DISTANCE_KEY: self.max_split_distance,
            keys.TARGETS_KEY: json.dumps(self.targets) if self.targets else None,
            keys.TARGET_TOLERANCE_KEY: self.target_tolerance,
            keys.FAIL_ON_VIOLATION_KEY: int(self.fail_on_violation),
            keys.COMPARE_SPLITS_KEY: None if compare is None else json.dumps(list(compare)),
        }

    @classmethod
    def from_exec_properties(cls, props: Mapping[str, object]) -> ValidatorConfig:
        compare = props.get(keys.COMPARE_SPLITS_KEY)
        return cls(
            label_feature=props[keys.LABEL_FEATURE_KEY],
            max_split_distance=float(props[keys.MAX_SPLIT_DISTANCE_KEY]),
            targets=json.loads(props.get(keys.TARGETS_KEY) or 'null'),
            target_tolerance=float(props[keys.TARGET_TOLERANCE_KEY]),
            fail_on_violation=bool(int(props.get(keys.FAIL_ON_VIOLATION_KEY, 1))),
            compare_splits=None if compare is None else json.loads(compare),
        ).validate()


def validate_compare_splits(compare_splits) -> Tuple[str, ...] | None:
    """Checks ``compare_splits`` (None, or a list of at least 2 distinct split names)."""
    if compare_splits is None:
        return None
    if isinstance(compare_splits, (str, bytes)) or not isinstance(compare_splits, (list, tuple)):
        raise ConfigError(
            f'compare_splits must be a list of split names (or [] to compare none, None for '
            f"all), got {compare_splits!r}; e.g. compare_splits=['eval', 'test']."
        )
    for split in compare_splits:
        if not isinstance(split, str) or not split:
            raise ConfigError(f'compare_splits must hold split names, got {split!r}.')
    if len(set(compare_splits)) != len(compare_splits):
        raise ConfigError(f'compare_splits names a split twice: {list(compare_splits)!r}.')
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
