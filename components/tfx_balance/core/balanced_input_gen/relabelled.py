"""No silent relabelling: the classes BalancedInputGen lays out are the ones its upstream
BalancedAugmenter wrote, by count.

A label computed in Transform from features the augmenter perturbs can move synthetic examples
to another class; ``check_classes_kept`` compares the two sets of per-class counts.

Example:
    >>> moved_examples({'0': 9296, '1': 9296}, {'0': 9853, '1': 8739})
    557
    >>> moved_examples({'a': 5, 'b': 3}, {'0': 3, '1': 5})  # renamed by Transform: no move
    0
"""

from __future__ import annotations

from typing import Mapping

from tfx_balance.core.common.errors import DataError

# The page that shows how to keep the label of a pipeline whose label is made in Transform.
RECIPE = 'docs/template_path.md'


def moved_examples(written: Mapping[str, int], laid_out: Mapping[str, int]) -> int:
    """The fewest examples that changed class between ``written`` and ``laid_out`` counts; classes
    are matched by name, else by size (a Transform may rename them)."""
    if set(written) == set(laid_out):
        pairs = [(written[c], laid_out[c]) for c in written]
    else:
        size = max(len(written), len(laid_out))
        before = sorted(written.values()) + [0] * (size - len(written))
        after = sorted(laid_out.values()) + [0] * (size - len(laid_out))
        pairs = list(zip(before, after))
    return sum(max(0, w - n) for w, n in pairs)


def check_classes_kept(
    split: str,
    written: Mapping[str, int],
    laid_out: Mapping[str, int],
    label_feature: str,
    augmenter: Mapping,
) -> None:
    """Raises a ``DataError`` if ``laid_out`` does not hold the classes the augmenter wrote
    (``written``; ``augmenter``: its ``rebalance_plan.json``).

    >>> check_classes_kept('train', {'0': 4, '1': 4}, {'0': 4, '1': 4}, 'label', {})
    """
    moved = moved_examples(written, laid_out)
    total_before, total_after = sum(written.values()), sum(laid_out.values())
    if not moved and total_before == total_after:
        return
    source_label = augmenter.get('label_feature', '?')
    augmentation = augmenter.get('augmentation', '?')
    keep = augmenter.get('keep_features') or []
    if total_before != total_after:
        what = (
            f'{total_after} examples where the augmenter wrote {total_before}: examples were '
            'added or dropped between them'
        )
    else:
        what = f'at least {moved} example(s) changed class between them'
    kept = f' (keep_features {keep})' if keep else ''
    raise DataError(
        f"BalancedInputGen laid out split '{split}' by '{label_feature}' as "
        f'{_counts(laid_out)}, but the BalancedAugmenter output it was derived from '
        f"(augmented_examples) wrote {_counts(written)} by '{source_label}': {what}. Likely "
        f"cause: '{label_feature}' is computed (in Transform) from features that "
        f'augmentation={augmentation!r}{kept} changed, so synthetic examples of one class now '
        f'read as another. To fix: compute the label before the augmenter and pass it through '
        f"Transform unchanged (e.g. outputs['{label_feature}'] = inputs['{source_label}']), "
        "and name the features the label is computed from in the augmenter's keep_features, "
        f'which it never perturbs ({RECIPE}).'
    )


def _counts(per_class: Mapping[str, int]) -> str:
    return '{' + ', '.join(f'{c}: {n}' for c, n in sorted(per_class.items())) + '}'
