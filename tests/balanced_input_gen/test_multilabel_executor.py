"""BalancedInputGen with multi_label: executor on real artifacts, and the component's arguments."""

import json
import os
import re

import pytest

from tests.balanced_input_gen.test_executor import run_executor
from tests.support.errors import documented_errors
from tests.support.examples import example
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError

# 'b' on 2 examples (always with 'a'), 'a' on 8, 2 without a label.
TRAIN = [example(tags=['a', 'b'], x=0.0), example(tags=['b', 'a'], x=1.0)]
TRAIN += [example(tags=['a'], x=float(i)) for i in range(2, 8)]
TRAIN += [example(tags=[], x=8.0), example(x=9.0)]


def test_multi_label_split_is_laid_out_per_rarest_label_with_the_plan(tmp_path):
    from tests.support.artifacts import read_split
    from tfx_balance.balanced_input_gen.executor import plan_table

    _, output = run_executor(
        tmp_path,
        {'train': TRAIN, 'eval': TRAIN[:2]},
        label_feature='tags',
        multi_label='ids',
        policy='repeat_factor',
        repeat_threshold=0.5,
    )
    assert sorted(os.listdir(os.path.join(output.uri, 'Split-train'))) == [
        'class-00000-a-00000-of-00002.gz',
        'class-00000-a-00001-of-00002.gz',
        'class-00001-b-00000-of-00001.gz',
        'class-00002-none-00000-of-00001.gz',
    ]
    assert len(read_split(output.uri, 'train')) == 10
    with open(os.path.join(output.uri, keys.BALANCE_PLAN_FILE)) as f:
        doc = json.load(f)
    ml = doc['splits']['train']['multi_label']
    assert (ml['form'], ml['policy'], ml['repeat_threshold']) == ('ids', 'repeat_factor', 0.5)
    # r = max(1, sqrt(t / f)): 'a' on 8/10 -> 1; 'b' on 2/10 -> sqrt(2.5); no label -> 1.
    groups = [(g['group'], g['count'], g['draws_per_epoch']) for g in ml['groups']]
    assert groups == [('a', 6, 6), ('b', 2, round(2 * 2.5**0.5)), ('', 2, 2)]
    assert [(r['label'], r['count']) for r in ml['labels']] == [('a', 8), ('b', 2)]
    assert [r['expected_frequency'] for r in ml['labels']] == [9 / 11, 3 / 11]
    table = plan_table(doc)  # what the executor logs
    assert 'stream freq' in table and '(no label)' in table and "policy 'repeat_factor'" in table


def test_component_takes_the_multi_label_arguments():
    from tfx.types import channel_utils, standard_artifacts

    from tfx_balance import BalancedInputGen

    examples = channel_utils.as_channel([standard_artifacts.Examples()])
    component = BalancedInputGen(examples=examples, label_feature='tags', multi_label='multi_hot')
    props = component.exec_properties
    assert (props[keys.MULTI_LABEL_KEY], props['policy']) == (
        'multi_hot',
        'floored_label_balanced',
    )
    assert props['repeat_threshold'] == 0.1
    single = BalancedInputGen(examples=examples, label_feature='label').exec_properties
    assert all(single.get(k) is None for k in (keys.MULTI_LABEL_KEY, 'policy'))
    with pytest.raises(ValueError, match=r'repeat_threshold must be a number in \(0, 1\]'):
        BalancedInputGen(
            examples=examples, label_feature='tags', multi_label='ids', repeat_threshold=0.0
        )
    with pytest.raises(ValueError, match='apply only with multi_label'):
        BalancedInputGen(examples=examples, label_feature='label', policy='repeat_factor')
    # Issue 53, case 2: the augmenter's class counts were recorded for a label-set plan, whose
    # prior correction then used the laid-out label counts (synthetic examples included).
    with pytest.raises(ConfigError) as info:
        BalancedInputGen(
            examples=examples, label_feature='tags', multi_label='ids', augmented_examples=examples
        )
    message = str(info.value)
    assert message.startswith(
        "augmented_examples applies to a per-class layout only, not with multi_label='ids'"
    )
    assert "not of the label sets of 'tags'" in message
    assert any(re.search(p, message) for p in documented_errors())
