"""StratifiedSplitConfig: the arguments of StratifiedSplitter, validated once and carried as exec properties.

The component builds it from its arguments (every problem a ``ConfigError`` naming the argument,
raised when the pipeline is built), stores ``StratifiedSplitConfig.to_exec_properties`` in its spec, the
executor decodes it with ``StratifiedSplitConfig.from_exec_properties``, and
``StratifiedSplit`` takes it as is.

Example:
    >>> config = StratifiedSplitConfig('label', splits=[('train', 4), ('eval', 1)], seed=3).validate()
    >>> config.splits
    {'train': 4, 'eval': 1}
    >>> StratifiedSplitConfig.from_exec_properties(config.to_exec_properties()) == config
    True
    >>> StratifiedSplitConfig('label', splits=['train', 'eval']).validate()  # doctest: +ELLIPSIS
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
from tfx_balance.core.cross_validation import folds
from tfx_balance.core.errors import ConfigError
from tfx_balance.core.python_values import on_python_values, to_json
from tfx_balance.core.split import allocation, label_bins

DEFAULT_SPLITS = {'train': 8, 'eval': 1, 'test': 1}


@dataclasses.dataclass(frozen=True)
class StratifiedSplitConfig:
    """Arguments of StratifiedSplitter (see its docstring; rules: docs/stratified_splitter.md).

    Attributes:
      label_feature: the int64 or bytes feature holding the class label.
      splits: ordered ``{split name: positive weight}`` (or ``[(name, weight), ...]`` pairs).
      seed: seed of the example hash.
      input_splits: input split names to read and merge; None reads all of them.
      group_feature: optional feature whose equal values stay in one split.
      folds: k >= 2 for splits ``fold-0 .. fold-<k-1>`` (``folds``); then
        ``splits`` is left unset (None) and becomes the folds' weights on ``validate()``.
      holdout: with ``folds``, ``{held-out split: fraction}``, e.g. ``{'test': 0.1}``.
      label_bins: N quantile bins of a numeric label (``label_bins``).
      label_bin_edges: or fixed, increasing bin edges.
      multi_label: None (one label per example), ``'ids'`` or ``'multi_hot'`` (a set of labels
        per example: ``tfx_balance.core.label_sets``).
    """

    label_feature: str
    splits: Mapping[str, float] | None = None  # None: DEFAULT_SPLITS (or the folds)
    seed: int = 0
    input_splits: Sequence[str] | None = None
    group_feature: str | None = None
    folds: int | None = None
    holdout: Mapping[str, float] | None = None
    label_bins: int | None = None
    label_bin_edges: Sequence[float] | None = None
    multi_label: str | None = None

    @on_python_values
    def validate(self) -> StratifiedSplitConfig:
        """Returns the validated config (``splits`` as a dict, ``input_splits`` as a tuple);
        raises ``ConfigError`` naming the bad argument."""
        _feature_name('label_feature', self.label_feature)
        if self.group_feature is not None:
            _feature_name('group_feature', self.group_feature)
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ConfigError(f'seed must be an integer, got {self.seed!r}.')
        if not -(2**63) <= self.seed < 2**63:
            raise ConfigError(f'seed must fit in a signed 64-bit integer, got {self.seed}.')
        if self.multi_label is not None and self.multi_label not in keys.MULTI_LABEL_FORMS:
            raise ConfigError(
                f"multi_label must be None (one label per example), 'ids' (a list of label ids "
                f"or names per example) or 'multi_hot' (a fixed-length 0/1 int64 vector), got "
                f'{self.multi_label!r}.'
            )
        bins, edges = label_bins.validate_bins(self.label_bins, self.label_bin_edges)
        if self.multi_label is not None and (
            self.label_bins is not None or self.label_bin_edges is not None
        ):
            raise ConfigError(
                f'label_bins/label_bin_edges bin one numeric label; multi_label={self.multi_label!r} '
                'has a set of labels per example. Use one of them (folds work with both).'
            )
        return dataclasses.replace(
            self,
            seed=int(self.seed),
            input_splits=_input_splits(self.input_splits),
            label_bins=bins,
            label_bin_edges=edges,
            **self._split_fields(),
        )

    def _split_fields(self) -> dict:
        if self.folds is None:
            if self.holdout is not None:
                raise ConfigError(
                    f'holdout={self.holdout!r} is set without folds; holdout names the splits '
                    "held out before the folds, e.g. folds=5, holdout={'test': 0.1}. For ordinary "
                    "splits use splits={'train': 8, 'eval': 1, 'test': 1} alone."
                )
            splits = DEFAULT_SPLITS if self.splits is None else self.splits
            return {'splits': allocation.validate_split_weights(splits)}
        k = folds.validate_folds(self.folds)
        holdout = folds.validate_holdout(self.holdout, k) if self.holdout is not None else None
        weights = folds.fold_weights(k, holdout)
        if self.splits is not None and dict(self.splits) != weights:  # validate() is idempotent
            raise ConfigError(
                f'folds={k} and splits={self.splits!r} are both set; with folds the splits are '
                f'fold-0 .. fold-{k - 1}: leave splits unset and name held-out splits in '
                "holdout, e.g. folds=5, holdout={'test': 0.1}."
            )
        return {'folds': k, 'holdout': holdout, 'splits': weights}

    @property
    def structured_report(self) -> bool:
        """Whether ``split_counts.json`` is ``{'counts': ..., 'folds'/'label_bins'/'groups':
        ...}`` (with folds, bins or groups) rather than the plain ``{class: {split: count}}``
        table."""
        return self.folds is not None or self.binned or self.group_feature is not None

    @property
    def binned(self) -> bool:
        return self.label_bins is not None or self.label_bin_edges is not None

    def to_exec_properties(self) -> dict:
        """The exec-property values of the component's spec (JSON where TFX needs a string)."""
        return {
            keys.LABEL_FEATURE_KEY: self.label_feature,
            keys.SPLITS_KEY: to_json([[name, weight] for name, weight in self.splits.items()]),
            keys.SEED_KEY: int(self.seed),
            keys.INPUT_SPLITS_KEY: (
                to_json(list(self.input_splits)) if self.input_splits is not None else None
            ),
            keys.GROUP_FEATURE_KEY: self.group_feature,
            **_optional_properties(self),
            # Only when set: single-label specs keep exactly the properties they always had.
            **({keys.MULTI_LABEL_KEY: self.multi_label} if self.multi_label else {}),
        }

    @classmethod
    def from_exec_properties(cls, props: Mapping) -> StratifiedSplitConfig:
        """Decodes (and validates) the exec properties written by ``to_exec_properties``."""
        input_splits = props.get(keys.INPUT_SPLITS_KEY)
        optional = {key: json.loads(props[key]) for key in _OPTIONAL if props.get(key)}
        return cls(
            label_feature=props[keys.LABEL_FEATURE_KEY],
            splits=[tuple(pair) for pair in json.loads(props[keys.SPLITS_KEY])],
            folds=optional.get(keys.FOLDS_KEY),
            holdout=optional.get(keys.HOLDOUT_KEY),
            label_bins=optional.get(keys.LABEL_BINS_KEY),
            label_bin_edges=optional.get(keys.LABEL_BIN_EDGES_KEY),
            seed=int(props.get(keys.SEED_KEY) or 0),
            input_splits=json.loads(input_splits) if input_splits else None,
            group_feature=props.get(keys.GROUP_FEATURE_KEY) or None,
            multi_label=props.get(keys.MULTI_LABEL_KEY) or None,
        ).validate()


# Written only when set, so that a config without them has the exec properties it always had.
_OPTIONAL = (keys.FOLDS_KEY, keys.HOLDOUT_KEY, keys.LABEL_BINS_KEY, keys.LABEL_BIN_EDGES_KEY)


def _optional_properties(config: StratifiedSplitConfig) -> dict:
    values = {
        keys.FOLDS_KEY: config.folds,
        keys.HOLDOUT_KEY: list(map(list, config.holdout.items())) if config.holdout else None,
        keys.LABEL_BINS_KEY: config.label_bins,
        keys.LABEL_BIN_EDGES_KEY: list(config.label_bin_edges or []) or None,
    }
    return {key: to_json(value) for key, value in values.items() if value is not None}


def _feature_name(argument: str, value) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(f'{argument} must be a non-empty feature name (a string), got {value!r}.')


def _input_splits(value) -> tuple | None:
    if value is None:
        return None
    return allocation.validate_split_list(value, 'input_splits')
