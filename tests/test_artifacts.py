"""tfx_balance.artifacts: the gzip integrity check every Beam component runs on its inputs."""

import pytest

from tests.support.examples import example, write_records
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
