"""Shared multi-label data of the balanced_input tests: 420 examples, 6 labels, and its layout."""

import json
import os

import apache_beam as beam
import numpy as np
from apache_beam.testing.util import assert_that, equal_to
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.support.examples import example
from tfx_balance.core import balanced_input_gen as bi

N, LABELS = 420, 6
SCHEMA = text_format.Parse(
    'feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }',
    schema_pb2.Schema(),
)


def label_sets(n=N, seed=0):
    """Label sets with Zipf-like frequencies (label j < 5 on ~0.6 / (j + 1) of the examples),
    label 5 only ever with label 3 or 4 but commoner than both (so it is never an example's
    rarest label: it has no group), and some examples with no label."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(n):
        labels = {j for j in range(5) if rng.random() < 0.6 / (j + 1)}
        if labels & {3, 4} and rng.random() < 0.9:
            labels.add(5)
        sets.append(tuple(sorted(labels)))
    return sets


SETS = label_sets()
# x: a unique id per example (its position), so a test knows each example's label set.
IDS_RECORDS = [example(x=float(i), tags=list(s)) for i, s in enumerate(SETS)]
HOT_RECORDS = [
    example(x=float(i), tags=[int(j in s) for j in range(LABELS)]) for i, s in enumerate(SETS)
]


def lay_out_multilabel(root, records, form='ids', policy='label_balanced', t=0.1, per_shard=64):
    """Runs BalancedLayout and writes balance_plan.json the way the executor does."""
    split_dir = os.path.join(root, 'Split-train')
    config = bi.LayoutConfig(
        'tags',
        seed=0,
        examples_per_shard=per_shard,
        multi_label=form,
        policy=policy,
        repeat_threshold=t,
    ).validate()

    def write_plan(plans):
        with open(os.path.join(root, bi.PLAN_FILE), 'w') as f:
            json.dump(bi.plans_to_json(plans), f)
        return [p.split for p in plans]

    with beam.Pipeline() as p:
        plan = (
            p
            | beam.Create(records, reshuffle=False)
            | bi.BalancedLayout(split_dir, 'train', config=config)
        )
        assert_that(plan | beam.combiners.ToList() | beam.Map(write_plan), equal_to([['train']]))
    return os.path.join(split_dir, '*')


def stream(ds, batches):
    """``(ids [b*B], multi-hot labels [b*B, L])`` of the first ``batches`` batches."""
    ids, labels = [], []
    for features, label in ds.take(batches):
        ids.append(features['x'].numpy().ravel().astype(int))
        labels.append(label.numpy())
    return np.concatenate(ids), np.concatenate(labels)
