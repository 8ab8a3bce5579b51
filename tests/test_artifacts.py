"""tfx_balance.artifacts: the gzip integrity check every Beam component runs on its inputs."""

import pytest

from tests.support.examples import example, make_examples_artifact, write_records
from tfx_balance.artifacts import verify_gzip_file
from tfx_balance.core.errors import DataError


@pytest.fixture
def gz(tmp_path):
    path = tmp_path / 'data.gz'
    write_records(str(path), [example(label='a', x=float(i), pad='y' * 50) for i in range(500)])
    return path


def test_a_complete_file_passes_and_reports_its_size(gz):
    assert verify_gzip_file(str(gz), 'train') > 500 * 50


@pytest.mark.parametrize('keep', [0.25, 0.5, 0.9, 0.999])
def test_a_truncated_file_is_named(gz, keep):
    data = gz.read_bytes()
    gz.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(DataError, match=f"input file {gz} of split 'train' .* truncated"):
        verify_gzip_file(str(gz), 'train')


def test_a_corrupt_file_is_named(gz):
    data = bytearray(gz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    gz.write_bytes(bytes(data))
    with pytest.raises(DataError, match=f"input file {gz} of split 'eval' .*corrupt"):
        verify_gzip_file(str(gz), 'eval')


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
