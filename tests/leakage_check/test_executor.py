"""LeakageCheck's executor on real Examples artifacts (Executor.Do, in-process Beam), and its
constructor: a failing check leaves no output and raises the documented error; a passing one
writes the same report bytes on every run; the anomalies and ``blessed`` follow the findings."""

import json
import os
import re

import pytest
from tensorflow_metadata.proto.v0 import anomalies_pb2

from tests.support.examples import example, make_examples_artifact
from tfx_balance.core.balanced_augmenter.provenance import Provenance
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.leakage_check import LeakageConfig, LeakageError, leakage_fingerprints

MARKS = Provenance('is_synthetic', 'source_fingerprint')


def rows(n, start=0):
    return [example(label=i % 2, x=float(i)) for i in range(start, start + n)]


def planted_splits():
    """train 20 (marked as BalancedAugmenter marks it), eval 6 with 2 of train's examples and one
    synthetic example, test 5 with one of train's."""
    train = rows(20)
    synthetic = MARKS.copy(example(label=1, x=99.0), 'feed')
    return {
        'train': [MARKS.original(r) for r in train],
        'eval': rows(3, 100) + [train[0], train[1], synthetic],
        'test': rows(4, 200) + [train[2]],
    }, synthetic


def run_check(tmp_path, data, name='out', **config):
    from tfx.types import standard_artifacts

    from tfx_balance.leakage_check.executor import Executor

    examples_dir = tmp_path / 'in'
    examples = (
        make_examples_artifact(str(examples_dir), data)
        if not examples_dir.exists()
        else _existing(examples_dir, data)
    )
    output = standard_artifacts.ExampleAnomalies()
    output.uri = str(tmp_path / name)
    os.makedirs(output.uri, exist_ok=True)
    props = LeakageConfig(**config).validate().to_exec_properties()
    Executor().Do({keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.ANOMALIES_KEY: [output]}, props)
    return output


def _existing(uri, splits):
    from tfx.components.util import examples_utils
    from tfx.proto import example_gen_pb2
    from tfx.types import artifact_utils, standard_artifacts

    artifact = standard_artifacts.Examples()
    artifact.uri = str(uri)
    artifact.split_names = artifact_utils.encode_split_names(list(splits))
    examples_utils.set_payload_format(artifact, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    return artifact


def test_leakage_fails_with_the_documented_error_and_leaves_no_output(tmp_path):
    from tests.support.errors import documented_errors

    splits, synthetic = planted_splits()
    with pytest.raises(LeakageError) as info:
        run_check(tmp_path, splits)
    message = str(info.value)
    assert '3 content key(s) (6 examples) occur in two or more splits' in message
    assert 'train & eval: 2' in message and 'train & test: 1' in message
    assert (
        "1 synthetic example(s) (is_synthetic == 1) outside the training split(s) ['train']"
        in message
    )
    assert leakage_fingerprints([synthetic])[0] in message
    assert 'allow_duplicates=True' in message and 'allow_synthetic_outside=True' in message
    assert any(re.search(p, message) for p in documented_errors())
    only_synthetic = {k: v for k, v in splits.items() if k != 'test'}
    only_synthetic['eval'] = only_synthetic['eval'][:3] + only_synthetic['eval'][5:]
    with pytest.raises(LeakageError) as info:
        run_check(tmp_path / 'second', only_synthetic)
    assert 'content key' not in str(info.value)
    assert any(re.search(p, str(info.value)) for p in documented_errors())
    assert os.listdir(tmp_path / 'out') == []


def test_allowed_findings_are_recorded_unblessed_and_the_report_is_byte_identical(tmp_path):
    splits, _ = planted_splits()
    allowed = {'allow_duplicates': True, 'allow_synthetic_outside': True}
    first = run_check(tmp_path, splits, 'out1', **allowed)
    second = run_check(tmp_path, splits, 'out2', **allowed)
    for name in (keys.LEAKAGE_JSON_FILE, keys.LEAKAGE_MARKDOWN_FILE):
        assert (tmp_path / 'out1' / name).read_bytes() == (tmp_path / 'out2' / name).read_bytes()
    report = json.loads((tmp_path / 'out1' / keys.LEAKAGE_JSON_FILE).read_text())
    assert report['passed'] and report['duplicates_across_splits']['per_split'] == {
        'train': 3,
        'eval': 2,
        'test': 1,
    }
    blessed = first.get_json_value_custom_property('blessed')
    assert dict(blessed) == {'train': 0, 'eval': 0, 'test': 0}
    eval_diff = anomalies_pb2.Anomalies.FromString(
        (tmp_path / 'out1' / 'Split-eval' / 'SchemaDiff.pb').read_bytes()
    )
    reasons = [r.short_description for r in eval_diff.dataset_anomaly_info.reason]
    assert reasons == [
        'Examples shared with other splits',
        'Synthetic examples outside the training splits',
    ]
    assert second.split_names == first.split_names


def test_clean_splits_pass_blessed(tmp_path):
    clean = {'train': rows(20), 'eval': rows(5, 100) + rows(1, 100)}  # a repeat inside eval
    output = run_check(tmp_path, clean)
    assert dict(output.get_json_value_custom_property('blessed')) == {'train': 1, 'eval': 1}
    report = json.loads((tmp_path / 'out' / keys.LEAKAGE_JSON_FILE).read_text())
    assert report['passed'] and report['duplicates_within_splits']['eval']['extra_examples'] == 1


def test_splits_limit_the_check(tmp_path):
    splits, _ = planted_splits()
    output = run_check(tmp_path, splits, splits=['train', 'test'], allow_duplicates=True)
    report = json.loads((tmp_path / 'out' / keys.LEAKAGE_JSON_FILE).read_text())
    assert report['splits'] == ['train', 'test'] and report['passed']
    assert dict(output.get_json_value_custom_property('blessed')) == {'train': 0, 'test': 0}


def _examples_channel(type_name='Examples'):
    from tfx.types import Channel, standard_artifacts

    return Channel(type=getattr(standard_artifacts, type_name))


def test_component_encodes_its_arguments_and_checks_them_when_built():
    from tfx_balance import LeakageCheck

    check = LeakageCheck(examples=_examples_channel(), training_splits=['train', 'extra'])
    props = check.exec_properties
    assert props['training_splits'] == '["train", "extra"]'
    assert props['allow_duplicates'] == 0 and keys.SPLITS_KEY not in props  # None: not written
    with pytest.raises(ConfigError, match='max_examples must be an integer >= 0'):
        LeakageCheck(examples=_examples_channel(), max_examples=-1)
    with pytest.raises(ConfigError, match='examples must be a channel of Examples artifacts'):
        LeakageCheck(examples=_examples_channel('Schema'))


def span_window(tmp_path, spans: dict) -> list:
    """Examples artifacts of ``{span: {split: [records]}}``, newest first as SpanRangeStrategy
    gives them, each span recorded as ExampleGen records it (custom property and property)."""
    window = []
    for span, splits in sorted(spans.items(), reverse=True):
        artifact = make_examples_artifact(str(tmp_path / f'span-{span}'), splits)
        artifact.set_int_custom_property('span', span)
        artifact.span = span
        window.append(artifact)
    return window


def run_window(tmp_path, window, **config):
    from tfx.types import standard_artifacts

    from tfx_balance.leakage_check.executor import Executor

    output = standard_artifacts.ExampleAnomalies()
    output.uri = str(tmp_path / 'out')
    os.makedirs(output.uri, exist_ok=True)
    props = LeakageConfig(**config).validate().to_exec_properties()
    Executor().Do({keys.INPUT_EXAMPLES_KEY: window}, {keys.ANOMALIES_KEY: [output]}, props)
    return output


def user_rows(users, start):
    return [example(user=u, x=float(start + i)) for i, u in enumerate(users)]


def test_a_window_of_spans_fails_on_a_group_or_example_in_train_of_one_span_and_eval_of_another(
    tmp_path,
):
    # issue 51: three daily spans, each split apart; u1 is in train of span 1 and eval of span 3,
    # and eval of span 3 holds a copy of an example of train of span 2 (user u4)
    copied = example(user='u4', x=20.0)
    spans = {
        1: {'train': user_rows(['u1', 'u2'], 10), 'eval': user_rows(['u3'], 15)},
        2: {'train': user_rows(['u4'], 20) + user_rows(['u2'], 21), 'eval': user_rows(['u5'], 25)},
        3: {'train': user_rows(['u6'], 30), 'eval': user_rows(['u1'], 35) + [copied]},
    }
    with pytest.raises(LeakageError) as info:
        run_window(tmp_path, span_window(tmp_path, spans), group_feature='user')
    message = str(info.value)
    (fp,) = leakage_fingerprints([copied])
    assert (
        f'1 content key(s) (2 examples) occur in two or more splits (train & eval: 1 (e.g. {fp} '
        'in train of span 2 and eval of span 3))' in message
    )
    assert (
        "2 group(s) of group_feature 'user' have examples in two or more splits (train & eval: 2 "
        "(e.g. 'u1' in train of span 1 and eval of span 3, 'u4' in train of span 2 and eval of "
        'span 3))' in message
    )
    assert os.listdir(tmp_path / 'out') == []


def test_a_clean_window_passes_pooled_by_split_and_names_the_spans_of_repeats(tmp_path):
    spans = {
        1: {'train': user_rows(['u1', 'u2'], 10), 'eval': user_rows(['u3'], 15)},
        2: {'train': user_rows(['u1'], 10) + user_rows(['u4'], 20), 'eval': user_rows(['u3'], 25)},
    }  # u1's example of span 1 again in span 2: a repeat inside train, not leakage
    output = run_window(tmp_path, span_window(tmp_path, spans), group_feature='user')
    report = json.loads((tmp_path / 'out' / keys.LEAKAGE_JSON_FILE).read_text())
    assert report['passed'] and report['splits'] == ['train', 'eval']
    assert report['examples'] == {'train': 4, 'eval': 2}
    (fp,) = report['duplicates_within_splits']['train']['fingerprints']
    assert report['seen_in'] == {fp: ['train of span 1', 'train of span 2']}
    assert dict(output.get_json_value_custom_property('blessed')) == {'train': 1, 'eval': 1}
    assert output.span == output.get_int_custom_property('span') == 2
    assert (
        '| ' + fp + ' | train of span 1, train of span 2 |'
        in (tmp_path / 'out' / keys.LEAKAGE_MARKDOWN_FILE).read_text()
    )


def run_indexed(tmp_path, spans: dict, **config):
    """The daily recipe: one run per span, oldest first, each given its span's examples and the
    anomalies (holding the key indexes) of the runs before it (newest first, as
    PreviousSpanStrategy gives them). Returns the last run's anomalies."""
    from tfx.types import standard_artifacts

    from tfx_balance.leakage_check.executor import Executor

    props = LeakageConfig(**config).validate().to_exec_properties()
    indexes = []
    for span in sorted(spans):
        (examples,) = span_window(tmp_path, {span: spans[span]})
        output = standard_artifacts.ExampleAnomalies()
        output.uri = str(tmp_path / f'out-{span}')
        os.makedirs(output.uri, exist_ok=True)
        Executor().Do(
            {keys.INPUT_EXAMPLES_KEY: [examples], keys.PREVIOUS_KEY_INDEX_KEY: indexes[::-1]},
            {keys.ANOMALIES_KEY: [output]},
            props,
        )
        indexes.append(output)
    return output


def test_key_indexes_fail_a_leak_into_today_s_span_as_the_window_of_examples_does(tmp_path):
    # the spans of the window test above: span 3's eval holds u1 (train of span 1) and a copy of
    # an example of train of span 2; spans 1 and 2 pass on their own days
    copied = example(user='u4', x=20.0)
    spans = {
        1: {'train': user_rows(['u1', 'u2'], 10), 'eval': user_rows(['u3'], 15)},
        2: {'train': user_rows(['u4'], 20) + user_rows(['u2'], 21), 'eval': user_rows(['u5'], 25)},
        3: {'train': user_rows(['u6'], 30), 'eval': user_rows(['u1'], 35) + [copied]},
    }
    with pytest.raises(LeakageError) as window:
        run_window(
            tmp_path / 'window', span_window(tmp_path / 'window', spans), group_feature='user'
        )
    with pytest.raises(LeakageError) as indexed:
        run_indexed(tmp_path / 'indexed', spans, group_feature='user')
    assert str(indexed.value) == str(window.value)
    assert "'u1' in train of span 1 and eval of span 3" in str(indexed.value)
    (fp,) = leakage_fingerprints([copied])
    assert f'{fp} in train of span 2 and eval of span 3' in str(indexed.value)
    assert os.listdir(tmp_path / 'indexed' / 'out-3') == []  # a failed run writes no index
    assert {'groups-00000-of-00001.gz', 'key_index.json', 'keys-00000-of-00001.gz'} <= set(
        os.listdir(tmp_path / 'indexed' / 'out-2')
    )


def test_key_indexes_give_the_report_of_the_window_of_examples_byte_for_byte(tmp_path):
    synthetic = MARKS.copy(example(user='u9', x=99.0), 'feed')
    spans = {
        1: {'train': user_rows(['u1', 'u2'], 10), 'eval': user_rows(['u3'], 15)},
        2: {'train': user_rows(['u1'], 10) + user_rows(['u4'], 20), 'eval': user_rows(['u3'], 25)},
        3: {'train': user_rows(['u7'], 40), 'eval': user_rows(['u8'], 45) + [synthetic]},
    }  # a repeat inside train across spans 1 and 2; span 3's eval has a synthetic example
    allowed = {'group_feature': 'user', 'allow_synthetic_outside': True}
    run_window(tmp_path / 'window', span_window(tmp_path / 'window', spans), **allowed)
    output = run_indexed(tmp_path / 'indexed', spans, **allowed)
    for name in (keys.LEAKAGE_JSON_FILE, keys.LEAKAGE_MARKDOWN_FILE):
        window = (tmp_path / 'window' / 'out' / name).read_bytes()
        assert (tmp_path / 'indexed' / 'out-3' / name).read_bytes() == window
    report = json.loads((tmp_path / 'indexed' / 'out-3' / keys.LEAKAGE_JSON_FILE).read_text())
    assert report['examples'] == {'train': 5, 'eval': 4}
    assert report['synthetic_outside_training']['per_split']['eval']['examples'] == 1
    assert output.get_int_custom_property('span') == 3
    header = json.loads((tmp_path / 'indexed' / 'out-3' / keys.KEY_INDEX_FILE).read_text())
    assert header == {
        'format': 1,
        'splits': ['train', 'eval'],
        'provenance_feature': 'is_synthetic',
        'source_feature': 'source_fingerprint',
        'group_feature': 'user',
        'label_feature': None,
    }


def test_a_key_index_of_other_keys_is_refused_naming_its_span(tmp_path):
    spans = {1: {'train': user_rows(['u1'], 10), 'eval': user_rows(['u2'], 15)}}
    run_indexed(tmp_path, spans)
    from tfx.types import standard_artifacts

    from tfx_balance.leakage_check.executor import Executor

    (examples,) = span_window(tmp_path, {2: spans[1]})
    previous = standard_artifacts.ExampleAnomalies()
    previous.uri = str(tmp_path / 'out-1')
    previous.set_int_custom_property('span', 1)
    output = standard_artifacts.ExampleAnomalies()
    output.uri = str(tmp_path / 'out-2')
    props = LeakageConfig(provenance_feature='synthetic').validate().to_exec_properties()
    with pytest.raises(ConfigError, match='previous_key_index of span 1 was written by another'):
        Executor().Do(
            {keys.INPUT_EXAMPLES_KEY: [examples], keys.PREVIOUS_KEY_INDEX_KEY: [previous]},
            {keys.ANOMALIES_KEY: [output]},
            props,
        )
    previous.uri = str(tmp_path / 'span-1')  # Examples, not a LeakageCheck's anomalies
    with pytest.raises(ConfigError, match='previous_key_index of span 1 holds no key index'):
        Executor().Do(
            {keys.INPUT_EXAMPLES_KEY: [examples], keys.PREVIOUS_KEY_INDEX_KEY: [previous]},
            {keys.ANOMALIES_KEY: [output]},
            LeakageConfig().validate().to_exec_properties(),
        )
