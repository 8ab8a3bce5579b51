"""``LayoutConfig``: the arguments of BalancedInputGen, validated once and carried as is.

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
import numbers
from typing import Any, Sequence

from tfx_balance.core.balanced_input_gen import policies
from tfx_balance.core.balanced_input_gen.plan import DEFAULT_EXAMPLES_PER_SHARD
from tfx_balance.core.common import keys
from tfx_balance.core.common.arguments import FLOAT, INT, JSON, STR, Arguments, argument
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.python_values import on_python_values
from tfx_balance.core.common.split_names import validate_split_list


def _whole_number(value: Any, arg: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f'{arg} must be an integer, got {value!r}.')
    if minimum is not None and value < minimum:
        raise ConfigError(f'{arg} must be >= {minimum}, got {value!r}.')
    return int(value)


@dataclasses.dataclass(frozen=True)
class LayoutConfig(Arguments):
    """Arguments of BalancedInputGen, each declared once (``core/common/arguments.py``); ``validate``
    returns them normalised (``splits`` a tuple, defaults filled in)."""

    label_feature: str = argument(
        doc='the int64 or bytes feature holding the class label.', wire=STR
    )
    splits: Sequence[str] = argument(
        ('train',),
        doc="the splits to lay out per class (default ``['train']``); others pass through.",
        wire=JSON,
    )
    seed: int = argument(
        0, doc='seed of the hash that orders examples inside the class shards.', wire=INT
    )
    examples_per_shard: int | None = argument(
        None,
        doc='at most about this many examples per class shard (default 50,000); a shard is '
        'sorted in memory by one worker.',
        wire=INT,
    )
    multi_label: str | None = argument(
        None,
        doc="None (one label per example), or ``'ids'`` / ``'multi_hot'`` (the StratifiedSplitter's "
        "forms): lay each split out per group (an example's rarest label; no label is its own "
        "group), and write the stream's plan (per group the draws per epoch, per label the "
        'expected frequency) into ``balance_plan.json``.',
        wire=STR,
    )
    policy: str | None = argument(
        None,
        doc="with ``multi_label``: ``'floored_label_balanced'`` (default; every example read "
        'within 3 epochs, the rare labels lifted towards a common frequency, every label at >= '
        "0.5x its data frequency), ``'label_balanced'`` (equal label frequencies as far as "
        "co-occurrence allows; may leave groups undrawn) or ``'repeat_factor'`` (LVIS: repeat an "
        'example ``max(1, sqrt(t / f))`` times, ``f`` the frequency of its rarest label).',
        wire=STR,
    )
    repeat_threshold: float | None = argument(
        None,
        doc='with ``multi_label``, the threshold ``t`` in ``(0, 1]`` (default 0.1).',
        wire=FLOAT,
    )

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
