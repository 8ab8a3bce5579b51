"""AugmentConfig: the arguments of BalancedAugmenter, checked once, and their exec-property form.

Example:
    >>> config = AugmentConfig('label', target={b'\\xff': 10}, augmentation='numeric').validate()
    >>> AugmentConfig.from_exec_properties(config.to_exec_properties()) == config
    True
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Callable, Mapping, Tuple

from tfx_balance.core.balanced_augmenter.modes import MODES, USER_FN, Mode, mode_of
from tfx_balance.core.balanced_augmenter.smote import SmoteOptions
from tfx_balance.core.balanced_augmenter.targets import (
    decode_target,
    encode_target,
    validate_target,
)
from tfx_balance.core.common import keys
from tfx_balance.core.common.arguments import BOOL, INT, JSON, STR, Arguments, Wire, argument
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.hashing import BUCKET_BITS
from tfx_balance.core.common.labels import class_name
from tfx_balance.core.common.python_values import on_python_values
from tfx_balance.core.common.split_names import validate_split_list

DEFAULT_RESERVOIR_SIZE = 1000


@dataclasses.dataclass(frozen=True)
class AugmentConfig(Arguments):
    """Arguments of BalancedAugmenter and ``BalancedAugment`` (docs/balanced_augmenter.md);
    ``augment_fn``: the loaded function of ``module_file``; ``where``: the split, in messages."""

    label_feature: str = argument(
        doc='the int64 or bytes feature holding the class label.', wire=STR
    )
    target: object = argument(
        'max',
        doc="'max', 'mean', an int count per class, or a dict {class: count}.",
        wire=Wire(str, encode_target, decode_target),
    )
    undersample: bool = argument(
        False, doc='reduce classes above their target to it (default: leave them).', wire=BOOL
    )
    augmentation: str = argument(
        'copy',
        doc="'copy', 'image', 'numeric', 'interpolate' or 'smote' (docs/balanced_augmenter.md).",
        wire=STR,
    )
    image_feature: str = argument(
        'image', doc="for 'image', the bytes feature holding one PNG or JPEG image.", wire=STR
    )
    module_file: str | None = argument(
        None,
        doc='optional Python file defining ``augment_fn(features: dict[str, np.ndarray], rng) -> '
        'dict[str, np.ndarray]``, used instead of ``augmentation``.',
        wire=STR,
    )
    splits: Tuple[str, ...] = argument(
        ('train',),
        doc='names of the splits to rebalance; other splits are copied unchanged.',
        wire=JSON,
    )
    seed: int = argument(
        0, doc='seed of every random choice; the same seed gives the same records.', wire=INT
    )
    provenance_feature: str = argument(
        keys.DEFAULT_PROVENANCE_FEATURE,
        doc='int64 feature marking generated examples (1) and originals (0).',
        wire=STR,
    )
    source_feature: str = argument(
        keys.DEFAULT_SOURCE_FEATURE,
        doc="bytes feature with the source example's fingerprint (generated only).",
        wire=STR,
    )
    options: Mapping = argument(
        doc="optional dict tuning the built-in augmentation: for 'image' ``flip``, "
        '``max_rotation_degrees``, ``max_shift_fraction``, ``brightness``, ``contrast``, '
        "``jpeg_quality``; for 'numeric' ``noise_scale`` (default 0.1); for 'smote' ``k`` "
        "(default 5), ``scale`` ('none' or 'standard'), ``categorical_features`` and "
        '``exact_limit`` (default 10,000).',
        wire=JSON,
        written=lambda config: bool(config.options),
        name=keys.AUGMENTATION_OPTIONS_KEY,
        default_factory=dict,
    )
    keep_features: Tuple[str, ...] = argument(
        (),
        doc='features every synthetic example copies from its source as they are, never '
        "perturbed by 'numeric', 'interpolate', 'smote' or an ``augment_fn`` (e.g. those a "
        'label computed later, in Transform, is made from: docs/template_path.md).',
        wire=JSON,
        written=lambda config: bool(config.keep_features),
    )
    partner_feature: str = argument(
        keys.DEFAULT_PARTNER_FEATURE,
        doc="bytes feature with the partner's fingerprint ('interpolate' and 'smote' copies only).",
        wire=STR,
    )
    module_path: str | None = argument(
        None,
        doc="the installed module of a packaged ``module_file`` (set by TFX's Trainer-style "
        'packaging, not by the constructor).',
        wire=STR,
        constructor=False,
    )
    # The transform's own (BalancedAugment), not component arguments.
    augment_fn: Callable | None = None
    reservoir_size: int = DEFAULT_RESERVOIR_SIZE
    where: str = 'the input'
    bucket_bits: int = BUCKET_BITS

    @on_python_values
    def validate(self) -> AugmentConfig:
        """The config normalised; every problem is a ``ConfigError`` naming the argument."""
        target = validate_target(self.target)
        splits = validate_split_list(self.splits)
        mode = self.mode  # ConfigError for an unknown augmentation
        if self.augment_fn is not None and not callable(self.augment_fn):
            raise ConfigError(f'augment_fn must be callable, got {self.augment_fn!r}.')
        args = ('label_feature', 'provenance_feature', 'source_feature', 'partner_feature')
        for arg in args:
            if not isinstance(getattr(self, arg), str) or not getattr(self, arg):
                raise ConfigError(f'{arg} must be a non-empty string, got {getattr(self, arg)!r}.')
        if len(set(self.reserved_features)) != len(args):
            raise ConfigError(
                'label_feature, provenance_feature, source_feature and partner_feature must be '
                f'different names, got {", ".join(repr(n) for n in self.reserved_features)}.'
            )
        if not isinstance(self.options, Mapping):
            raise ConfigError(f'augmentation_options must be a dict, got {self.options!r}.')
        if mode.images and (not isinstance(self.image_feature, str) or not self.image_feature):
            raise ConfigError("augmentation='image' needs image_feature (a bytes feature).")
        if mode.check_options is not None:
            mode.check_options(self.options)
        elif self.options:  # read by none of this mode's code: never silently ignored
            readers = ', '.join(repr(m.name) for m in MODES.values() if m.check_options)
            what = 'an augment_fn' if mode.name == USER_FN else f'augmentation={mode.name!r}'
            raise ConfigError(
                f'{what} takes no augmentation_options, got '
                f'{sorted(self.options)}; only {readers} read them (docs/balanced_augmenter.md).'
            )
        keep = self._checked_keep_features()
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ConfigError(f'seed must be an int, got {self.seed!r}.')
        if self.reservoir_size < 1:
            raise ConfigError(f'reservoir_size must be >= 1, got {self.reservoir_size}.')
        if not 0 <= self.bucket_bits <= BUCKET_BITS:
            raise ConfigError(f'bucket_bits must be 0 to {BUCKET_BITS}, got {self.bucket_bits}.')
        normal = dict(
            target=target,
            splits=tuple(splits),
            undersample=bool(self.undersample),
            seed=int(self.seed),
            options=dict(self.options),
            keep_features=keep,
        )
        if all(
            getattr(self, k) == v and type(getattr(self, k)) is type(v) for k, v in normal.items()
        ):
            return self
        return dataclasses.replace(self, **normal)

    def _checked_keep_features(self) -> tuple:
        """``keep_features`` as a tuple, or the ``ConfigError`` of a name it cannot keep."""
        names = self.keep_features
        if isinstance(names, str) or not all(isinstance(n, str) and n for n in names):
            raise ConfigError(
                f'keep_features must be a list of feature names, got {names!r}; e.g. '
                "keep_features=['tips', 'fare']."
            )
        reserved = sorted(set(names) & set(self.reserved_features))
        if reserved:
            raise ConfigError(
                f'keep_features names {reserved}: the label and provenance features are never '
                'augmented anyway; leave them out.'
            )
        if self.mode.images and self.image_feature in names:
            raise ConfigError(
                f"keep_features names image_feature '{self.image_feature}', the only feature "
                "augmentation='image' changes; leave it out, or augment with 'copy'."
            )
        categorical = set(self.options.get('categorical_features') or ()) if self.uses_smote else ()
        both = sorted(set(names) & set(categorical))
        if both:
            raise ConfigError(
                f"keep_features and augmentation_options 'categorical_features' both name "
                f'{both}: SMOTE-NC draws a categorical feature from the neighbours; a kept one is '
                'copied from the source. Name each feature in one of them.'
            )
        return tuple(dict.fromkeys(names))

    @property
    def uses_user_fn(self) -> bool:
        """Whether a user ``augment_fn`` (loaded or in a module) replaces ``augmentation``."""
        return self.augment_fn is not None or bool(self.module_file or self.module_path)

    @property
    def mode(self) -> Mode:
        """The augmentation's row of ``modes.MODES``."""
        return mode_of(self.augmentation, self.uses_user_fn)

    @property
    def needs_stats(self) -> bool:
        return self.mode.stats

    @property
    def uses_smote(self) -> bool:
        return self.mode.name == 'smote'

    @property
    def sample_size(self) -> int:
        """Examples per class the profile pass samples ('smote': ``exact_limit``)."""
        if self.uses_smote:
            return SmoteOptions.from_dict(self.options).exact_limit
        return self.reservoir_size

    @property
    def reserved_features(self) -> tuple:
        """The label and provenance feature names (never augmented as categorical features)."""
        return (
            self.label_feature,
            self.provenance_feature,
            self.source_feature,
            self.partner_feature,
        )

    @property
    def augmentation_name(self) -> str:
        """The augmentation in reports and logs: ``augmentation`` or ``'augment_fn'``."""
        return self.mode.name

    def describe_source(self, fingerprint: str, label=None) -> str:
        """A source example in messages: its fingerprint, class and split."""
        cls = f' of class {class_name(label)!r}' if label is not None else ''
        return f'source example {fingerprint}{cls} in {self.where}'

    @classmethod
    def from_exec_properties(
        cls,
        props: Mapping,
        load_augment_fn: Callable[[str | None, str | None], Callable] | None = None,
    ) -> AugmentConfig:
        """The config of ``to_exec_properties``' form; ``load_augment_fn(module_file,
        module_path)`` loads the user ``augment_fn``."""
        module_file = props.get(keys.MODULE_FILE_KEY) or None
        module_path = props.get(keys.MODULE_PATH_KEY) or None
        augment_fn = None
        if (module_file or module_path) and load_augment_fn is not None:
            augment_fn = load_augment_fn(module_file, module_path)
        return super().from_exec_properties(props, augment_fn=augment_fn)
