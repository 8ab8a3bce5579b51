"""LeakageConfig: LeakageCheck's arguments, checked once, and their exec-property form.

Example:
    >>> config = LeakageConfig(training_splits=['train'], allow_duplicates=True).validate()
    >>> LeakageConfig.from_exec_properties(config.to_exec_properties()) == config
    True
    >>> LeakageConfig().validate().resolve_training_splits(['fold-0', 'fold-1', 'test'])
    ('fold-0', 'fold-1')
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
from typing import Sequence, Tuple

from tfx_balance.core.common import keys
from tfx_balance.core.common.arguments import BOOL, INT, JSON, STR, Arguments, argument
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.folds import FOLD_PREFIX
from tfx_balance.core.common.python_values import on_python_values
from tfx_balance.core.common.split_names import validate_split_list

# The splits that count as training data when ``training_splits`` is not given.
DEFAULT_TRAINING_PATTERNS = ('train', f'{FOLD_PREFIX}*')
DEFAULT_MAX_EXAMPLES = 10
# Key buckets (``bucket_count``) bound a worker's memory, which holds one bucket's keys (9 bytes
# an example): one bucket per this many bytes of (compressed) input, a bound chosen, not timed.
BUCKET_INPUT_BYTES = 32 << 20
BUCKET_INDEX_KEYS = 1 << 22  # and one per this many keys of earlier spans' key indexes
MAX_KEY_BUCKETS = 1024


@dataclasses.dataclass(frozen=True)
class LeakageConfig(Arguments):
    """Arguments of LeakageCheck, each declared once (``core/common/arguments.py``)."""

    training_splits: Tuple[str, ...] | None = argument(
        None,
        doc="the splits where synthetic examples belong; default ``'train'`` and every "
        "``'fold-*'`` split; ``[]`` for none.",
        wire=JSON,
    )
    allow_duplicates: bool = argument(
        False, doc='record examples found in two splits without failing.', wire=BOOL
    )
    allow_synthetic_outside: bool = argument(
        False,
        doc='record synthetic examples outside the training splits without failing.',
        wire=BOOL,
    )
    splits: Tuple[str, ...] | None = argument(
        None, doc='the splits checked; default every split of ``examples``.', wire=JSON
    )
    provenance_feature: str = argument(
        keys.DEFAULT_PROVENANCE_FEATURE,
        doc="the int64 feature marking synthetic examples (1), as BalancedAugmenter's argument "
        'of that name; left out of the content key, as is ``source_feature``.',
        wire=STR,
    )
    source_feature: str = argument(
        keys.DEFAULT_SOURCE_FEATURE,
        doc="BalancedAugmenter's feature naming a synthetic example's source.",
        wire=STR,
    )
    max_examples: int = argument(
        DEFAULT_MAX_EXAMPLES, doc='fingerprints listed per finding in the report.', wire=INT
    )
    label_feature: str | None = argument(
        None,
        doc='the label feature, left out of the content key: the same inputs in two splits are '
        'found whatever their labels (as StratifiedSplitter identifies examples). Default: the '
        'label is part of the key, since identical inputs with different labels are common in '
        'some data (several annotators, a label corrected later).',
        wire=STR,
    )
    group_feature: str | None = argument(
        None,
        doc="the feature holding a group id (as StratifiedSplitter's argument of that name): a "
        'group with examples in two or more splits fails the check (core/common/groups.py says what a '
        'group is).',
        wire=STR,
    )

    @on_python_values
    def validate(self) -> LeakageConfig:
        """Returns the config in canonical form (tuples, bools); raises ``ConfigError``."""
        splits = None if self.splits is None else validate_split_list(self.splits, 'splits')
        training = self.training_splits
        if training is not None:
            empty = isinstance(training, (list, tuple)) and not training
            training = () if empty else validate_split_list(training, 'training_splits')
        for name in ('allow_duplicates', 'allow_synthetic_outside'):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(
                    f'{name} must be True or False, got {getattr(self, name)!r}; e.g. '
                    f'{name}=True to record such findings without failing the pipeline.'
                )
        for name in ('provenance_feature', 'source_feature'):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigError(
                    f'{name} must be a non-empty feature name (a string), got {value!r}; use '
                    'the name BalancedAugmenter was given (default '
                    f"'{keys.DEFAULT_PROVENANCE_FEATURE}' and '{keys.DEFAULT_SOURCE_FEATURE}')."
                )
        if self.provenance_feature == self.source_feature:
            raise ConfigError(
                f'provenance_feature and source_feature must be two different names, both are '
                f'{self.provenance_feature!r}.'
            )
        group = self.group_feature
        if group is not None and (not isinstance(group, str) or not group):
            raise ConfigError(
                f'group_feature must be a non-empty feature name (a string) or None, got '
                f"{group!r}; give the one StratifiedSplitter was given, e.g. group_feature='user'."
            )
        if group in (self.provenance_feature, self.source_feature):
            raise ConfigError(
                f'group_feature {group!r} is a provenance feature of BalancedAugmenter; name the '
                'feature that holds the group id (e.g. a user or patient id).'
            )
        label = self.label_feature
        if label is not None and (not isinstance(label, str) or not label):
            raise ConfigError(
                f'label_feature must be a non-empty feature name (a string) or None, got '
                f"{label!r}; e.g. label_feature='label' to find the same inputs whatever their "
                'labels.'
            )
        if label is not None and label in (self.provenance_feature, self.source_feature):
            raise ConfigError(
                f'label_feature {label!r} is a provenance feature of BalancedAugmenter; name the '
                'feature that holds the label.'
            )
        count = self.max_examples
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ConfigError(
                f'max_examples must be an integer >= 0 (fingerprints listed per finding), got '
                f'{count!r}; e.g. max_examples=10.'
            )
        return dataclasses.replace(self, splits=splits, training_splits=training)

    @property
    def ignored_features(self) -> Tuple[str, ...]:
        """The features left out of an example's content key: the provenance features, and
        ``label_feature`` when given."""
        label = () if self.label_feature is None else (self.label_feature,)
        return (self.provenance_feature, self.source_feature, *label)

    def resolve_training_splits(self, splits: Sequence[str]) -> Tuple[str, ...]:
        """The training splits among ``splits`` (those read); raises ``ConfigError`` if
        ``training_splits`` names a split not read."""
        if self.training_splits is None:
            return tuple(
                s
                for s in splits
                if any(fnmatch.fnmatchcase(s, p) for p in DEFAULT_TRAINING_PATTERNS)
            )
        missing = [s for s in self.training_splits if s not in splits]
        if missing:
            raise ConfigError(
                f'training_splits names split(s) {", ".join(repr(s) for s in missing)} that are '
                f'not among the checked splits {list(splits)}; name only checked splits (or '
                'add them to splits).'
            )
        return tuple(s for s in splits if s in self.training_splits)


def bucket_count(input_bytes: int, index_keys: int = 0) -> int:
    """Key buckets for ``input_bytes`` of input files and ``index_keys`` indexed keys: one per
    ``BUCKET_INPUT_BYTES`` plus one per ``BUCKET_INDEX_KEYS``, from 1 to ``MAX_KEY_BUCKETS``.

    >>> bucket_count(0), bucket_count(100 << 20), bucket_count(1 << 50), bucket_count(0, 5 << 20)
    (1, 4, 1024, 2)
    """
    wanted = input_bytes / BUCKET_INPUT_BYTES + index_keys / BUCKET_INDEX_KEYS
    return max(1, min(MAX_KEY_BUCKETS, math.ceil(wanted)))
