"""BalancedInputGen over a window of spans (issue 51: a Resolver's window of the last 3 spans
failed with TFX's 'expected list length of one but got 3'), on real artifacts."""

import json
import os
import re

import pytest

from tests.support.artifacts import label_counts, read_split
from tests.support.errors import documented_errors
from tests.support.examples import example, make_examples_artifact, new_output
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError


def records(span: int, counts: dict) -> list:
    """``counts`` examples per label, each with an id unique over the window."""
    return [
        example(label=name, x=float(span * 1000 + c * 100 + i))
        for c, (name, n) in enumerate(counts.items())
        for i in range(n)
    ]


# Three daily spans; 'Dispute' is in span 1 only, 'No Charge' not in span 2.
SPANS = {
    1: {'train': records(1, {'Cash': 6, 'No Charge': 2, 'Dispute': 1}), 'eval': records(11, {'Cash': 2})},
    2: {'train': records(2, {'Cash': 5}), 'eval': records(12, {'Cash': 1, 'No Charge': 1})},
    3: {'train': records(3, {'Cash': 7, 'No Charge': 3}), 'eval': records(13, {'Cash': 2})},
}  # fmt: skip


def span_window(tmp_path, spans: dict, name: str = 'span') -> list:
    """Examples artifacts of ``{span: {split: [records]}}``, newest first as SpanRangeStrategy
    gives them, span and version recorded as ExampleGen records them (custom properties)."""
    window = []
    for span, splits in sorted(spans.items(), reverse=True):
        artifact = make_examples_artifact(str(tmp_path / f'{name}-{span}'), splits)
        artifact.set_int_custom_property('span', span)
        artifact.set_int_custom_property('version', 0)
        window.append(artifact)
    return window


def run_window(tmp_path, window, augmented=None, executor=None, **props):
    from tfx_balance.balanced_input_gen.executor import Executor

    output = new_output(str(tmp_path / 'out'))
    inputs = {keys.INPUT_EXAMPLES_KEY: window}
    if augmented:
        inputs[keys.AUGMENTED_EXAMPLES_KEY] = augmented
    exec_properties = {
        keys.LABEL_FEATURE_KEY: 'label',
        keys.SPLITS_KEY: json.dumps(['train']),
        keys.SEED_KEY: 0,
        keys.EXAMPLES_PER_SHARD_KEY: 4,
        **props,
    }
    (executor or Executor)().Do(inputs, {keys.EXAMPLES_KEY: [output]}, exec_properties)
    return output


def test_a_window_is_laid_out_as_the_union_of_its_spans_with_one_plan_of_the_union(tmp_path):
    from tfx.types import artifact_utils

    from tfx_balance.core.balanced_input_gen.plan_file import load_plans

    output = run_window(tmp_path, span_window(tmp_path, SPANS))
    ((_, plan),) = load_plans(os.path.join(output.uri, 'Split-train', '*'))
    assert dict(zip(plan.classes, plan.counts)) == {'Cash': 18, 'Dispute': 1, 'No Charge': 5}
    expected = [r for span in SPANS.values() for r in span['train']]
    assert sorted(read_split(output.uri, 'train')) == sorted(expected)  # each example once
    # eval passes through: every span's file, byte for byte, named by its span
    assert sorted(os.listdir(os.path.join(output.uri, 'Split-eval'))) == [
        f'span-{s}-data_tfrecord-00000-of-00001.gz' for s in (1, 2, 3)
    ]
    for s in (1, 2, 3):
        name = 'data_tfrecord-00000-of-00001.gz'
        with open(tmp_path / f'span-{s}' / 'Split-eval' / name, 'rb') as a:
            with open(os.path.join(output.uri, 'Split-eval', f'span-{s}-{name}'), 'rb') as b:
                assert a.read() == b.read()
    assert label_counts(read_split(output.uri, 'eval'), 'label') == {'Cash': 5, 'No Charge': 1}
    assert artifact_utils.decode_split_names(output.split_names) == ['train', 'eval']
    assert output.get_int_custom_property('span') == output.span == 3  # the latest span
    with open(os.path.join(output.uri, keys.BALANCE_PLAN_FILE)) as f:
        assert json.load(f)['spans'] == [1, 2, 3]  # what a Trainer's window of layouts checks


def test_a_span_the_window_holds_twice_is_read_twice_and_named_in_a_warning(tmp_path, caplog):
    """A re-run's second artifact of span 2 (SpanRangeStrategy hands over both): each artifact is
    laid out, and the log names the span and the Resolver that keeps the newest of each."""
    import logging

    rerun = span_window(tmp_path, {2: SPANS[2]}, name='rerun')
    with caplog.at_level(logging.WARNING):
        output = run_window(tmp_path, span_window(tmp_path, SPANS) + rerun)
    expected = [r for span in (*SPANS.values(), SPANS[2]) for r in span['train']]
    assert sorted(read_split(output.uri, 'train')) == sorted(expected)  # span 2 twice
    (warning,) = [r.getMessage() for r in caplog.records if 'more than once' in r.getMessage()]
    assert warning.startswith(
        'BalancedInputGen: examples holds span 2 more than once (span 3, span 2 (input 1), '
        'span 1, span 2 (input 3))'
    )
    assert "PreviousSpanStrategy (config={'num_spans': N, 'skip_newest': False})" in warning
    with open(os.path.join(output.uri, keys.BALANCE_PLAN_FILE)) as f:
        assert json.load(f)['spans'] == [1, 2, 2, 3]


def test_a_window_of_runs_without_spans_logs_no_repeated_span(tmp_path, caplog):
    """Data without spans: every run's artifact has span 0, a window of runs, not a re-run."""
    import logging

    window = span_window(tmp_path, {0: SPANS[1]}) + span_window(tmp_path, {0: SPANS[3]}, 'again')
    with caplog.at_level(logging.WARNING):
        run_window(tmp_path, window)
    assert not [r for r in caplog.records if 'more than once' in r.getMessage()]


def test_the_data_counts_of_a_window_of_augmenter_outputs_are_summed(tmp_path):
    from tfx_balance.core.balanced_input_gen.plan_file import load_plans

    augmented = span_window(tmp_path, {s: {'train': []} for s in SPANS}, name='augmented')
    inputs = {1: {'Cash': 60, 'No Charge': 2, 'Dispute': 1}, 2: {'Cash': 50}, 3: {'Cash': 70}}
    # What each span's augmenter wrote: the window's laid-out classes (6+5+7, 2+3, 1).
    outputs = {1: {'Cash': 6, 'No Charge': 2, 'Dispute': 1}, 2: {'Cash': 5}, 3: {'Cash': 7}}
    outputs[3]['No Charge'] = 3
    for artifact in augmented:
        span = artifact.get_int_custom_property('span')
        rows = {c: {'input': n, 'output': outputs[span].get(c, 0)} for c, n in inputs[span].items()}
        rows.update(
            {c: {'input': 0, 'output': n} for c, n in outputs[span].items() if c not in rows}
        )
        with open(os.path.join(artifact.uri, keys.REBALANCE_PLAN_FILE), 'w') as f:
            json.dump({'splits': {'train': rows}}, f)
    output = run_window(tmp_path, span_window(tmp_path, SPANS), augmented=augmented)
    ((_, plan),) = load_plans(os.path.join(output.uri, 'Split-train', '*'))
    assert dict(plan.data_counts) == {'Cash': 180, 'Dispute': 1, 'No Charge': 2}

    with pytest.raises(ConfigError) as raised:  # augmenter outputs of other spans
        run_window(tmp_path / 'other', span_window(tmp_path, SPANS), augmented=augmented[1:])
    assert str(raised.value).startswith(
        'augmented_examples holds 2 artifact(s) (span 2, span 1) and examples 3 (span 3, span 2, '
        'span 1): the data counts recorded must be of the laid-out spans.'
    )
    assert_documented(raised.value)


def assert_documented(error) -> None:
    """The message matches a row of docs/troubleshooting.md's table."""
    assert any(re.search(p, str(error)) for p in documented_errors()), str(error)


def _spans_with(changes: dict) -> dict:
    return {s: {**splits, **changes.get(s, {})} for s, splits in SPANS.items()}


def test_a_window_whose_splits_differ_is_an_error_naming_the_span_and_split(tmp_path):
    spans = {s: dict(splits) for s, splits in SPANS.items()}
    del spans[2]['eval']
    with pytest.raises(ConfigError) as raised:
        run_window(tmp_path, span_window(tmp_path, spans))
    assert str(raised.value) == (
        'BalancedInputGen reads a window of 3 Examples artifacts (span 3, span 2, span 1) whose '
        "splits differ: span 3 has train, eval; span 2 has no split 'eval'. Every artifact of a "
        'window must have the same splits: split every span the same way (ExampleGen '
        'output_config or StratifiedSplitter splits), or narrow the window to the spans that do.'
    )
    assert_documented(raised.value)
    assert not os.listdir(tmp_path / 'out')


def test_a_span_with_no_files_or_another_payload_format_is_named(tmp_path):
    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2

    with pytest.raises(DataError, match="^split 'train' of span 2 has no files under ") as raised:
        run_window(tmp_path / 'a', span_window(tmp_path / 'a', _spans_with({2: {'train': []}})))
    assert_documented(raised.value)
    window = span_window(tmp_path / 'b', SPANS)
    examples_utils.set_payload_format(window[1], example_gen_pb2.PayloadFormat.FORMAT_PROTO)
    with pytest.raises(ConfigError) as raised:
        run_window(tmp_path / 'b', window)
    assert str(raised.value).startswith(
        'BalancedInputGen reads tf.train.Example records, but span 2 has payload format '
        'FORMAT_PROTO.'
    )
    assert_documented(raised.value)


@pytest.mark.parametrize('component', ['StratifiedSplitter', 'BalancedAugmenter'])
def test_components_that_read_one_artifact_name_the_window_they_were_given(tmp_path, component):
    from tfx_balance.balanced_augmenter.executor import Executor as AugmenterExecutor
    from tfx_balance.stratified_splitter.executor import Executor as SplitterExecutor

    executor = {'StratifiedSplitter': SplitterExecutor, 'BalancedAugmenter': AugmenterExecutor}
    with pytest.raises(ConfigError) as raised:
        run_window(tmp_path, span_window(tmp_path, SPANS), executor=executor[component])
    assert str(raised.value).startswith(
        f'{component} reads one Examples artifact, but examples holds 3 (a window of span 3, '
        'span 2, span 1, e.g. from a Resolver). Give it one span'
    )
    assert_documented(raised.value)
