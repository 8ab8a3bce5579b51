"""The image as a Beam SDK worker: StratifiedSplitter, BalancedAugmenter and BalancedInputGen on
Beam's portable runner (``--runner=PortableRunner --job_endpoint=embed --environment_type=EXTERNAL
--environment_config=localhost:<port>``) with a worker pool (``python -m
apache_beam.runners.worker.worker_pool_main``) in separate host processes, and served from the
image (``docker run --network host``, the way Flink on Kubernetes runs Beam Python workers beside
the task manager). Outputs must equal the DirectRunner's by content."""

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.reliability.runners import BEAM_COMPONENTS, run, sharded_artifact
from tests.support.artifacts import read_json
from tests.support.examples import example

pytestmark = pytest.mark.e2e

WORKER_POOL = 'apache_beam.runners.worker.worker_pool_main'
TIME_LIMIT = 900  # seconds for the three components on one worker pool
# 3 classes of 12, 5 and 3 examples, two float features each.
RECORDS = [
    example(label=name, x=[float(i), i / 3.0], y=[float(i % 4)])
    for i, name in enumerate(['a'] * 12 + ['b'] * 5 + ['c'] * 3)
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('localhost', 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process_alive, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not process_alive():
            raise RuntimeError(f'the worker pool on port {port} exited before it listened')
        with contextlib.suppress(OSError), socket.create_connection(('localhost', port), 1):
            return
        time.sleep(0.5)
    raise TimeoutError(f'no worker pool listening on localhost:{port} after {seconds}s')


@contextlib.contextmanager
def _time_limit(seconds: int):
    """A job whose SDK workers die waits for them forever: fail after ``seconds`` instead."""

    def expired(signum, frame):
        raise TimeoutError(f'the portable-runner jobs did not finish within {seconds}s')

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def portable_args(port: int) -> list:
    return [
        '--runner=PortableRunner',
        '--job_endpoint=embed',
        '--environment_type=EXTERNAL',
        f'--environment_config=localhost:{port}',
    ]


def content(uri: str) -> dict:
    """JSON documents by relative path, and each split's records as a multiset."""
    import tensorflow as tf

    result = {}
    for root, _, files in os.walk(uri):
        for name in files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, uri)
            if name.endswith('.json'):
                result[rel] = read_json(path)
            elif not name.startswith('.'):
                split = rel.split(os.sep)[0]
                records = result.setdefault(split, collections.Counter())
                for record in tf.data.TFRecordDataset(path, compression_type='GZIP'):
                    records[bytes(record.numpy())] += 1
    return result


def run_all(root: str, beam_args=None) -> dict:
    """Each Beam component's output content, run with ``beam_args`` (None: the DirectRunner)."""
    from tfx.dsl.components.base import base_beam_executor

    context = base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=beam_args or [])
    examples = sharded_artifact(os.path.join(root, 'in'), RECORDS, shards=2)
    old_umask = os.umask(0)  # a worker in the image runs as another user and writes here
    try:
        return {
            component: content(run(component, examples, os.path.join(root, component), context).uri)
            for component in BEAM_COMPONENTS
        }
    finally:
        os.umask(old_umask)


@pytest.fixture(scope='module')
def direct_output(tmp_path_factory):
    return run_all(str(tmp_path_factory.mktemp('direct')))


def test_direct_output_has_every_component(direct_output):
    assert set(direct_output) == set(BEAM_COMPONENTS)
    assert sum(direct_output['StratifiedSplitter']['Split-train'].values()) > 0
    for output in direct_output.values():
        assert any(name.endswith('.json') for name in output)


def test_worker_pool_in_host_processes_gives_the_direct_runner_output(tmp_path, direct_output):
    port = _free_port()
    # The pool starts each SDK worker as `python -c ...`: this interpreter must be `python`.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ['PATH'])
    pool = subprocess.Popen(
        [sys.executable, '-m', WORKER_POOL, f'--service_port={port}'],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, lambda: pool.poll() is None)
        with _time_limit(TIME_LIMIT):
            assert run_all(str(tmp_path), portable_args(port)) == direct_output
    finally:
        pool.terminate()
        pool.wait(30)


def test_worker_pool_served_from_the_image_gives_the_direct_runner_output(
    image, tmp_path, direct_output
):
    port = _free_port()
    os.chmod(tmp_path, 0o777)
    name = f'tfx-balance-worker-pool-{port}'
    subprocess.run(
        [
            'docker', 'run', '--detach', '--rm', '--name', name, '--network', 'host',
            '--volume', f'{tmp_path}:{tmp_path}', '--entrypoint', 'python', image,
            '-m', WORKER_POOL, f'--service_port={port}',
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip

    def alive() -> bool:
        out = subprocess.run(['docker', 'inspect', '-f', '{{.State.Running}}', name],
                             capture_output=True, text=True)  # fmt: skip
        return out.stdout.strip() == 'true'

    try:
        _wait_for_port(port, alive)
        with _time_limit(TIME_LIMIT):
            assert run_all(str(tmp_path), portable_args(port)) == direct_output
        # The workers ran in the container: it wrote (as its user) what the host reads back.
        owners = {os.stat(os.path.join(r, f)).st_uid for r, _, fs in os.walk(tmp_path) for f in fs}
        assert 10001 in owners
    finally:
        subprocess.run(['docker', 'rm', '--force', name], capture_output=True)
