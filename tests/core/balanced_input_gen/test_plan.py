"""LayoutPlan (core/balanced_input_gen/plan.py): counts, weights, bias, file names."""

import json
import math
import os

import pytest
import tensorflow as tf

from tests.core.balanced_input_gen.support import lay_out, read_file
from tests.support.examples import example
from tfx_balance.core import balanced_input_gen as bi
from tfx_balance.core.common.errors import DataError


def test_plan_has_counts_class_weights_and_output_bias(laid_out):
    ((_, plan),) = bi.load_plans([laid_out])
    n, k = 62, 4
    assert plan.classes == ('0', '1', '2', '3')
    assert plan.counts == (40, 16, 4, 2)
    assert plan.class_weights == tuple(n / (k * c) for c in (40, 16, 4, 2))
    assert plan.class_weights == (0.3875, 0.96875, 3.875, 7.75)
    assert plan.output_bias == tuple(math.log(c / n) for c in (40, 16, 4, 2))
    assert plan.class_weight_dict() == {0: 0.3875, 1: 0.96875, 2: 3.875, 3: 7.75}
    assert (plan.split, plan.label_feature, plan.label_type, plan.seed) == (
        'train',
        'label',
        'int64',
        0,
    )
    with open(os.path.join(os.path.dirname(os.path.dirname(laid_out)), bi.PLAN_FILE)) as f:
        doc = json.load(f)
    assert doc['written_by'] == 'BalancedInputGen'
    assert doc['splits']['train']['classes'][3] == {
        'index': 3,
        'class': '3',
        'count': 2,
        'class_weight': 7.75,
        'output_bias': math.log(2 / 62),
        'files': ['class-00003-3-00000-of-00001.gz'],
    }
    assert bi.LayoutPlan.from_json('train', plan.to_json()) == plan


def test_string_classes_get_file_safe_names(tmp_path):
    records = [example(label=name, x=1.0) for name in ['Credit Card', 'a/b', 'Cash', 'Cash']]
    split_dir = lay_out(str(tmp_path), records, per_shard=100)
    assert sorted(os.listdir(split_dir)) == [
        'class-00000-Cash-00000-of-00001.gz',
        'class-00001-Credit_Card-00000-of-00001.gz',
        'class-00002-a_b-00000-of-00001.gz',
    ]
    ((_, plan),) = bi.load_plans(os.path.join(split_dir, '*'))
    assert (plan.classes, plan.counts, plan.label_type) == (
        ('Cash', 'Credit Card', 'a/b'),
        (2, 1, 1),
        'bytes',
    )


def test_classes_whose_safe_names_meet_still_get_their_own_files(tmp_path):
    names = ['a b', 'a/b', 'a_b', 'a.b.']
    records = [
        example(label=name, x=float(i)) for i, name in enumerate(names) for _ in range(i + 1)
    ]
    split_dir = lay_out(str(tmp_path), records, per_shard=100)
    assert sorted(os.listdir(split_dir)) == [
        'class-00000-a_b-00000-of-00001.gz',  # 'a b'
        'class-00001-a.b-00000-of-00001.gz',  # 'a.b.'
        'class-00002-a_b-00000-of-00001.gz',  # 'a/b'
        'class-00003-a_b-00000-of-00001.gz',  # 'a_b'
    ]
    ((_, plan),) = bi.load_plans(os.path.join(split_dir, '*'))
    assert plan.classes == ('a b', 'a.b.', 'a/b', 'a_b') and plan.counts == (1, 4, 2, 3)
    for name, files in zip(plan.classes, plan.files):
        labels = {
            tf.train.Example.FromString(r).features.feature['label'].bytes_list.value[0]
            for f in files
            for r in read_file(os.path.join(split_dir, f))
        }
        assert labels == {name.encode()}


def test_labels_whose_plan_names_would_meet_are_rejected():
    # b'\xff' is not UTF-8 and is named with a backslash escape, like the 4-character text.
    with pytest.raises(
        DataError, match=r"classes b'\\\\xff' and b'\\xff' have the same name '\\\\xff'"
    ):
        bi.make_plan('train', 'label', 0, {b'\xff': 3, b'\\xff': 2})
    plan = bi.make_plan('train', 'label', 0, {b'\xff': 3, b'\xfe': 2})
    assert plan.classes == ('\\xfe', '\\xff') and plan.counts == (2, 3)
