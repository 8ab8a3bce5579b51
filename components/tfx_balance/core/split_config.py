"""SplitConfig: the arguments of StratifiedSplitter, validated once and carried as exec properties.

The component builds it from its arguments (every problem a ``ConfigError`` naming the argument,
raised when the pipeline is built), stores :meth:`SplitConfig.to_exec_properties` in its spec, the
executor decodes it with :meth:`SplitConfig.from_exec_properties`, and
:class:`~tfx_balance.core.stratified_split.StratifiedSplit` takes it as is.

Example:
    >>> config = SplitConfig('label', splits=[('train', 4), ('eval', 1)], seed=3).validate()
    >>> config.splits
    {'train': 4, 'eval': 1}
    >>> SplitConfig.from_exec_properties(config.to_exec_properties()) == config
    True
    >>> SplitConfig('label', splits=['train', 'eval']).validate()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tfx_balance.core.errors.ConfigError: splits must be ...
"""

from __future__ import annotations

import dataclasses
import json
import numbers
from typing import Mapping, Sequence

from tfx_balance import keys
from tfx_balance.core import allocation
from tfx_balance.core.errors import ConfigError

DEFAULT_SPLITS = {'train': 8, 'eval': 1, 'test': 1}
MULTI_LABEL_FORMS = (None, 'ids', 'multi_hot')


@dataclasses.dataclass(frozen=True)
class SplitConfig:
    """Arguments of StratifiedSplitter (see its docstring; rules: docs/stratified_splitter.md).

    Attributes:
      label_feature: the int64 or bytes feature holding the class label.
      splits: ordered ``{split name: positive weight}`` (or ``[(name, weight), ...]`` pairs).
      seed: seed of the example hash.
      input_splits: input split names to read and merge; None reads all of them.
      group_feature: optional feature whose equal values stay in one split.
      multi_label: None (one label per example), ``'ids'`` or ``'multi_hot'`` (a set of labels
        per example: :mod:`tfx_balance.core.multilabel_labels`).
    """

    label_feature: str
    splits: Mapping[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_SPLITS))
    seed: int = 0
    input_splits: Sequence[str] | None = None
    group_feature: str | None = None
    multi_label: str | None = None

    def validate(self) -> SplitConfig:
        """Returns the validated config (``splits`` as a dict, ``input_splits`` as a tuple);
        raises ``ConfigError`` naming the bad argument."""
        _feature_name('label_feature', self.label_feature)
        if self.group_feature is not None:
            _feature_name('group_feature', self.group_feature)
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ConfigError(f'seed must be an integer, got {self.seed!r}.')
        if not -(2**63) <= self.seed < 2**63:
            raise ConfigError(f'seed must fit in a signed 64-bit integer, got {self.seed}.')
        if self.multi_label not in MULTI_LABEL_FORMS:
            raise ConfigError(
                f"multi_label must be None (one label per example), 'ids' (a list of label ids "
                f"or names per example) or 'multi_hot' (a fixed-length 0/1 int64 vector), got "
                f'{self.multi_label!r}.'
            )
        return dataclasses.replace(
            self,
            splits=allocation.validate_split_weights(self.splits),
            seed=int(self.seed),
            input_splits=_input_splits(self.input_splits),
        )

    def to_exec_properties(self) -> dict:
        """The exec-property values of the component's spec (JSON where TFX needs a string)."""
        return {
            keys.LABEL_FEATURE_KEY: self.label_feature,
            keys.SPLITS_KEY: json.dumps([[name, weight] for name, weight in self.splits.items()]),
            keys.SEED_KEY: int(self.seed),
            keys.INPUT_SPLITS_KEY: (
                json.dumps(list(self.input_splits)) if self.input_splits is not None else None
            ),
            keys.GROUP_FEATURE_KEY: self.group_feature,
            # Only when set: single-label specs keep exactly the properties they always had.
            **({keys.MULTI_LABEL_KEY: self.multi_label} if self.multi_label else {}),
        }

    @classmethod
    def from_exec_properties(cls, props: Mapping) -> SplitConfig:
        """Decodes (and validates) the exec properties written by :meth:`to_exec_properties`."""
        input_splits = props.get(keys.INPUT_SPLITS_KEY)
        return cls(
            label_feature=props[keys.LABEL_FEATURE_KEY],
            splits=[tuple(pair) for pair in json.loads(props[keys.SPLITS_KEY])],
            seed=int(props.get(keys.SEED_KEY) or 0),
            input_splits=json.loads(input_splits) if input_splits else None,
            group_feature=props.get(keys.GROUP_FEATURE_KEY) or None,
            multi_label=props.get(keys.MULTI_LABEL_KEY) or None,
        ).validate()


def _feature_name(argument: str, value) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(f'{argument} must be a non-empty feature name (a string), got {value!r}.')


def _input_splits(value) -> tuple | None:
    if value is None:
        return None
    return allocation.validate_split_list(value, 'input_splits')
