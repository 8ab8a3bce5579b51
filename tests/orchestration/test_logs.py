"""tfx_balance.orchestration.logs: which records the quiet console shows, the error message of a failed run, and
capturing file-descriptor output (C++ logs, subprocesses) to a file."""

import logging
import os
import subprocess
import sys

from tfx_balance.core.common.errors import DataError
from tfx_balance.orchestration import logs

SITE = os.path.join(os.sep, 'venv', 'lib', 'python3.10', 'site-packages')


def record(pathname: str, level: int, name: str = 'absl') -> logging.LogRecord:
    return logging.LogRecord(name, level, pathname, 1, 'message', None, None)


def test_quiet_filter_shows_own_and_user_records_and_drops_third_party_ones():
    own = os.path.join(logs.PACKAGE_DIR, 'stratified_splitter', 'executor.py')
    keep = logs.OwnRecords(level=logging.INFO)
    assert keep.filter(record(own, logging.INFO))
    assert not keep.filter(record(own, logging.DEBUG))
    assert keep.filter(record('/home/me/project/pipeline.py', logging.INFO, name='root'))
    tfx_launcher = os.path.join(SITE, 'tfx', 'orchestration', 'portable', 'launcher.py')
    assert not keep.filter(record(tfx_launcher, logging.ERROR))  # "Execution 5 failed."
    assert not keep.filter(record(tfx_launcher, logging.WARNING))
    assert keep.filter(record(tfx_launcher, logging.CRITICAL))
    assert keep.filter(record(os.path.join(SITE, 'x.py'), logging.INFO, name='tfx_balance.x'))


def test_error_message_is_the_tfx_balance_error_inside_beam_wrapping():
    try:
        try:
            raise DataError("label_feature 'label' not found [while running 'Split/Read']")
        except DataError as error:
            raise RuntimeError('Beam: the pipeline failed') from error
    except RuntimeError as wrapped:
        assert logs.error_message(wrapped) == "DataError: label_feature 'label' not found"
    assert logs.error_message(KeyError('x')) == "KeyError: 'x'"


def test_capture_output_sends_file_descriptor_and_subprocess_output_to_the_file(tmp_path):
    path = str(tmp_path / 'run.log')
    with logs.capture_output(path):
        os.write(1, b'fd 1\n')
        os.write(2, b'fd 2\n')
        subprocess.run([sys.executable, '-c', 'print("child")'], check=True)
    with open(path) as f:
        assert f.read().splitlines() == ['fd 1', 'fd 2', 'child']
