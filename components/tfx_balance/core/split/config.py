"""StratifiedSplitConfig: StratifiedSplitter's arguments, validated once, as exec properties.

The component builds it from its arguments; every problem is a ``ConfigError`` naming the
argument, raised when the pipeline is built. The component stores
``StratifiedSplitConfig.to_exec_properties`` in its spec, the executor decodes it with
``StratifiedSplitConfig.from_exec_properties``, and ``StratifiedSplit`` takes it as is.

Example:
    >>> config = StratifiedSplitConfig('label', splits=[('train', 4), ('eval', 1)], seed=3).validate()
    >>> config.splits
    {'train': 4, 'eval': 1}
    >>> StratifiedSplitConfig.from_exec_properties(config.to_exec_properties()) == config
    True
    >>> StratifiedSplitConfig('label', splits=['train', 'eval']).validate()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tfx_balance.core.common.errors.ConfigError: splits must be ...
"""

from __future__ import annotations

import dataclasses
import json
import numbers
from typing import Mapping, Sequence

from tfx_balance.core.common import folds, keys, split_names
from tfx_balance.core.common.arguments import INT, JSON, STR, Arguments, Wire, argument
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.python_values import on_python_values, to_json
from tfx_balance.core.split import label_bins, stratify_features

DEFAULT_SPLITS = {'train': 8, 'eval': 1, 'test': 1}


# An ordered mapping as an exec property: JSON ``[[name, value], ...]`` (the order is the splits').
PAIRS = Wire(
    str,
    lambda mapping: to_json([[name, value] for name, value in mapping.items()]),
    lambda text: [tuple(pair) for pair in json.loads(text)],
)


@dataclasses.dataclass(frozen=True)
class StratifiedSplitConfig(Arguments):
    """Arguments of StratifiedSplitter, each declared once (``core/common/arguments.py``; rules:
    docs/stratified_splitter.md). ``validate()`` gives ``splits`` as a dict (the folds' weights
    with ``folds``) and ``input_splits`` as a tuple."""

    label_feature: str = argument(
        doc='the int64 or bytes feature holding the class label.', wire=STR
    )
    splits: Mapping[str, float] | None = argument(
        None,
        doc='ordered mapping of split name to positive weight (or a list of ``(name, weight)`` '
        "pairs); default ``{'train': 8, 'eval': 1, 'test': 1}``.",
        wire=PAIRS,
    )
    seed: int = argument(
        0, doc='seed of the example hash; another seed gives other members, same counts.', wire=INT
    )
    input_splits: Sequence[str] | None = argument(
        None, doc='input split names to read and merge; default all of them.', wire=JSON
    )
    group_feature: str | None = argument(
        None,
        doc='optional feature (e.g. a user id); examples with the same value stay in the same '
        'split, and counts follow the rule as closely as whole groups allow.',
        wire=STR,
    )
    folds: int | None = argument(
        None,
        doc='k >= 2 gives splits ``fold-0 .. fold-<k-1>`` of equal weight (leave ``splits`` '
        "unset), each class's counts by the same rule.",
        wire=JSON,
    )
    holdout: Mapping[str, float] | None = argument(
        None,
        doc="with ``folds``, ``{split: fraction}`` held out first, e.g. ``{'test': 0.1}``.",
        wire=PAIRS,
    )
    label_bins: int | None = argument(
        None,
        doc='N: stratify a float or int64 label by N quantile bins computed from the data.',
        wire=JSON,
    )
    label_bin_edges: Sequence[float] | None = argument(
        None,
        doc='or fixed, increasing bin edges, e.g. ``[10.0, 50.0]``.',
        wire=JSON,
        written=lambda config: bool(config.label_bin_edges),
    )
    multi_label: str | None = argument(
        None,
        doc="None (one label per example), ``'ids'`` (the label feature lists 0..n label ids or "
        "names per example) or ``'multi_hot'`` (a fixed-length int64 0/1 vector; label i is "
        'position i): every label is stratified at once (docs/stratified_splitter.md, '
        '"Multi-label").',
        wire=STR,
    )
    stratify_features: Sequence[str] | None = argument(
        None,
        doc="categorical features to stratify on beside the label, e.g. ``['site']``: every class "
        'x value stratum within 1 of its share in every split (docs/stratified_splitter.md, '
        '"Strata beyond the label").',
        wire=JSON,
        written=lambda config: bool(config.stratify_features),
    )

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
        features = stratify_features.validate_features(
            self.stratify_features, self.label_feature, self.group_feature
        )
        return dataclasses.replace(
            self,
            stratify_features=features,
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
            return {'splits': split_names.validate_split_weights(splits)}
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
        return (
            self.folds is not None
            or self.binned
            or self.group_feature is not None
            or self.stratify_features is not None
        )

    @property
    def binned(self) -> bool:
        return self.label_bins is not None or self.label_bin_edges is not None


def _feature_name(argument: str, value) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(f'{argument} must be a non-empty feature name (a string), got {value!r}.')


def _input_splits(value) -> tuple | None:
    if value is None:
        return None
    return split_names.validate_split_list(value, 'input_splits')
