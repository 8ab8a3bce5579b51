"""Shared data of the balanced_input tests: a 4-class split (40/16/4/2) and its layout."""

import json
import os

import apache_beam as beam
import tensorflow as tf
from apache_beam.testing.util import assert_that, equal_to
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.support.examples import example
from tfx_balance.core import balanced_input_gen as bi

COUNTS = {0: 40, 1: 16, 2: 4, 3: 2}  # K = 4, n = 62
SCHEMA = text_format.Parse(
    """
    feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }
    feature { name: "label" type: INT presence { min_fraction: 1 } shape { dim { size: 1 } } }
    """,
    schema_pb2.Schema(),
)


def make_records(counts=COUNTS):
    """Examples with a unique id ``x`` (class * 1000 + i) and an int label."""
    return [example(x=float(c * 1000 + i), label=c) for c, n in counts.items() for i in range(n)]


# Serialized once: protobuf may order map entries differently each time it serializes.
RECORDS = make_records()


def lay_out(root, records, split='train', label_feature='label', seed=0, per_shard=16):
    """Runs BalancedLayout and writes balance_plan.json the way the executor does."""
    split_dir = os.path.join(root, f'Split-{split}')
    plan_path = os.path.join(root, bi.PLAN_FILE)

    def write_plan(plans):
        with open(plan_path, 'w') as f:
            json.dump(bi.plans_to_json(plans), f)
        return [p.split for p in plans]

    with beam.Pipeline() as p:
        plan = (
            p
            | beam.Create(records, reshuffle=False)
            | bi.BalancedLayout(split_dir, split, label_feature, seed, per_shard)
        )
        written = plan | beam.combiners.ToList() | beam.Map(write_plan)
        assert_that(written, equal_to([[split]]))
    return split_dir


def batches(ds, n):
    return [(f['x'].numpy().ravel(), lab.numpy().ravel()) for f, lab in ds.take(n)]


def read_file(path):
    return [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type='GZIP')]
