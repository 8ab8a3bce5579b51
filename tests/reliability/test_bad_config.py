"""Issue 9 bad-input matrix, configuration cases: split weights and names at run time, an
``augment_fn`` returning the wrong thing or a module that does not load, an image feature that
does not decode, BalancedInputGen's output read without its plan, and statistics without the
label. The matrix, with where each case is tested, is in test_bad_input.py.
"""

import json
import os

import pytest

from tests.reliability.runners import AUGMENTER, GOOD, INPUT_GEN, SPLITTER, run_on_records
from tests.support.errors import assert_fails_cleanly
from tests.support.examples import example
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError

# --- Split weights and names (checked before any data is read). ---------------------------------

SPLITTER_SPLITS = {
    'weight-zero': (
        [['train', 0], ['eval', 1]],
        "weight of split 'train' is 0",
        'Remove the split',
    ),
    'weight-negative': (
        [['train', 8], ['eval', -1]],
        "weight of split 'eval' is -1",
        'weights must be positive and finite',
    ),
    'weights-empty': ([], 'splits must be a non-empty mapping', r'e\.g\. splits='),
    'name-invalid': ([['tr/ain', 1]], "invalid split name 'tr/ain'", "e.g. 'train'"),
    'name-empty': ([['', 1]], "invalid split name ''", 'starting with a letter or digit'),
    'name-duplicated': (
        [['train', 8], ['train', 1]],
        'split names must be unique; duplicated: train',
        'Give each split a distinct name',
    ),
}


@pytest.mark.parametrize('case', list(SPLITTER_SPLITS))
def test_splitter_bad_split_weights_and_names_at_run_time(tmp_path, case):
    value, problem, fix = SPLITTER_SPLITS[case]
    assert_fails_cleanly(
        tmp_path,
        ConfigError,
        problem,
        fix,
        lambda: run_on_records(
            SPLITTER, tmp_path, {'train': GOOD}, **{keys.SPLITS_KEY: json.dumps(value)}
        ),
    )


SPLIT_LISTS = {
    'empty': ([], 'splits is empty', r"name at least one split, e\.g\. \['train'\]"),
    'duplicated': (['train', 'train'], 'splits lists a split twice', r"\['train', 'train'\]"),
    'invalid': (['tr/ain'], r"splits names split\(s\) 'tr/ain'", 'available splits: train, eval'),
}


@pytest.mark.parametrize('component', [AUGMENTER, INPUT_GEN])
@pytest.mark.parametrize('case', list(SPLIT_LISTS))
def test_bad_splits_lists_are_named(tmp_path, component, case):
    value, problem, fix = SPLIT_LISTS[case]
    assert_fails_cleanly(
        tmp_path,
        ConfigError,
        problem,
        fix,
        lambda: run_on_records(
            component,
            tmp_path,
            {'train': GOOD, 'eval': GOOD[:2]},
            **{keys.SPLITS_KEY: json.dumps(value)},
        ),
    )


# --- augment_fn returning the wrong thing, or a module that does not load. ----------------------

AUGMENT_FNS = {
    'returns-none': (
        'def augment_fn(features, rng):\n    return None\n',
        'augment_fn returned NoneType on source example [0-9a-f]{16} of class',
        'it must return a dict',
    ),
    'drops-a-feature': (
        'def augment_fn(features, rng):\n    features.pop("x")\n    return features\n',
        r"augment_fn returned the wrong features on .*: missing \['x'\], unexpected \[\]",
        'Return exactly the features it was given',
    ),
    'adds-a-feature': (
        'def augment_fn(features, rng):\n    features["y"] = features["x"]\n    return features\n',
        r"missing \[\], unexpected \['y'\]",
        'Return exactly the features it was given',
    ),
    'wrong-type': (
        'def augment_fn(features, rng):\n    features["x"] = ["text"]\n    return features\n',
        "augment_fn returned feature 'x' as a <U4 array on",
        'return a float array',
    ),
    'changes-the-label': (
        'def augment_fn(features, rng):\n    features["label"] = [b"a"]\n    return features\n',
        "augment_fn changed label_feature 'label' on source example",
        'Leave the label unchanged',
    ),
    'does-not-import': (
        'import no_such_module_tfx_balance\n',
        "module_file '.*' could not be loaded",
        'Fix the module so it imports',
    ),
}


@pytest.mark.parametrize('case', list(AUGMENT_FNS))
def test_augment_fn_returning_the_wrong_thing_is_named(tmp_path, case):
    source, problem, fix = AUGMENT_FNS[case]
    module = tmp_path / f'augment_{case.replace("-", "_")}.py'
    module.write_text(source)
    error = ConfigError if case == 'does-not-import' else DataError
    assert_fails_cleanly(
        tmp_path,
        error,
        problem,
        fix,
        lambda: run_on_records(
            AUGMENTER, tmp_path, {'train': GOOD}, **{keys.MODULE_FILE_KEY: str(module)}
        ),
    )


def test_missing_module_file_is_named(tmp_path):
    missing = str(tmp_path / 'nowhere.py')
    assert_fails_cleanly(
        tmp_path,
        ConfigError,
        f"module_file '{missing}' could not be loaded",
        'Fix the module so it imports',
        lambda: run_on_records(
            AUGMENTER, tmp_path, {'train': GOOD}, **{keys.MODULE_FILE_KEY: missing}
        ),
    )


# --- Image feature not decodable. ----------------------------------------------------------------


def _png(value: int) -> bytes:
    import numpy as np
    import tensorflow as tf

    return tf.io.encode_png(np.full((8, 8, 1), value, np.uint8)).numpy()


IMAGE_CASES = {
    'not-an-image': (
        b'GIF89a....',
        r"image_feature 'image' on source example [0-9a-f]{16} of class 'b' .* is not a PNG",
        'Encode images as PNG or JPEG',
    ),
    'corrupt-png': (
        b'\x89PNG\r\n\x1a\n' + b'garbage' * 8,
        "image_feature 'image' on source example [0-9a-f]{16} of class 'b' .*could not be decoded",
        'Fix or remove the corrupt image',
    ),
    'missing': (
        None,
        r"image_feature 'image' is missing on source example [0-9a-f]{16} of class 'b'",
        'Set image_feature to the encoded image feature',
    ),
}


@pytest.mark.parametrize('case', list(IMAGE_CASES))
def test_undecodable_image_is_named(tmp_path, case):
    bad, problem, fix = IMAGE_CASES[case]
    records = [example(label='a', image=_png(i), x=float(i)) for i in range(4)]
    records.append(example(label='b', x=9.0) if bad is None else example(label='b', image=bad))
    assert_fails_cleanly(
        tmp_path,
        DataError,
        problem,
        fix,
        lambda: run_on_records(
            AUGMENTER, tmp_path, {'train': records}, **{keys.AUGMENTATION_KEY: 'image'}
        ),
    )


# --- BalancedInputGen output read without its plan. ----------------------------------------------


def test_input_gen_output_without_its_plan_names_balanced_input_gen(tmp_path):
    from tfx_balance import balanced_dataset, steps_per_epoch

    out = run_on_records(INPUT_GEN, tmp_path, {'train': GOOD})
    os.remove(os.path.join(out.uri, keys.BALANCE_PLAN_FILE))
    files = [os.path.join(out.uri, 'Split-train', '*')]
    fragment = f'no balance plan found for files in {out.uri}/Split-train: expected {out.uri}/'
    with pytest.raises(DataError, match='Add BalancedInputGen') as info:
        balanced_dataset(files, 'label', batch_size=4)
    assert str(info.value).startswith(fragment + keys.BALANCE_PLAN_FILE)
    with pytest.raises(DataError, match='no balance plan found.*Add BalancedInputGen'):
        steps_per_epoch(files, 4)


# --- ClassDistributionValidator given statistics without the label. ------------------------------


@pytest.mark.parametrize('fail_on_violation', [1, 0])
def test_validator_statistics_without_the_label_are_named(tmp_path, fail_on_violation):
    import pandas as pd
    import tensorflow_data_validation as tfdv
    from tfx.types import artifact_utils, standard_artifacts

    from tfx_balance.class_distribution_validator.executor import Executor

    stats = standard_artifacts.ExampleStatistics()
    stats.uri = str(tmp_path / 'stats')
    stats.split_names = artifact_utils.encode_split_names(['train', 'eval'])
    for split in ('train', 'eval'):
        df = pd.DataFrame({'fare': [1.0, 2.0], 'company': ['x', 'y']})
        if split == 'train':
            df['label'] = ['a', 'b']
        proto = tfdv.generate_statistics_from_dataframe(df)
        path = os.path.join(stats.uri, f'Split-{split}', 'FeatureStats.pb')
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as f:  # as StatisticsGen writes it
            f.write(proto.SerializeToString())
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / 'out')
    os.makedirs(anomalies.uri)
    props = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.MAX_SPLIT_DISTANCE_KEY: 0.5,
        keys.TARGETS_KEY: None,
        keys.TARGET_TOLERANCE_KEY: 0.5,
        keys.FAIL_ON_VIOLATION_KEY: fail_on_violation,
    }
    assert_fails_cleanly(
        tmp_path,
        DataError,
        "label_feature 'label' not found in the statistics of split 'eval'; features present: "
        'company, fare',
        'Set label_feature to the feature holding the class label',
        lambda: Executor().Do(
            {keys.STATISTICS_KEY: [stats]}, {keys.ANOMALIES_KEY: [anomalies]}, props
        ),
    )
