"""``LayoutConfig``: the arguments of BalancedInputGen, validated once and carried as is.

The component builds it from its arguments and validates it when the pipeline is built, passes
``LayoutConfig.to_exec_properties`` to its spec, and the executor decodes it once with
``LayoutConfig.from_exec_properties``; ``
BalancedLayout`` takes it as is.

Example:
    >>> config = LayoutConfig('label', splits=['train'], seed=3).validate()
    >>> props = config.to_exec_properties()
    >>> props['splits'], props['examples_per_shard']
    ('["train"]', 50000)
    >>> LayoutConfig.from_exec_properties(props) == config
    True
"""

from __future__ import annotations

import dataclasses
import json
import numbers
from typing import Any, Mapping, Sequence

from tfx_balance import keys
from tfx_balance.core.balanced_input_gen import policies
from tfx_balance.core.balanced_input_gen.plan import DEFAULT_EXAMPLES_PER_SHARD
from tfx_balance.core.errors import ConfigError
from tfx_balance.core.python_values import on_python_values, to_json
from tfx_balance.core.split.allocation import validate_split_list


def _whole_number(value: Any, arg: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f'{arg} must be an integer, got {value!r}.')
    if minimum is not None and value < minimum:
        raise ConfigError(f'{arg} must be >= {minimum}, got {value!r}.')
    return int(value)


@dataclasses.dataclass(frozen=True)
class LayoutConfig:
    """Arguments of BalancedInputGen (see its docstring).

    ``splits`` may be given as one name or any sequence of names; ``validate`` returns a config
    holding them as a tuple, and ``examples_per_shard=None`` as the default (50,000).
    """

    label_feature: str
    splits: Sequence[str] = ('train',)
    seed: int = 0
    examples_per_shard: int | None = DEFAULT_EXAMPLES_PER_SHARD
    multi_label: str | None = None
    policy: str | None = None
    repeat_threshold: float | None = None

    @on_python_values
    def validate(self) -> LayoutConfig:
        """Returns the normalised config; every problem is a ``ConfigError`` naming its argument."""
        if not isinstance(self.label_feature, str) or not self.label_feature:
            raise ConfigError(
                f'label_feature must be a non-empty string, got {self.label_feature!r}.'
            )
        splits = validate_split_list(self.splits)
        per_shard = self.examples_per_shard
        per_shard = DEFAULT_EXAMPLES_PER_SHARD if per_shard is None else per_shard
        multi = _multi_label_arguments(self.multi_label, self.policy, self.repeat_threshold)
        return dataclasses.replace(
            self,
            **multi,
            splits=splits,
            seed=_whole_number(self.seed, 'seed'),
            examples_per_shard=_whole_number(per_shard, 'examples_per_shard', minimum=1),
        )

    def to_exec_properties(self) -> dict:
        """The exec-property values of ``BalancedInputGenSpec`` (``splits`` as a JSON list)."""
        return {
            keys.LABEL_FEATURE_KEY: self.label_feature,
            keys.SPLITS_KEY: to_json(list(self.splits)),
            keys.SEED_KEY: int(self.seed),
            keys.EXAMPLES_PER_SHARD_KEY: int(self.examples_per_shard),
            # Multi-label properties only when set: single-label specs stay as they were.
            **(
                {}
                if self.multi_label is None
                else {
                    keys.MULTI_LABEL_KEY: self.multi_label,
                    keys.POLICY_KEY: self.policy,
                    keys.REPEAT_THRESHOLD_KEY: float(self.repeat_threshold),
                }
            ),
        }

    @classmethod
    def from_exec_properties(cls, props: Mapping[str, Any]) -> LayoutConfig:
        """Decodes and validates exec properties written by ``to_exec_properties``."""
        splits = props.get(keys.SPLITS_KEY)
        try:
            splits = json.loads(splits) if isinstance(splits, str) else splits
        except json.JSONDecodeError:
            raise ConfigError(
                f'splits must be a JSON list of split names, got {splits!r}.'
            ) from None
        return cls(
            label_feature=props.get(keys.LABEL_FEATURE_KEY),
            splits=['train'] if splits is None else splits,
            seed=props.get(keys.SEED_KEY) or 0,
            examples_per_shard=props.get(keys.EXAMPLES_PER_SHARD_KEY),
            multi_label=props.get(keys.MULTI_LABEL_KEY) or None,
            policy=props.get(keys.POLICY_KEY),
            repeat_threshold=props.get(keys.REPEAT_THRESHOLD_KEY),
        ).validate()


def _multi_label_arguments(multi_label, policy, repeat_threshold) -> dict:
    """The multi-label fields checked (defaults filled in), or a ``ConfigError``."""
    if multi_label is None:
        if policy is not None or repeat_threshold is not None:
            raise ConfigError(
                f'policy={policy!r} / repeat_threshold={repeat_threshold!r} apply only with '
                "multi_label='ids' or 'multi_hot'; set multi_label, or leave them unset for one "
                'label per example.'
            )
        return {}
    if multi_label not in keys.MULTI_LABEL_FORMS:
        raise ConfigError(
            "multi_label must be None (one label per example), 'ids' (a list of label ids or "
            f"names) or 'multi_hot' (a 0/1 vector), got {multi_label!r}."
        )
    policy = policies.DEFAULT_POLICY if policy is None else policy
    threshold = policies.DEFAULT_REPEAT_THRESHOLD if repeat_threshold is None else repeat_threshold
    policy, threshold = policies.check_policy(policy, threshold)
    return {'multi_label': multi_label, 'policy': policy, 'repeat_threshold': threshold}
