"""docs/template_path.md on TFX's own taxi template: ``tfx template copy --model=taxi`` from the
installed TFX, the page's changes applied as written (tests/support/template_path.py), then the
template's ``local_runner.py`` under LocalDagRunner with a few training steps. And the mistake the
page guards against: the label recomputed in Transform from features the augmenter perturbs
stops the run at BalancedInputGen, naming how many examples changed class."""

import csv
import glob
import json
import os
import re
import subprocess
import sys

import pytest

from tests.support.browser import render
from tests.support.rule import assert_exact_both_ways
from tests.support.template_path import apply_page, copy_template, page_changes

pytestmark = pytest.mark.e2e

PIPELINE = 'balanced-taxi'
TRAIN_STEPS = 100  # the page's TRAIN_NUM_STEPS is 1000: a few minutes in all
EVAL_STEPS = 10
SPLITS = {'train': 8, 'eval': 1, 'test': 1}
BATCH = 40  # the template's TRAIN_BATCH_SIZE


def prepare(folder, replace=None) -> str:
    """The template copied into ``folder`` with the page's changes (``replace``: a variant's
    blocks), its label column added as the page says, and few training steps."""
    copy_template(folder, PIPELINE)
    apply_page(folder, replace=replace)
    subprocess.run([sys.executable, 'add_big_tipper.py'], cwd=folder, check=True)
    configs = os.path.join(folder, 'pipeline', 'configs.py')
    with open(configs) as f:
        text = f.read()
    text = re.sub(r'^TRAIN_NUM_STEPS = \d+', f'TRAIN_NUM_STEPS = {TRAIN_STEPS}', text, flags=re.M)
    text = re.sub(r'^EVAL_NUM_STEPS = \d+', f'EVAL_NUM_STEPS = {EVAL_STEPS}', text, flags=re.M)
    with open(configs, 'w') as f:
        f.write(text)
    return str(folder)


def run_local(folder) -> subprocess.CompletedProcess:
    """``python local_runner.py`` in the template's folder, as its README says."""
    env = {**os.environ, 'TF_USE_LEGACY_KERAS': '1', 'PYTHONPATH': ''}
    return subprocess.run(
        [sys.executable, 'local_runner.py'],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def output_dir(folder, component, output) -> str:
    (found,) = glob.glob(
        os.path.join(folder, 'tfx_pipeline_output', PIPELINE, component, output, '*')
    )
    return found


def read_json(path):
    with open(path) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def template_run(tmp_path_factory):
    folder = prepare(tmp_path_factory.mktemp('template') / 'taxi')
    proc = run_local(folder)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return folder, proc


def test_the_page_changes_four_files_of_the_template(template_run):
    assert [path for path, _ in page_changes()] == [
        'add_big_tipper.py',
        'models/preprocessing.py',
        'pipeline/pipeline.py',
        'models/keras_model/model.py',
    ]


def test_the_splits_are_the_rule_on_the_raw_label(template_run):
    folder, _ = template_run
    with open(os.path.join(folder, 'data', 'data.csv')) as f:
        labels = [row['big_tipper'] for row in csv.DictReader(f)]
    assert (labels.count('0'), labels.count('1')) == (11620, 3382)
    counts = read_json(
        os.path.join(output_dir(folder, 'StratifiedSplitter', 'examples'), 'split_counts.json')
    )
    assert counts == {
        '0': {'train': 9296, 'eval': 1162, 'test': 1162},
        '1': {'train': 2706, 'eval': 338, 'test': 338},
    }
    assert_exact_both_ways(counts, SPLITS)


def test_the_augmenter_balanced_train_and_kept_the_labels_sources(template_run):
    folder, _ = template_run
    plan = read_json(
        os.path.join(output_dir(folder, 'BalancedAugmenter', 'examples'), 'rebalance_plan.json')
    )
    assert plan['keep_features'] == ['tips', 'fare']
    train = plan['splits']['train']
    assert [(train[c]['input'], train[c]['generated'], train[c]['output']) for c in '01'] == [
        (9296, 0, 9296),
        (2706, 6590, 9296),
    ]


def test_the_validator_passes(template_run):
    folder, _ = template_run
    report = read_json(
        os.path.join(
            output_dir(folder, 'ClassDistributionValidator', 'anomalies'), 'class_distribution.json'
        )
    )
    assert report['passed'] is True
    assert report['findings'] == []


def test_every_batch_of_run_fn_holds_half_of_each_class(template_run):
    # The page's own input function (models/keras_model/model.py), on the files the Trainer read.
    folder, _ = template_run
    import tensorflow as tf
    import tensorflow_transform as tft

    plan = read_json(
        os.path.join(output_dir(folder, 'BalancedInputGen', 'examples'), 'balance_plan.json')
    )
    train = plan['splits']['train']
    assert train['label_feature'] == 'tips_xf'
    assert [(c['class'], c['count']) for c in train['classes']] == [('0', 9296), ('1', 9296)]
    saved = dict(sys.modules)
    sys.path.insert(0, folder)
    try:
        from models.keras_model import model  # the template's, as the page changed it

        files = os.path.join(output_dir(folder, 'BalancedInputGen', 'examples'), 'Split-train', '*')
        transform = tft.TFTransformOutput(output_dir(folder, 'Transform', 'transform_graph'))
        batches = model._balanced_input_fn(tf.io.gfile.glob(files), transform, BATCH)
        fed = [
            [
                int(n)
                for n in tf.math.bincount(tf.cast(tf.reshape(label, [-1]), tf.int32), minlength=2)
            ]
            for _, label in batches.take(TRAIN_STEPS)
        ]
    finally:
        sys.path.remove(folder)
        for name in set(sys.modules) - set(saved):
            if name in ('models', 'pipeline') or name.startswith(('models.', 'pipeline.')):
                del sys.modules[name]
    assert fed == [[BATCH // 2, BATCH // 2]] * TRAIN_STEPS


def test_the_gate_blesses_the_model_on_each_class_recall_and_the_pusher_ships_it(template_run):
    folder, _ = template_run
    from tfx_balance.metrics.verdict import gate_verdict

    verdict = gate_verdict(
        output_dir(folder, 'Evaluator', 'evaluation'), output_dir(folder, 'Evaluator', 'blessing')
    )
    assert verdict['blessed'] and verdict['validation_ok']
    assert [(c['metric'], c['rule'], c['passed']) for c in verdict['checks']] == [
        ('min_class_recall', '>= 0.3', True)
    ]
    assert 0.3 <= verdict['checks'][0]['value'] <= 1
    pushed = os.path.join(folder, 'tfx_pipeline_output', PIPELINE, 'serving_model')
    assert len(os.listdir(pushed)) == 1


def test_the_log_names_a_page_per_picture_and_the_run_page_draws_them_with_the_gate(
    template_run, tmp_path
):
    folder, proc = template_run
    logged = re.findall(r'; open in a browser: (\S+)', proc.stderr)
    assert [
        os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(p)))) for p in logged
    ] == [
        'StratifiedSplitter',
        'BalancedAugmenter',
        'ClassDistributionValidator',
        'BalancedInputGen',
    ]
    root = os.path.join(folder, 'tfx_pipeline_output', PIPELINE)
    page = subprocess.run(
        [sys.executable, '-m', 'tfx_balance.orchestration.run_pictures', root],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert page == os.path.join(os.path.abspath(root), 'pictures.html')
    dom = render(page, str(tmp_path / 'pictures.png'))
    for kind in (
        'split_counts',
        'rebalance_plan',
        'class_distribution',
        'balance_plan',
        'model_gate',
    ):
        assert f'data-picture="{kind}"' in dom, kind
    assert 'BLESSED: it passed every threshold (1)' in dom


@pytest.fixture(scope='module')
def relabelled_run(tmp_path_factory):
    """The mistake: the template's own preprocessing_fn (label recomputed from tips and fare) and
    no keep_features, with 'numeric' augmentation."""
    pipeline = dict(page_changes())['pipeline/pipeline.py']
    line = "      keep_features=['tips', 'fare'],\n"
    assert pipeline.count(line) == 1
    variant = {'models/preprocessing.py': '', 'pipeline/pipeline.py': pipeline.replace(line, '')}
    folder = prepare(tmp_path_factory.mktemp('relabelled') / 'taxi', replace=variant)
    return folder, run_local(folder)


def test_a_label_recomputed_from_augmented_features_stops_the_run(relabelled_run):
    folder, proc = relabelled_run
    assert proc.returncode != 0
    message = (
        "DataError: BalancedInputGen laid out split 'train' by 'tips_xf' as {0: 9853, 1: 8739}, "
        'but the BalancedAugmenter output it was derived from (augmented_examples) wrote '
        "{0: 9296, 1: 9296} by 'big_tipper': at least 557 example(s) changed class between them. "
        "Likely cause: 'tips_xf' is computed (in Transform) from features that "
        "augmentation='numeric' changed"
    )
    assert message in proc.stderr
    assert 'keep_features, which it never perturbs (docs/template_path.md)' in proc.stderr
    root = os.path.join(folder, 'tfx_pipeline_output', PIPELINE)
    assert not glob.glob(os.path.join(root, 'Trainer'))  # nothing trained on it
