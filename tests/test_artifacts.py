"""tfx_balance.artifacts: a damaged input file is named; compression is read from the data."""

import re

import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2

from tests.support.examples import example, make_examples_artifact, write_records
from tfx_balance.artifacts import find_unreadable_file

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
    from tfx_balance.core.records import compression_of, read_file_batches

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


def test_span_and_version_are_read_from_a_property_or_a_custom_property(tmp_path):
    """Issue 51: an input with span and version as ExampleGen records them (custom properties)
    or as the Examples properties gives an output with both forms (the e2e run with a span
    resolver: tests/test_span_version.py)."""
    from tests.support.examples import new_output
    from tfx_balance.artifacts import copy_span_and_version

    by_property = make_examples_artifact(str(tmp_path / 'a'), {'train': []})
    by_property.span, by_property.version = 7, 2
    by_custom_property = make_examples_artifact(str(tmp_path / 'b'), {'train': []})
    by_custom_property.set_int_custom_property('span', 7)
    by_custom_property.set_string_custom_property('version', '2')  # older TFX: a string
    for source in (by_property, by_custom_property):
        output = new_output(str(tmp_path / 'out'))
        copy_span_and_version(source, output)
        assert (output.span, output.version) == (7, 2)
        assert output.get_int_custom_property('span') == 7
        assert output.get_int_custom_property('version') == 2
    nothing = new_output(str(tmp_path / 'none'))
    copy_span_and_version(make_examples_artifact(str(tmp_path / 'c'), {'train': []}), nothing)
    assert not nothing.has_property('span') and not nothing.has_custom_property('span')
