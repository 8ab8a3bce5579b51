"""Issue 22 item 2: a write that fills the disk fails cleanly, holds no file open, and a rerun in
the same process succeeds once space is freed.

Each Beam component writes its output onto a small tmpfs this test mounts (root is needed; CI
runs as root, so there the test never skips), next to a filler file that leaves too little room.
The failed run's exception is kept, as a notebook keeps its last exception and ``pytest.raises``
its ``ExceptionInfo``: Beam's writers stay reachable from its traceback, so a temp file they left
open would keep its disk space after the output is removed. Then the filler is deleted, which
frees enough room for the output only if the failed run holds none, and the component is rerun.

Writer paths: Beam's sharded TFRecord sink (StratifiedSplitter's large part, BalancedAugmenter),
and ``core.records.write_records_file`` (tf.io.TFRecordWriter: BalancedInputGen's shards,
StratifiedSplitter's ranked part).
"""

import os
import subprocess

import numpy as np
import pytest

from tests.reliability.runners import AUGMENTER, INPUT_GEN, SPLITTER, run
from tests.support.artifacts import read_split
from tests.support.examples import example, make_examples_artifact
from tests.support.open_files import open_files_under
from tfx_balance.core.common import keys

MIB = 1 << 20
# ~2 MiB of incompressible examples in two equal classes (the augmenter then copies them all).
RECORDS = [
    example(label='ab'[i % 2], x=float(i), pad=np.random.default_rng(i).bytes(2000))
    for i in range(1000)
]
OUTPUT_SPLITS = {SPLITTER: ['train', 'eval', 'test'], AUGMENTER: ['train'], INPUT_GEN: ['train']}
PROPS = {INPUT_GEN: {keys.EXAMPLES_PER_SHARD_KEY: 100}}  # 10 shard files, not 250
DISK = 3 * MIB  # room for one output (~2 MiB) ...
FILLER = 3 * MIB // 2  # ... but not next to the filler; nor next to what a leak would hold


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs mounted at ``tmp_path/disk``, unmounted after the test."""
    disk = tmp_path / 'disk'
    disk.mkdir()
    done = subprocess.run(
        ['mount', '-t', 'tmpfs', '-o', f'size={DISK}', 'tmpfs', str(disk)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        reason = f'cannot mount a tmpfs here (needs root): {done.stderr.strip()}'
        if os.environ.get('CI') == 'true':
            pytest.fail(reason)
        pytest.skip(reason)
    yield str(disk)
    subprocess.run(['umount', '-l', str(disk)], check=True)


def _free_bytes(path: str) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


@pytest.mark.parametrize('component', [SPLITTER, AUGMENTER, INPUT_GEN])
def test_a_full_disk_fails_cleanly_holds_no_file_and_a_rerun_succeeds_once_space_is_freed(
    tmp_path, small_disk, component
):
    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': RECORDS})
    filler = os.path.join(small_disk, 'filler')
    with open(filler, 'wb') as f:
        f.write(b'\0' * FILLER)
    free_before = _free_bytes(small_disk)

    with pytest.raises(Exception, match='No space left on device') as failure:
        run(component, examples, os.path.join(small_disk, 'out'), **PROPS.get(component, {}))
    assert os.listdir(os.path.join(small_disk, 'out')) == []
    assert open_files_under(small_disk) == []
    assert _free_bytes(small_disk) == free_before  # the failed run holds no space

    os.remove(filler)
    out = run(component, examples, os.path.join(small_disk, 'rerun'), **PROPS.get(component, {}))
    written = [r for split in OUTPUT_SPLITS[component] for r in read_split(out.uri, split)]
    assert len(written) == len(RECORDS)
    if component != AUGMENTER:  # the augmenter adds its provenance feature to every example
        assert sorted(written) == sorted(RECORDS)
    assert open_files_under(small_disk) == []
    assert failure.value is not None  # the failure's traceback was alive all along
