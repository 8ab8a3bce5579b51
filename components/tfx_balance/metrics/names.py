"""The names a metric reports under, for classes and labels alike (a ``NameKind`` each): the
checks of ``classes`` / ``num_classes`` and ``labels`` / ``num_labels``, and ``NameIndex``.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import List, Sequence, Tuple

from tfx_balance.core.common.errors import ConfigError

DEFAULT_THRESHOLD = 0.5


@dataclasses.dataclass(frozen=True)
class NameKind:
    """What differs between class and label names: argument names, least count, messages."""

    singular: str  # 'class' / 'label'
    names: str  # 'classes' / 'labels'
    count: str  # 'num_classes' / 'num_labels'
    minimum: int
    order: str
    example: str
    count_meaning: str
    both_hint: str
    list_hint: str = ''


CLASSES = NameKind(
    singular='class',
    names='classes',
    count='num_classes',
    minimum=2,
    order="the class names in the order of the model's scores",
    example="classes=['Cash', 'Credit Card'] in the order of the model's scores",
    count_meaning='class ids 0 .. num_classes - 1',
    both_hint='classes for named classes (or string labels), num_classes for ids 0 .. n-1.',
    list_hint="; for int labels 0 .. n-1 use num_classes=n or classes=['0', '1', ...]",
)
LABELS = NameKind(
    singular='label',
    names='labels',
    count='num_labels',
    minimum=1,
    order='the label names in the order of the multi-hot vector and of the scores',
    example="labels=['cat', 'dog', 'owl'] in the order of the multi-hot vector",
    count_meaning='the length of the multi-hot label vector',
    both_hint='labels for the label names in the order of the multi-hot vector, num_labels for '
    'names 0 .. n-1.',
)


def validate_names(kind: NameKind, names, count) -> Tuple[List[str] | None, int | None]:
    """Checks a names / count argument pair of ``kind`` (``ConfigError`` naming it)."""
    if names is not None and count is not None:
        raise ConfigError(
            f'{kind.names} ({names!r}) and {kind.count} ({count!r}) are both set; give one: '
            f'{kind.both_hint}'
        )
    if names is not None:
        if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
            raise ConfigError(
                f'{kind.names} must be a list of {kind.singular} names, got {names!r}; '
                f'e.g. {kind.example}.'
            )
        bad = [name for name in names if not isinstance(name, str) or not name]
        if bad or len(names) < kind.minimum or len(set(names)) != len(names):
            raise ConfigError(
                f'{kind.names} must be {kind.minimum} or more distinct non-empty strings '
                f'({kind.order}), got {list(names)!r}{kind.list_hint}.'
            )
        return list(names), None
    if count is not None:
        if (
            isinstance(count, bool)
            or not isinstance(count, numbers.Integral)
            or count < kind.minimum
        ):
            raise ConfigError(
                f'{kind.count} must be an int >= {kind.minimum} ({kind.count_meaning}), '
                f'got {count!r}.'
            )
        count = int(count)
    return None, count


def validate_classes(classes, num_classes) -> Tuple[List[str] | None, int | None]:
    """Checks the ``classes`` / ``num_classes`` arguments (2 or more classes)."""
    return validate_names(CLASSES, classes, num_classes)


def validate_labels(labels, num_labels) -> Tuple[List[str] | None, int | None]:
    """Checks the ``labels`` / ``num_labels`` arguments (1 or more labels)."""
    return validate_names(LABELS, labels, num_labels)


def multi_label_form(multi_label, caller: str):
    """``None`` or ``'multi_hot'``, as the components spell ``multi_label``.

    True/False, ``'ids'`` and anything else are a ``ConfigError`` naming the spelling to write.

    Example:
        >>> multi_label_form('multi_hot', 'LogLoss')
        'multi_hot'
    """
    if isinstance(multi_label, bool):
        new = 'multi_hot' if multi_label else None
        raise ConfigError(
            f'{caller}(multi_label={multi_label}): write multi_label={new!r}, as the components '
            "do (None: one label per example; 'multi_hot': a 0/1 label vector)."
        )
    if multi_label == 'ids':
        raise ConfigError(
            "multi_label='ids' is not read by the Evaluator's metrics: they read a multi-hot "
            '0/1 label vector (as TFMA sees it, after preprocessing_function_names). Convert the '
            'label ids to a multi-hot vector in a preprocessing function and pass '
            "multi_label='multi_hot'."
        )
    if multi_label not in (None, 'multi_hot'):
        raise ConfigError(
            "multi_label must be None (one label per example) or 'multi_hot' (a 0/1 label "
            f'vector and sigmoid scores), got {multi_label!r}.'
        )
    return multi_label


def validate_threshold(threshold) -> float:
    """``threshold`` as a float in (0, 1) (None: 0.5); else ``ConfigError``."""
    if threshold is None:
        return DEFAULT_THRESHOLD
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not 0 < threshold < 1
    ):
        raise ConfigError(
            f'threshold must be a number in (0, 1), got {threshold!r}; label i is predicted where '
            'its sigmoid score >= threshold (default 0.5).'
        )
    return float(threshold)


class NameIndex:
    """Names by position: the given names, else '0' .. 'n-1' for a count or for what the counts saw."""

    KIND: NameKind = CLASSES

    def __init__(self, names: Sequence[str] | None, count: int | None):
        self.given = list(names) if names is not None else None
        self.size = len(self.given) if self.given is not None else count

    @classmethod
    def from_arguments(cls, arguments: dict) -> NameIndex:
        """The index of a metric's ``arguments``; takes its own out of them."""
        return cls(arguments.pop(cls.KIND.names, None), arguments.pop(cls.KIND.count, None))

    def _seen(self, counts) -> int:
        raise NotImplementedError

    def names(self, counts) -> List[str]:
        if self.given is not None:
            return list(self.given)
        return [str(i) for i in range(self.size or self._seen(counts))]

    def _known(self) -> str:
        """The names given, for messages: 'classes [...]', 'num_classes=3' or neither."""
        if self.given is not None:
            return f'{self.KIND.names} {self.given}'
        if self.size:
            return f'{self.KIND.count}={self.size}'
        return f'no {self.KIND.names} or {self.KIND.count} given'

    def arguments(self) -> dict:
        """The names / count arguments the counts computation is keyed by."""
        return {
            self.KIND.names: self.given,
            self.KIND.count: None if self.given is not None else self.size,
        }
