"""BalancedAugmenter's augmentations, one table (``MODES``): a new mode is one row here and one
generator.

Example:
    >>> MODES['smote'].reservoir, MODES['copy'].stats
    (True, False)
    >>> mode_of('interpolate', user_fn=True).name
    'augment_fn'
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Mapping

from tfx_balance.core.balanced_augmenter.floats import DEFAULT_NOISE_SCALE
from tfx_balance.core.balanced_augmenter.image import ImageOptions, check_finite_option
from tfx_balance.core.balanced_augmenter.smote import SmoteOptions
from tfx_balance.core.common.errors import ConfigError

NUMERIC_OPTIONS = ('noise_scale',)
USER_FN = 'augment_fn'  # the mode of a user augment_fn, which replaces `augmentation`


def _numeric_options(options: Mapping) -> None:
    unknown = sorted(set(options) - set(NUMERIC_OPTIONS))
    if unknown:
        raise ConfigError(
            f"unknown 'numeric' option(s) {unknown}; known: {', '.join(NUMERIC_OPTIONS)}."
        )
    if 'noise_scale' in options:
        check_finite_option('noise_scale', options['noise_scale'], DEFAULT_NOISE_SCALE)


@dataclasses.dataclass(frozen=True)
class Mode:
    """One augmentation: the ``AugmentSources`` method making its copies, what the profile pass
    makes for it, and its options' check (None: it reads no ``augmentation_options``)."""

    name: str
    generator: str | None
    stats: bool = False
    reservoir: bool = False
    images: bool = False
    check_options: Callable[[Mapping], object] | None = None


AUGMENTATION_MODES = (
    Mode('copy', 'copies'),
    Mode('image', None, images=True, check_options=ImageOptions.from_dict),
    Mode('numeric', 'jittered', stats=True, check_options=_numeric_options),
    Mode('interpolate', 'interpolated', stats=True, reservoir=True),
    Mode('smote', 'smote_copies', stats=True, reservoir=True, check_options=SmoteOptions.from_dict),
)
MODES = {mode.name: mode for mode in (*AUGMENTATION_MODES, Mode(USER_FN, 'augmented'))}
AUGMENTATIONS = tuple(mode.name for mode in AUGMENTATION_MODES)  # the `augmentation` values


def mode_of(augmentation: str, user_fn: bool) -> Mode:
    """The ``Mode`` of an ``augmentation`` (a user ``augment_fn`` replaces it)."""
    if user_fn:
        return MODES[USER_FN]
    if augmentation not in AUGMENTATIONS:
        raise ConfigError(
            f'augmentation {augmentation!r} is not supported; use one of '
            f'{", ".join(AUGMENTATIONS)}, or a module_file with augment_fn.'
        )
    return MODES[augmentation]
