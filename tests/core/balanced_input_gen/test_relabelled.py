import re

import pytest

from tests.support.errors import documented_errors
from tfx_balance.core.balanced_input_gen.relabelled import check_classes_kept, moved_examples
from tfx_balance.core.common.errors import DataError


def test_moved_examples_are_each_class_shortfall_summed():
    assert moved_examples({'0': 9296, '1': 9296}, {'0': 9853, '1': 8739}) == 557
    assert moved_examples({'a': 5, 'b': 5, 'c': 5}, {'a': 7, 'b': 5, 'c': 3}) == 2
    assert moved_examples({'a': 5, 'b': 5}, {'a': 5, 'b': 5}) == 0


def test_classes_renamed_by_transform_are_matched_by_size():
    assert moved_examples({'Cash': 8, 'Card': 2}, {'0': 8, '1': 2}) == 0
    assert moved_examples({'Cash': 8, 'Card': 2}, {'0': 7, '1': 3}) == 1


def test_a_relabelled_split_is_an_error_naming_the_count_the_cause_and_the_fix():
    augmenter = {'label_feature': 'big_tipper', 'augmentation': 'numeric'}
    with pytest.raises(DataError) as raised:
        check_classes_kept(
            'train', {'0': 9296, '1': 9296}, {'0': 9853, '1': 8739}, 'tips_xf', augmenter
        )
    message = str(raised.value)
    assert message.startswith(
        "BalancedInputGen laid out split 'train' by 'tips_xf' as {0: 9853, 1: 8739}, but the "
        'BalancedAugmenter output it was derived from (augmented_examples) wrote '
        "{0: 9296, 1: 9296} by 'big_tipper': at least 557 example(s) changed class between them."
    )
    assert "augmentation='numeric' changed" in message
    assert "outputs['tips_xf'] = inputs['big_tipper']" in message
    assert 'keep_features' in message and 'docs/template_path.md' in message
    assert any(re.search(p, message) for p in documented_errors())  # docs/troubleshooting.md


def test_examples_added_or_dropped_in_between_are_an_error_too():
    with pytest.raises(DataError, match='9 examples where the augmenter wrote 10'):
        check_classes_kept('train', {'a': 5, 'b': 5}, {'a': 5, 'b': 4}, 'label', {})


def test_the_same_classes_pass():
    check_classes_kept('train', {'a': 5, 'b': 5}, {'a': 5, 'b': 5}, 'label', {})
