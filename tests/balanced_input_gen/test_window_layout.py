"""BalancedInputGen with a history (a periodic pipeline's LookBack): it lays out the run's span
and names the training window's earlier layouts in balance_plan.json, read as their list."""

import json
import logging
import os
import shutil

import pytest

from tests.support.examples import example, make_examples_artifact, new_output
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError

# Two daily spans, ids apart (x = span * 1000 + class * 100 + i); 'Dispute' in span 1 only.
COUNTS = {
    1: {'Cash': 6, 'No Charge': 2, 'Dispute': 1},
    2: {'Cash': 5, 'No Charge': 3},
    3: {'Cash': 1},
}
UNION = {'Cash': 11, 'No Charge': 5, 'Dispute': 1}
SCHEMA_TEXT = (
    'feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }'
    'feature { name: "label" type: BYTES presence { min_fraction: 1 } shape { dim { size: 1 } } }'
)


def records(span: int, counts: dict) -> list:
    return [
        example(label=name, x=float(span * 1000 + c * 100 + i))
        for c, (name, n) in enumerate(counts.items())
        for i in range(n)
    ]


def ids(span: int, name: str) -> list:
    c = list(COUNTS[span]).index(name)
    return [span * 1000 + c * 100 + i for i in range(COUNTS[span][name])]


def span_examples(root, span: int | None, splits=None):
    splits = splits or {
        'train': records(span or 0, COUNTS[span or 1]),
        'eval': records(9, {'Cash': 1}),
    }
    artifact = make_examples_artifact(str(root / f'span-{span}'), splits)
    if span is not None:
        artifact.set_int_custom_property('span', span)
        artifact.set_int_custom_property('version', 0)
    return artifact


def span_history(root, layouts: dict, window: int = 3):
    """A SpanHistory as LookBack pins it: an index with a record per ``{span: layout uri}``."""
    from tfx_balance.base.artifacts.history import PinnedHistory, SpanHistory, write_pinned
    from tfx_balance.core.history import HistoryIndex, Record

    index = HistoryIndex.empty(str(root / 'history-root'), {})
    for span, uri in sorted(layouts.items()):
        index = index.replace(Record(span=span, run=f'r{span}', layout=uri))
    artifact = SpanHistory()
    artifact.uri = str(root / f'history-{len(layouts)}')
    os.makedirs(artifact.uri, exist_ok=True)
    write_pinned(artifact, PinnedHistory(index, horizon=window, window=window, lateness=0))
    return artifact


def run(root, examples, history=None, name='out', splits=('train',), **props):
    from tfx_balance.balanced_input_gen.executor import Executor

    output = new_output(str(root / name))
    inputs = {keys.INPUT_EXAMPLES_KEY: examples if isinstance(examples, list) else [examples]}
    if history is not None:
        inputs[keys.HISTORY_KEY] = [history]
    exec_properties = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.SPLITS_KEY: json.dumps(list(splits)),
        keys.SEED_KEY: 0,
        keys.EXAMPLES_PER_SHARD_KEY: 4,
        **props,
    }
    Executor().Do(inputs, {keys.EXAMPLES_KEY: [output]}, exec_properties)
    return output


def plan_doc(output) -> dict:
    with open(os.path.join(output.uri, keys.BALANCE_PLAN_FILE)) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Span 1 (an empty history: the first run) and span 2 (the history holds span 1)."""
    root = tmp_path_factory.mktemp('runs')
    first = run(root, span_examples(root, 1), span_history(root, {}), name='out-1')
    history = span_history(root, {1: first.uri})
    return root, first, run(root, span_examples(root, 2), history, name='out-2')


def test_the_plan_names_the_earlier_layouts_and_nothing_is_copied(runs, caplog):
    from tests.support.artifacts import label_counts, read_split

    root, first, second = runs
    assert 'window' not in plan_doc(first)  # the first run: no earlier span
    doc = plan_doc(second)
    assert doc['window'] == [first.uri] and doc['spans'] == [2]
    assert {c['class']: c['count'] for c in doc['splits']['train']['classes']} == COUNTS[2]
    assert label_counts(read_split(second.uri, 'train'), 'label') == COUNTS[2]  # span 2 only
    assert second.get_int_custom_property('span') == 2
    from tfx_balance.balanced_input_gen.executor import window_layouts

    inputs = {
        keys.INPUT_EXAMPLES_KEY: [span_examples(root, 2)],
        keys.HISTORY_KEY: [span_history(root, {1: first.uri})],
    }
    with caplog.at_level(logging.INFO, logger='absl'):  # absl's level, whatever ran before
        assert window_layouts(inputs, ['train']) == (first.uri,)
    assert (
        'BalancedInputGen: the training window of span 2 reads the layouts of earlier span(s) 1 '
        'with it'
    ) in caplog.text


def test_balanced_dataset_over_the_window_layout_reads_both_spans_as_their_list(runs):
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfx_balance import balanced_dataset, prior_correction, steps_per_epoch
    from tfx_balance.core.balanced_input_gen.merge import classes_of
    from tfx_balance.core.balanced_input_gen.plan_file import load_plans

    _, first, second = runs
    schema = text_format.Parse(SCHEMA_TEXT, schema_pb2.Schema())
    window = [os.path.join(second.uri, 'Split-train', '*')]  # fn_args.train_files
    explicit = [os.path.join(o.uri, 'Split-train', '*') for o in (first, second)]
    assert load_plans(window) == load_plans(explicit)
    merged = classes_of(window)
    assert dict(zip(merged.names, merged.counts)) == UNION
    assert steps_per_epoch(window, 6) == steps_per_epoch(explicit, 6) == 6  # 11 Cash, 2 a batch
    names = list(UNION)
    got = prior_correction(window, class_names=names).to_json()
    assert got == prior_correction(explicit, class_names=names).to_json()
    for name, n in UNION.items():  # one pass over a class: each of its examples in both spans once
        for files in (window, explicit):
            ds = balanced_dataset(files, 'label', n, schema=schema, weights={name: 1})
            features, labels = next(iter(ds))
            assert labels.numpy().ravel().tolist() == [name.encode()] * n
            got = sorted(int(x) for x in features['x'].numpy().ravel())
            assert got == sorted(ids(1, name) + (ids(2, name) if name in COUNTS[2] else []))
    a, b = (balanced_dataset(f, 'label', 6, schema=schema) for f in (window, explicit))
    for (fa, la), (fb, lb) in zip(a.take(4), b.take(4)):  # the same stream, batch by batch
        assert la.numpy().tolist() == lb.numpy().tolist()
        assert fa['x'].numpy().tolist() == fb['x'].numpy().tolist()


def test_an_earlier_layout_gone_or_laid_out_otherwise_is_named(runs, tmp_path):
    _, first, _ = runs
    gone = str(tmp_path / 'gone')
    shutil.copytree(first.uri, gone)
    os.remove(os.path.join(gone, keys.BALANCE_PLAN_FILE))
    with pytest.raises(DataError) as raised:
        run(tmp_path, span_examples(tmp_path, 2), span_history(tmp_path, {1: gone}))
    assert str(raised.value) == (
        f'The history at {tmp_path / "history-root"} names {gone} as the layout of span 1, but '
        'it has no balance_plan.json. BalancedInputGen outputs of the spans in the training '
        'window must be kept; re-run that span to lay it out again.'
    )
    assert not os.listdir(tmp_path / 'out')
    history = span_history(tmp_path, {1: first.uri})
    with pytest.raises(DataError) as raised:  # span 1 laid out train only
        run(tmp_path, span_examples(tmp_path, 2), history, 'out-b', splits=('train', 'eval'))
    assert str(raised.value) == (
        f'The layout of span 1 in the training window ({first.uri}) has laid-out split(s) '
        'train, but span 2 lays out eval, train: the window is read split by split. Lay out '
        'the same splits in every span (BalancedInputGen splits), or re-run span 1 with these.'
    )


def test_with_a_history_the_input_is_one_span(runs, tmp_path):
    _, first, _ = runs
    history = span_history(tmp_path, {1: first.uri})
    window = [span_examples(tmp_path, 3), span_examples(tmp_path, 2)]
    with pytest.raises(ConfigError) as raised:
        run(tmp_path, window, history)
    assert str(raised.value).startswith(
        'BalancedInputGen reads one Examples artifact, but examples holds 2 (a window of span 3, '
        "span 2, e.g. from a Resolver). With a history, BalancedInputGen lays out the run's span"
    )
    with pytest.raises(ConfigError, match=r'is read by span, but this input has none'):
        run(tmp_path, span_examples(tmp_path, None), history, name='out-b')
    with pytest.raises(ConfigError, match='^history applies to a per-class layout only, not with'):
        run(tmp_path, span_examples(tmp_path, 2), history, 'out-c', **{keys.MULTI_LABEL_KEY: 'ids'})
    assert not os.listdir(tmp_path / 'out-c')


def test_the_component_takes_a_history_channel():
    from tfx.types import channel_utils, standard_artifacts

    from tfx_balance import BalancedInputGen
    from tfx_balance.base.artifacts.history import SpanHistory

    examples = channel_utils.as_channel([standard_artifacts.Examples()])
    history = channel_utils.as_channel([SpanHistory()])
    component = BalancedInputGen(examples=examples, label_feature='label', history=history)
    assert component.inputs[keys.HISTORY_KEY] is history
    assert keys.HISTORY_KEY not in BalancedInputGen(examples, 'label').inputs
    with pytest.raises(ConfigError, match=r'^history must be a channel of tfx_balance.SpanHistory'):
        BalancedInputGen(examples=examples, label_feature='label', history=examples)
    with pytest.raises(ConfigError, match='^history applies to a per-class layout only, not with'):
        BalancedInputGen(examples, 'label', multi_label='ids', history=history)
