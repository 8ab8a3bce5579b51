"""The balance plan: per-class targets, and which examples are copied, kept or dropped.

Targets (``target`` argument of BalancedAugmenter):

- ``'max'``: every class gets the largest class's count.
- ``'mean'``: every class gets the mean class count, rounded half up
  (``floor(total / classes + 1/2)``, computed exactly on integers).
- ``N`` (int >= 0): every class gets ``N``.
- ``{class: N}``: the named classes get ``N``; classes not named keep their count. Classes are
  matched by their string form (``3`` and ``'3'`` name the same int class); a class that is not in
  the data is an error.

A class of ``n`` examples with target ``t`` ends with ``t`` examples when ``t > n`` (``t - n``
generated), ``t`` when ``t < n`` and ``undersample`` is on (``n - t`` dropped), and ``n`` otherwise.

Which originals? Every original gets a 64-bit seeded hash of its content key
(:func:`~tfx_balance.core.hashing.example_keys`), and the class's originals are ranked by
``(hash, bytes)``. With ``k`` examples to generate for ``n``
originals, every original is the source of ``q = k // n`` synthetic copies and the ``k % n``
lowest-ranked ones of one more, so each original is the source of ``floor(k/n)`` or
``ceil(k/n)``. With undersampling, the ``t`` lowest-ranked originals are kept. Both selections are
"the ``m`` lowest ranks" and are computed exactly while streaming, as in
:mod:`tfx_balance.core.stratified_split`: a per-class histogram of the hash's top 16 bits tells
which buckets lie wholly below rank ``m``; only the one bucket straddling rank ``m`` (about
``n / 65536`` examples) is grouped and sorted.

Example:
    >>> resolve_targets({0: 10, 1: 4, 2: 1}, 'max')
    {0: 10, 1: 10, 2: 10}
    >>> resolve_targets({0: 10, 1: 4, 2: 1}, 'mean')
    {0: 5, 1: 5, 2: 5}
    >>> output_count(10, 5, undersample=False), output_count(10, 5, undersample=True)
    (10, 5)
    >>> plan_class(0, n=4, target=10, undersample=False, histogram={0: 4}).copies_per_source
    1
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Mapping

from tfx_balance.core.errors import ConfigError
from tfx_balance.core.labels import class_name, parse_class_name, sorted_classes

BUCKET_BITS = 16
BUCKET_SHIFT = 64 - BUCKET_BITS
TARGET_KINDS = ('max', 'mean')

# Modes of a class in a plan.
KEEP = 'keep'  # unchanged: every original kept, nothing generated
AUGMENT = 'augment'  # every original kept, copies generated
UNDERSAMPLE = 'undersample'  # the `select` lowest-ranked originals kept, the rest dropped


def validate_target(target):
    """Checks a ``target`` argument; returns it normalised ('max', 'mean', int or dict).

    Raises ``ConfigError`` for unknown strings, negative or non-integer counts, and empty dicts.
    """

    def count(value, what):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(
                    f'{what} must be a non-negative integer count, got {value!r}. '
                    "Use target='max', 'mean', an int, or a dict {class: count}."
                )
        if value < 0:
            raise ConfigError(
                f'{what} is {value}; class counts cannot be negative. Use a count >= 0 '
                '(with undersample=True, 0 removes the class).'
            )
        return int(value)

    if isinstance(target, str):
        if target not in TARGET_KINDS:
            raise ConfigError(
                f"target {target!r} is not supported; use 'max', 'mean', an int count, or a "
                'dict {class: count}.'
            )
        return target
    if isinstance(target, Mapping):
        if not target:
            raise ConfigError('target is an empty dict; name at least one class: {class: count}.')
        return {k: count(v, f'target for class {k!r}') for k, v in target.items()}
    if isinstance(target, (list, tuple)):  # JSON form of a dict: [[class, count], ...]
        return validate_target({k: v for k, v in target})
    return count(target, 'target')


def resolve_targets(counts: Mapping, target) -> Dict:
    """Returns the requested ``{class: target count}`` for the input ``{class: count}``.

    Raises ``DataError`` if a dict target names a class that is not in ``counts``.
    """
    target = validate_target(target)
    classes = sorted_classes(counts)
    if not classes:
        return {}
    if target == 'max':
        wanted = dict.fromkeys(classes, max(counts.values()))
    elif target == 'mean':
        total, k = sum(counts.values()), len(classes)
        wanted = dict.fromkeys(classes, (2 * total + k) // (2 * k))
    elif isinstance(target, dict):
        wanted = {c: counts[c] for c in classes}
        for name, value in target.items():
            wanted[parse_class_name(name, classes)] = value
    else:
        wanted = dict.fromkeys(classes, target)
    return wanted


def output_count(n: int, target: int, undersample: bool) -> int:
    """Examples a class of ``n`` has in the output for the given target."""
    if target >= n:
        return target
    return target if undersample else n


@dataclasses.dataclass(frozen=True)
class ClassPlan:
    """What happens to one class.

    Attributes:
      label: the class value (int or bytes).
      n: originals in the input.
      target: the requested count.
      output: examples in the output (originals kept + generated).
      mode: KEEP, AUGMENT or UNDERSAMPLE.
      copies_per_source: ``floor(generated / n)`` (AUGMENT), else 0.
      select: number of lowest-ranked originals selected: with AUGMENT those are the sources of
        one extra copy; with UNDERSAMPLE those are kept.
      select_below: every bucket below this one is wholly selected.
      boundary_bucket: the bucket straddling rank ``select`` (or None) ...
      boundary_start: ... and the rank of its first example.
    """

    label: object
    n: int
    target: int
    output: int
    mode: str
    copies_per_source: int = 0
    select: int = 0
    select_below: int = 0
    boundary_bucket: int | None = None
    boundary_start: int = 0

    @property
    def generated(self) -> int:
        return max(0, self.output - self.n)

    @property
    def dropped(self) -> int:
        return max(0, self.n - self.output)

    def selected_bucket(self, bucket: int) -> bool:
        """Whether a non-boundary bucket is wholly selected."""
        return bucket < self.select_below

    def row(self) -> dict:
        return {
            'input': self.n,
            'target': self.target,
            'generated': self.generated,
            'dropped': self.dropped,
            'output': self.output,
        }


PLAN_COLUMNS = ['input', 'target', 'generated', 'dropped', 'output']


def plan_class(
    label, n: int, target: int, undersample: bool, histogram: Mapping[int, int]
) -> ClassPlan:
    """Builds the :class:`ClassPlan` of a class from its bucket histogram (bucket -> count)."""
    output = output_count(n, target, undersample)
    if output == n:
        return ClassPlan(label, n, target, output, KEEP)
    if output > n:
        generated = output - n
        mode, per_source, select = AUGMENT, generated // n, generated % n
    else:
        mode, per_source, select = UNDERSAMPLE, 0, output
    select_below, boundary, boundary_start = 1 << BUCKET_BITS, None, 0
    lo = 0
    for bucket in sorted(histogram):
        hi = lo + histogram[bucket]
        if hi > select:  # first bucket not wholly selected
            select_below = bucket
            if lo < select:
                boundary, boundary_start = bucket, lo
            break
        lo = hi
    return ClassPlan(
        label, n, target, output, mode, per_source, select, select_below, boundary, boundary_start
    )


def plan_rows(plans: Mapping) -> dict:
    """``{class_name: {column: count}}`` of a ``{class: ClassPlan}`` mapping, classes sorted."""
    return {class_name(c): plans[c].row() for c in sorted_classes(plans)}
