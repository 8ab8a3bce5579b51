"""tfx_balance.base.artifacts: a damaged input file is named; compression is read from the data."""

import re

import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.examples import example, make_examples_artifact, write_records
from tfx_balance.base.artifacts import find_unreadable_file

# Serialized deterministically: protobuf writes a feature map in an order that changes from one
# process to the next, which moves where a cut at 25% lands (inside a record, or between two).
GOOD = [
    example_pb2.Example.FromString(example(label='a', x=float(i), pad='y' * 50)).SerializeToString(
        deterministic=True
    )
    for i in range(500)
]


def _plain_tfrecords(data: bytes, tmp_path) -> bytes:
    """The file's records as uncompressed TFRecords."""
    path = str(tmp_path / 'plain.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
        for record in GOOD:
            writer.write(record)
    return (tmp_path / 'plain.tfrecord').read_bytes()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


# Each damage, and how it is named (a regex of the detail between the DataError's parentheses).
# Found with the components' own reader, which also fails their job on each.
DAMAGE = {
    'truncated-25%': (  # inside a record: tf.data's own error
        lambda d, _: d[: len(d) // 4],
        r"truncated record at \d+' failed with EOF reached",
    ),
    'truncated-99.9%': (  # tf.data ends quietly here; the recorded-size check does not
        lambda d, _: d[: int(len(d) * 0.999)],
        'the gzip stream ends early',
    ),
    'trailer-cut': (lambda d, _: d[:-8], 'the gzip stream ends early'),
    'corrupt-middle-byte': (
        lambda d, _: _flip(d, len(d) // 2),
        r'inflate\(\) failed with error -3: incorrect data check',
    ),
    'corrupt-crc32-field': (
        lambda d, _: _flip(d, len(d) - 6),
        r'inflate\(\) failed with error -3: incorrect data check',
    ),
    'trailing-garbage': (
        lambda d, _: d + b'garbage!',
        r'inflate\(\) failed with error -3: incorrect header check',
    ),
    'empty': (lambda d, _: b'', r'it is named \*.gz but it is empty'),
    'not-gzip': (
        lambda d, _: b'not a gzip file\n' * 64,
        r'it is named \*.gz but its data is not gzip',
    ),
    'plain-tfrecords': (_plain_tfrecords, r'it is named \*.gz but its data is not gzip'),
}


@pytest.mark.parametrize('case', list(DAMAGE))
def test_a_damaged_file_is_named_with_its_split_and_what_is_wrong(tmp_path, case):
    damage, detail = DAMAGE[case]
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': GOOD, 'eval': GOOD[:10]})
    path = tmp_path / 'in' / 'Split-train' / 'data_tfrecord-00000-of-00001.gz'
    path.write_bytes(damage(path.read_bytes(), tmp_path))
    split, found, message = find_unreadable_file(examples, ['eval', 'train'])
    assert (split, found) == ('train', str(path))
    assert re.fullmatch(detail, message), message


def test_intact_files_and_concatenated_gzip_members_are_readable(tmp_path):
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': GOOD})
    write_records(str(tmp_path / 'a.gz'), GOOD[:100])
    path = tmp_path / 'in' / 'Split-train' / 'data_tfrecord-00001-of-00002.gz'
    path.write_bytes((tmp_path / 'a.gz').read_bytes() * 2)
    assert find_unreadable_file(examples, ['train']) is None


# Compression is read from a file's first bytes, not guessed from its name.

RECORDS = [example(label=c, x=float(i)) for c, n in (('a', 30), ('b', 9)) for i in range(n)]


def test_compression_is_read_from_the_data(tmp_path):
    from tfx_balance.core.common.records import compression_of, read_file_batches

    gz_unnamed = str(tmp_path / 'part-00000')
    write_records(gz_unnamed, RECORDS)
    plain = str(tmp_path / 'plain.tfrecord')
    import tensorflow as tf

    with tf.io.TFRecordWriter(plain) as writer:
        for record in RECORDS:
            writer.write(record)
    assert compression_of(gz_unnamed) == 'GZIP'
    assert compression_of(plain) == ''
    for path in (gz_unnamed, plain):
        assert [r for batch in read_file_batches(path, 7) for r in batch] == RECORDS


@pytest.mark.parametrize(
    'component', ['StratifiedSplitter', 'BalancedAugmenter', 'BalancedInputGen']
)
def test_gzipped_files_without_gz_names_are_read_as_gzip(tmp_path, component):
    """A gzipped file named without ``.gz`` once gave a raw ``DataLossError`` naming no file."""
    from tests.reliability import runners
    from tests.support.artifacts import label_counts, read_split

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': RECORDS, 'eval': RECORDS})
    for split in ('train', 'eval'):
        split_dir = tmp_path / 'in' / f'Split-{split}'
        for path in split_dir.iterdir():
            path.rename(split_dir / path.name.replace('.gz', ''))
    output = runners.run(component, examples, str(tmp_path / 'out'))
    from tfx.types import artifact_utils

    written = {
        split: label_counts(read_split(output.uri, split), 'label')
        for split in artifact_utils.decode_split_names(output.split_names)
    }
    if component == 'StratifiedSplitter':  # both input splits merged, 8:1:1
        assert written == {
            'train': {'a': 48, 'b': 14},
            'eval': {'a': 6, 'b': 2},
            'test': {'a': 6, 'b': 2},
        }
    elif component == 'BalancedAugmenter':  # train rebalanced to the largest class
        assert written == {'train': {'a': 30, 'b': 30}, 'eval': {'a': 30, 'b': 9}}
    else:
        assert written == {'train': {'a': 30, 'b': 9}, 'eval': {'a': 30, 'b': 9}}


@pytest.mark.e2e
def test_a_pipeline_reads_gzipped_files_without_gz_names(tmp_path):
    """An Examples artifact from outside TFX's ExampleGens (here through an Importer) whose
    gzipped files are named ``part-<n>``: the three Beam components read them as gzip."""
    from tfx import v1 as tfx

    from tests.support.artifacts import label_counts, latest_artifact_dir, read_split
    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter, BalancedInputGen, StratifiedSplitter

    for split in ('train', 'eval'):
        write_records(str(tmp_path / 'data' / f'Split-{split}' / 'part-00000'), RECORDS)
    importer = tfx.dsl.Importer(
        source_uri=str(tmp_path / 'data'),
        artifact_type=tfx.types.standard_artifacts.Examples,
        properties={'split_names': '["train", "eval"]'},
    ).with_id('ImportedExamples')
    splitter = StratifiedSplitter(examples=importer.outputs['result'], label_feature='label')
    augmenter = BalancedAugmenter(examples=splitter.outputs['examples'], label_feature='label')
    input_gen = BalancedInputGen(
        examples=augmenter.outputs['examples'], label_feature='label', splits=['train']
    )
    components = [importer, splitter, augmenter, input_gen]
    root = run_local('gzip-without-gz-names', str(tmp_path), components).pipeline_root
    split = {
        s: label_counts(read_split(latest_artifact_dir(root, 'StratifiedSplitter'), s), 'label')
        for s in ('train', 'eval', 'test')
    }
    assert split == {
        'train': {'a': 48, 'b': 14},
        'eval': {'a': 6, 'b': 2},
        'test': {'a': 6, 'b': 2},
    }
    augmented = read_split(latest_artifact_dir(root, 'BalancedAugmenter'), 'train')
    assert label_counts(augmented, 'label') == {'a': 48, 'b': 48}
    laid_out = read_split(latest_artifact_dir(root, 'BalancedInputGen'), 'train')
    assert sorted(laid_out) == sorted(augmented)


@pytest.mark.parametrize('recorded', ['custom_int', 'custom_string', 'property'])
def test_an_outputs_span_and_version_are_the_inputs_as_examplegen_records_them(tmp_path, recorded):
    # TFX 1.16's ExampleGen records span and version as custom properties only, which is what
    # SpanRangeStrategy reads: an output of ours must carry them too, or no Resolver can window it
    from tfx.types import standard_artifacts

    from tfx_balance.base.artifacts import finish_examples, span_of

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': [example(x=1.0)]})
    if recorded == 'custom_int':
        examples.set_int_custom_property('span', 7)
        examples.set_int_custom_property('version', 2)
    elif recorded == 'custom_string':
        examples.set_string_custom_property('span', '7')
        examples.set_string_custom_property('version', '2')
    else:
        examples.span, examples.version = 7, 2
    output = standard_artifacts.Examples()
    finish_examples(examples, output, ['train'])
    assert span_of(examples) == span_of(output) == 7
    assert output.get_int_custom_property('span') == output.span == 7
    assert output.get_int_custom_property('version') == output.version == 2


def test_an_input_without_a_span_gives_an_output_without_one(tmp_path):
    from tfx.types import standard_artifacts

    from tfx_balance.base.artifacts import finish_examples, span_of

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': [example(x=1.0)]})
    output = standard_artifacts.Examples()
    finish_examples(examples, output, ['train'])
    assert span_of(output) is None and not output.has_custom_property('span')


def test_a_window_names_each_artifact_by_its_span_and_takes_the_latest_span_and_version():
    # a Resolver's window (e.g. SpanRangeStrategy's, newest first); two versions of span 3 are
    # told apart by their place, and an artifact without a span by its place alone
    from tfx.types import standard_artifacts

    from tfx_balance.base.artifacts import latest, oldest_first, source_names

    def artifact(span=None, version=None):
        a = standard_artifacts.Examples()
        if span is not None:
            a.set_int_custom_property('span', span)
        if version is not None:
            a.set_int_custom_property('version', version)
        return a

    window = [artifact(3, 0), artifact(1, 0), artifact(3, 1), artifact()]
    assert source_names(window) == ['span 3 (input 0)', 'span 1', 'span 3 (input 2)', 'input 3']
    assert [name for name, _ in oldest_first(window)] == [
        'span 1',
        'span 3 (input 0)',
        'span 3 (input 2)',
        'input 3',
    ]
    assert latest(window) is window[2]  # span 3, version 1
    no_spans = [artifact(), artifact()]
    assert latest(no_spans) is no_spans[0]  # none has a span: the first


def test_a_window_of_one_span_twice_is_warned_unless_it_is_span_0(caplog):
    """Issue 73: span 6 laid out twice and nothing else counts twice; span 0 in every artifact
    is a window of runs of data without spans."""
    import logging

    from tfx.types import standard_artifacts

    from tfx_balance.base.artifacts import warn_repeated_spans

    def window(span):
        artifacts = [standard_artifacts.Examples(), standard_artifacts.Examples()]
        for a in artifacts:
            a.set_int_custom_property('span', span)
        return artifacts

    with caplog.at_level(logging.WARNING):
        warn_repeated_spans(window(0), 'BalancedInputGen', 'examples')
        assert not [r for r in caplog.records if 'more than once' in r.getMessage()]
        warn_repeated_spans(window(6), 'BalancedInputGen', 'examples')
    (warning,) = [r.getMessage() for r in caplog.records if 'more than once' in r.getMessage()]
    assert warning.startswith(
        'BalancedInputGen: examples holds span 6 more than once (span 6 (input 0), span 6 '
        '(input 1)): each artifact is read, so the span counts once per artifact.'
    )


def test_every_artifact_type_of_ours_imports_by_its_type_name():
    # Kubeflow's container entrypoint imports an artifact class from its TYPE_NAME
    # ('tfx_balance.<Class>'): each must be an attribute of the package.
    import importlib

    from tfx.types import artifact

    import tfx_balance

    for name in ('CrossValidationAggregate', 'LookBack', 'StratifiedSplitter', 'show'):
        getattr(tfx_balance, name)  # imports the modules defining our artifact types

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {
        c.TYPE_NAME for c in subclasses(artifact.Artifact) if c.__module__.startswith('tfx_balance')
    }
    assert {'tfx_balance.CrossValidationResult', 'tfx_balance.HtmlReport'} <= ours
    for type_name in ours:
        module, _, name = type_name.rpartition('.')
        assert getattr(importlib.import_module(module), name).TYPE_NAME == type_name
