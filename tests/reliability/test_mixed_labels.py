"""Issue 14 item 1: a label that is int64 in some examples and bytes in others is one DataError.

Real LocalDagRunner runs on data written here. Before, StratifiedSplitter and BalancedAugmenter
took ``1`` and ``b'1'`` for two classes and keyed their reports by the string form, so one row
overwrote the other. Now the run fails with the error every component gives, naming the feature,
both types and an example of each, and publishes nothing.
"""

import glob
import os
import re

import pytest

from tests.support.errors import documented_errors
from tests.support.examples import example, write_records
from tests.support.local_dag import LocalRun, run_local
from tfx_balance.core.common.errors import DataError
from tfx_balance.core.common.hashing import example_key, fingerprint

pytestmark = pytest.mark.e2e

INTS = [example(label=i % 2, x=float(i)) for i in range(30)]
TEXTS = [example(label=str(i % 2), x=float(i)) for i in range(20)]
MIXED = re.compile(
    r"label_feature 'label'( in split '(\w+)')? mixes int64 and bytes labels: example "
    r"([0-9a-f]{16})( in split '(\w+)')? has int64 label (\d) and example ([0-9a-f]{16})"
    r"( in split '(\w+)')? bytes label '(\d)'\. A label must have one type in every example"
)


def _fingerprints(records):
    return {fingerprint(example_key(r)) for r in records}


def _run(tmp_path, name, files, make_component):
    """Runs ImportExampleGen (one input split per ``files`` entry) -> the component; returns
    (the raised error, pipeline root, metadata path)."""
    from tfx import v1 as tfx

    data = tmp_path / 'data'
    for split, records in files.items():
        write_records(str(data / split / 'part-0.gz'), records)
    example_gen = tfx.components.ImportExampleGen(
        input_base=str(data),
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name=s, pattern=f'{s}/*') for s in files]
        ),
    )
    component = make_component(example_gen.outputs['examples'])
    run = run_local(name, str(tmp_path), [example_gen, component], raises=DataError)
    assert run.error is not None, f'{name} ran to the end; expected a DataError'
    message = str(run.error)
    assert any(re.search(p, message) for p in documented_errors()), f'undocumented: {message}'
    return run.error, run.pipeline_root, run.metadata_path


def _assert_nothing_published(root, db, component_id):
    artifacts = LocalRun(os.path.dirname(db)).mlmd_artifacts()
    uris = [uri for uri, a in artifacts.items() if a.state == a.LIVE]
    assert uris and not [u for u in uris if f'/{component_id}/' in u], uris
    written = glob.glob(os.path.join(root, component_id, '*', '*', '*'))
    assert written == [], written


def test_splitter_rejects_int64_and_bytes_labels_in_two_input_splits(tmp_path):
    # Each input split (and so each batch read) has one label type: only the merged histogram
    # of both splits, at planning, sees the mix.
    from tfx_balance import StratifiedSplitter

    error, root, db = _run(
        tmp_path,
        'mixed-labels-splitter',
        {'train': INTS, 'eval': TEXTS},
        lambda examples: StratifiedSplitter(examples=examples, label_feature='label'),
    )
    match = MIXED.match(str(error))
    assert match, str(error)
    assert match.group(1) is None  # the splitter merges its input splits: each example is placed
    assert (match.group(5), match.group(9)) == ('train', 'eval')
    assert match.group(3) in _fingerprints(INTS) and match.group(7) in _fingerprints(TEXTS)
    assert (match.group(6), match.group(10)) == ('0', '0')  # the first class of each type
    _assert_nothing_published(root, db, 'StratifiedSplitter')


def test_augmenter_rejects_int64_and_bytes_labels_in_one_split(tmp_path):
    from tfx_balance import BalancedAugmenter

    error, root, db = _run(
        tmp_path,
        'mixed-labels-augmenter',
        {'train': INTS + TEXTS},
        lambda examples: BalancedAugmenter(
            examples=examples, label_feature='label', splits=['train']
        ),
    )
    match = MIXED.match(str(error))
    assert match, str(error)
    assert match.group(2) == 'train'
    assert match.group(3) in _fingerprints(INTS) and match.group(7) in _fingerprints(TEXTS)
    _assert_nothing_published(root, db, 'BalancedAugmenter')


@pytest.mark.parametrize('component', ['BalancedAugmenter', 'BalancedInputGen'])
def test_a_mix_spread_over_files_is_caught_across_batches(tmp_path, component):
    """Each file (and so each batch) of the split has one label type: only the per-class
    profile (augmenter) or count (input gen) of the whole split sees the mix."""
    from tests.reliability import runners
    from tests.support.examples import make_examples_artifact

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': [], 'eval': INTS})
    write_records(str(tmp_path / 'in' / 'Split-train' / 'part-0.gz'), INTS)
    write_records(str(tmp_path / 'in' / 'Split-train' / 'part-1.gz'), TEXTS)
    with pytest.raises(DataError) as info:
        runners.run(component, examples, str(tmp_path / 'out'))
    match = MIXED.match(str(info.value))
    assert match, str(info.value)
    assert match.group(2) == 'train'
    assert match.group(3) in _fingerprints(INTS) and match.group(7) in _fingerprints(TEXTS)
    assert not (tmp_path / 'out').exists() or os.listdir(tmp_path / 'out') == []


def test_splitter_rejects_classes_whose_report_names_meet(tmp_path):
    """b'\\xff' (not UTF-8) and the text '\\xff' are both named '\\\\xff': split_counts.json once
    merged them into one row, silently."""
    from tests.reliability import runners

    records = [example(label=b'\xff', x=float(i)) for i in range(6)]
    records += [example(label=b'\\xff', x=float(i)) for i in range(4)]
    with pytest.raises(DataError, match=r"classes b'\\\\xff' and b'\\xff' have the same name"):
        runners.run_on_records('StratifiedSplitter', tmp_path, {'train': records})
    assert not (tmp_path / 'out').exists() or os.listdir(tmp_path / 'out') == []
