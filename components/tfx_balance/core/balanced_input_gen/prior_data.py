"""The data side of the prior correction: each split's class counts in the data (data_counts)
and the score position of each class (score_position, with check_score_order for class_names and
num_classes). The plan's recorded counts before BalancedAugmenter are the data's; without them the
laid-out counts are, unless the laid-out examples went through the augmenter, which is refused.

Example::

    counts = data_counts(split_dir, plan)  # e.g. (('Cash', 80), ('Dispute', 5))
    score_position('Cash', ['Cash', 'Dispute'], 2, 'data')  # 0

Rules: docs/balanced_input_gen.md ("probabilities and balanced_probabilities").
"""

from __future__ import annotations

import os
from typing import Sequence, Tuple

from tfx_balance import keys
from tfx_balance.core.balanced_input_gen.plan import COMPONENT, PLAN_FILE, LayoutPlan
from tfx_balance.core.errors import ConfigError, DataError


def score_position(name: str, class_names: Sequence[str] | None, size: int, what: str) -> int:
    """The score position of class ``name``: its index in ``class_names``, else its int id."""
    if class_names is not None and name in class_names:
        return list(class_names).index(name)
    try:
        position = int(name)
    except ValueError:
        position = -1
    if not 0 <= position < size:
        known = ', '.join(class_names) if class_names else 'none given'
        raise DataError(
            f"{what} class '{name}' has no score position: it is neither in class_names ({known}) "
            f'nor an int class id below {size} (the number of scores). Pass class_names=[...] (the '
            'class '
            "names in the order of the model's scores, as the Transform maps them)."
        )
    return position


def _first_marked_file(split_dir: str, plan: LayoutPlan) -> str | None:
    """A laid-out file whose first example carries BalancedAugmenter's provenance feature, or
    None. The augmenter marks every example of a split it rebalances (originals 0, synthetic 1),
    so the first example of each group's first file tells; one small read per group."""
    import tensorflow as tf

    paths = [os.path.join(split_dir, files[0]) for files in plan.files if files]
    firsts = tf.data.Dataset.from_tensor_slices(paths).interleave(
        lambda path: (
            tf.data.TFRecordDataset(path, compression_type='GZIP')
            .take(1)
            .map(lambda record: (path, record))
        ),
        cycle_length=1,
    )
    for path, record in firsts:
        feature = tf.train.Example.FromString(record.numpy()).features.feature
        if keys.DEFAULT_PROVENANCE_FEATURE in feature:
            return path.numpy().decode()
    return None


def data_counts(split_dir: str, plan: LayoutPlan) -> Tuple[Tuple[str, int], ...]:
    """``((class, count), ...)`` of the split's data: the plan's ``data_counts`` (the counts
    before BalancedAugmenter), else the laid-out counts when the examples were not augmented.

    Raises:
      DataError: the laid-out examples went through BalancedAugmenter (they carry its
        provenance feature) and the plan records no ``data_counts``, so its counts are the
        augmenter's output (synthetic examples, undersampling), not the data's. Counting the
        non-synthetic examples is not exact either (the augmenter may undersample), so the fix
        is to record the counts.
    """
    if plan.data_counts:
        return plan.data_counts
    marked = _first_marked_file(split_dir, plan)
    if marked is not None:
        plan_path = os.path.join(os.path.dirname(split_dir), PLAN_FILE)
        raise DataError(
            f"split '{plan.split}' ({split_dir}) went through BalancedAugmenter: {marked} carries "
            f"its '{keys.DEFAULT_PROVENANCE_FEATURE}' feature, but {plan_path} records no "
            f'{keys.DATA_COUNTS} (the class counts before augmentation), so its counts are the '
            "augmenter's output, not the data's, and the correction would be wrong. Pass "
            f"{COMPONENT}(..., augmented_examples=augmenter.outputs['examples']) and run it "
            'again (a plan written by an earlier version must be written again too).'
        )
    return tuple(zip(plan.classes, plan.counts))


def check_score_order(class_names, num_classes) -> None:
    """``class_names``: distinct names (a list, not one string); ``num_classes``: an int >= 1,
    at least ``len(class_names)``. A repeated name would give two classes one score."""
    if class_names is not None:
        names = list(class_names) if not isinstance(class_names, (str, bytes)) else None
        repeated = sorted({n for n in names if names.count(n) > 1}) if names else []
        if not names or repeated:
            raise ConfigError(
                f'class_names must be a non-empty list of distinct class names in the order of '
                f"the model's scores, got {class_names!r}"
                + (f' (repeated: {", ".join(map(str, repeated))}).' if repeated else '.')
            )
    if num_classes is not None:
        least = len(class_names) if class_names is not None else 1
        ok = isinstance(num_classes, int) and not isinstance(num_classes, bool)
        if not ok or num_classes < least:
            raise ConfigError(
                f'num_classes must be an int >= {least} (the number of scores), got '
                f'{num_classes!r}.'
            )
