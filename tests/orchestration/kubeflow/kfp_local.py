"""``make kfp-local``: every task of the compiled digits ``pipeline.yaml``, run in the image.

With a running Docker daemon, this compiles the digits sample for Kubeflow, builds the image
(``make image``; first ``tools/standin_base.sh`` makes a local stand-in base if the real one cannot
be pulled: tests only, never pushed), and runs each task of the spec in dependency order as
``docker run --entrypoint <command[0]> IMAGE <command[1:]> <args>``: the task's own command and
args from the spec, with ``{{$}}`` replaced by the ExecutorInput the KFP v2 driver would give it
(parameter constants from the spec, input artifacts as the upstream tasks' executors reported
them, one output artifact per output definition under the pipeline root). The pipeline root is a
local folder mounted at the same path in every container; the executor output file is
``/tmp/kfp_outputs/output_metadata.json``, as in a KFP pod. Output URIs are
``<pipeline_root>/<task>/<key>/1`` (the LocalDagRunner layout, so one reader serves both runs).

The same pipeline runs under LocalDagRunner meanwhile, in its own process; then it compares: split
counts, augmented counts and validator verdicts identical, each model's macro recall within
``RECALL_TOLERANCE``. ``--local-run ROOT`` takes a finished LocalDagRunner run instead, that of
``make demo`` (``python -m pipelines.digits.run_local --root ROOT``: the same pipeline with the
same arguments, default steps and seed 0): the tasks read its data (``ROOT/data``, copied into
the work folder) and are compared with its ``summary.json`` (the tests run the demo once for
both).

Usage: python -m tests.orchestration.kubeflow.kfp_local [--work runs/kfp-local] [--image TAG] [--no-build]
       [--local-run ROOT]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
IMAGE = 'tfx-balance:kfp-local'
RECALL_TOLERANCE = 0.02
PLACEHOLDER = '{{$}}'
OUTPUT_METADATA_DIR = '/tmp/kfp_outputs'  # where the KFP v2 launcher has the executor write
BEAM_ARGS = ['--direct_num_workers=1']  # in-process DirectRunner in each step (2-core machines)
PARALLEL_TASKS = 2  # independent tasks run at once, as KFP runs them
LOCAL_SUMMARY = 'local_summary.json'
HTML_REPORTS = 'html_reports'  # <work>/html_reports/<task>.html: the tasks' system.HTML artifacts


def docker_problem() -> str | None:
    """Why Docker cannot be used here, or None when a daemon answers."""
    if shutil.which('docker') is None:
        return 'no docker CLI on PATH'
    out = subprocess.run(['docker', 'info'], capture_output=True, text=True)
    if out.returncode != 0:
        return 'no Docker daemon answers `docker info`: ' + out.stderr.strip()[-300:]
    return None


def build_image(image: str) -> float:
    """The stand-in base if needed, then ``make image``; returns seconds spent."""
    started = time.time()
    subprocess.run(['bash', os.path.join(ROOT, 'tools', 'standin_base.sh')], cwd=ROOT, check=True)
    subprocess.run(
        ['make', '--no-print-directory', 'image', f'IMAGE={image}'], cwd=ROOT, check=True
    )
    return time.time() - started


def task_order(spec: dict) -> list:
    """Task names in dependency order (upstream first; ties by name)."""
    tasks = spec['root']['dag']['tasks']
    done, order = set(), []
    while len(order) < len(tasks):
        ready = sorted(
            name
            for name, task in tasks.items()
            if name not in done and set(task.get('dependentTasks', [])) <= done
        )
        if not ready:
            raise ValueError(f'cycle among tasks {sorted(set(tasks) - done)}')
        order += ready
        done.update(ready)
    return order


def component_of(spec: dict, task: str) -> dict:
    return spec['components'][spec['root']['dag']['tasks'][task]['componentRef']['name']]


def container_of(spec: dict, task: str) -> dict:
    label = component_of(spec, task)['executorLabel']
    return spec['deploymentSpec']['executors'][label]['container']


def executor_input(spec: dict, task: str, produced: dict, output_root: str) -> dict:
    """The ExecutorInput of ``task``. ``produced[(task, key)]`` is the RuntimeArtifact (dict) an
    upstream executor reported in its ExecutorOutput; outputs go under ``output_root``."""
    node = spec['root']['dag']['tasks'][task]
    component = component_of(spec, task)
    parameters = {}
    for key, value in node.get('inputs', {}).get('parameters', {}).items():
        if 'constant' not in value.get('runtimeValue', {}):
            raise ValueError(f'{task}.{key}: only constant parameters are supported: {value}')
        parameters[key] = value['runtimeValue']['constant']
    artifacts = {}
    for key, value in node.get('inputs', {}).get('artifacts', {}).items():
        source = value['taskOutputArtifact']
        upstream = dict(produced[(source['producerTask'], source['outputArtifactKey'])])
        upstream['type'] = component['inputDefinitions']['artifacts'][key]['artifactType']
        artifacts[key] = {'artifacts': [upstream]}
    outputs = {
        key: {
            'artifacts': [
                {
                    'name': f'{task}.{key}',
                    'type': definition['artifactType'],
                    'uri': os.path.join(output_root, task, key, '1'),
                }
            ]
        }
        for key, definition in component.get('outputDefinitions', {}).get('artifacts', {}).items()
    }
    return {
        'inputs': {'parameterValues': parameters, 'artifacts': artifacts},
        'outputs': {
            'artifacts': outputs,
            'outputFile': f'{OUTPUT_METADATA_DIR}/output_metadata.json',
        },
    }


class TaskFailed(RuntimeError):
    """A task's container exited with an error; ``error`` is the error line of its log."""

    def __init__(self, message: str, error: str):
        super().__init__(message)
        self.error = error


def error_line(log: str) -> str:
    """The last ``SomeError: message`` of a task's log (to the first blank line), without the
    module path."""
    found = re.findall(r'^(?:[\w.]+\.)?(\w+(?:Error|Exception): .*(?:\n.+)*)', log, re.M)
    return found[-1] if found else log.strip().splitlines()[-1] if log.strip() else ''


def run_task(spec: dict, task: str, work: str, invocation: dict, run: str = '') -> tuple:
    """``docker run`` of the task's command and args; returns (its ExecutorOutput dict, seconds).
    ``run`` names the run's folder of logs and executor outputs (periodic runs)."""
    started = time.time()
    container = container_of(spec, task)
    args = [json.dumps(invocation) if arg == PLACEHOLDER else arg for arg in container['args']]
    outputs_dir = os.path.join(work, 'kfp_outputs', run, task)
    os.makedirs(outputs_dir, exist_ok=True)
    os.chmod(outputs_dir, 0o777)
    command = container['command']
    docker = [
        'docker',
        'run',
        '--rm',
        '--network',
        'none',
        '--volume',
        f'{work}:{work}',
        '--volume',
        f'{outputs_dir}:{OUTPUT_METADATA_DIR}',
        '--entrypoint',
        command[0],
        container['image'],
        *command[1:],
        *args,
    ]
    log_path = os.path.join(work, 'logs', run, f'{task}.log')
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, 'w') as log:
        done = subprocess.run(docker, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        with open(log_path) as f:
            log = f.read()
        raise TaskFailed(
            f'task {task} failed in the image (exit {done.returncode}):\n{log[-4000:]}',
            error_line(log),
        )
    with open(os.path.join(outputs_dir, 'output_metadata.json')) as f:
        return json.load(f), time.time() - started


def compile_spec(work: str, factory, name: str, image: str, **options) -> dict:
    """The spec of ``factory``'s pipeline compiled for Kubeflow into ``<work>/compiled``, its
    pipeline root ``<work>/pipeline_root`` and its data ``<work>/data`` (``options``: the
    factory's other arguments)."""
    from tfx_balance.orchestration import kubeflow

    compiled_dir = os.path.join(work, 'compiled')
    pipeline = kubeflow.pipeline_from_factory(
        factory,
        output_dir=compiled_dir,
        name=name,
        pipeline_root=os.path.join(work, 'pipeline_root'),
        beam_args=BEAM_ARGS,
        data_root=os.path.join(work, 'data'),
        **options,
    )
    compiled = kubeflow.compile_pipeline(pipeline, compiled_dir, image=image)
    with open(compiled.yaml_path) as f:
        return yaml.safe_load(f)


def run_kfp(
    spec: dict,
    work: str,
    output_root: str,
    parallel: int = PARALLEL_TASKS,
    run: str = '',
    produced: dict | None = None,
) -> list:
    """Runs every task, each once all its upstream tasks are done, up to ``parallel`` at a time
    (KFP also runs independent tasks at once); returns the task names in the order they ended.
    A failed task raises ``TaskFailed`` once the running tasks ended, unless ``run`` is given
    (a periodic run): then, as KFP does, its downstream tasks are skipped, the others run, and
    ``produced`` (filled with ``{(task, key): artifact}``) says what ran; the failures are in
    ``produced['failed']``."""
    tasks = spec['root']['dag']['tasks']
    task_order(spec)  # no cycles
    produced = {} if produced is None else produced
    failed, order, running = {}, [], {}
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        while True:
            started = set(order) | set(running.values()) | set(failed)
            blocked = {t for t in tasks if set(tasks[t].get('dependentTasks', [])) & set(failed)}
            ready = [
                name
                for name in task_order(spec)
                if name not in started | blocked
                and set(tasks[name].get('dependentTasks', [])) <= set(order)
            ]
            for task in ready[: parallel - len(running)]:
                invocation = executor_input(spec, task, produced, output_root)
                running[pool.submit(run_task, spec, task, work, invocation, run)] = task
            if not running:
                break
            finished, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in finished:
                task = running.pop(future)
                try:
                    result, seconds = future.result()
                except TaskFailed as e:
                    if not run:
                        raise
                    failed[task] = e.error
                    print(f'kfp-local: {run} {task} failed: {e.error[:300]}', flush=True)
                    continue
                for key, artifact_list in result.get('artifacts', {}).items():
                    (artifact,) = artifact_list['artifacts']
                    produced[(task, key)] = artifact
                order.append(task)
                print(
                    f'kfp-local: {run + " " if run else ""}[{len(order)}/{len(tasks)}] {task} '
                    f'ran in the image ({seconds:.0f}s)',
                    flush=True,
                )
    produced['failed'] = failed
    return order


def collect_html_reports(spec: dict, pipeline_root: str, work: str) -> dict:
    """``{task: path}``: each task's ``html_report`` (the system.HTML artifact the KFP and Vertex
    AI run pages draw; its URI is the page) copied to ``<work>/html_reports/<task>.html``."""
    from tfx_balance.core.common import keys

    found = {}
    for task in spec['root']['dag']['tasks']:
        outputs = component_of(spec, task).get('outputDefinitions', {}).get('artifacts', {})
        if keys.HTML_REPORT_KEY not in outputs:
            continue
        source = os.path.join(pipeline_root, task, keys.HTML_REPORT_KEY, '1')
        if os.path.isfile(source):
            found[task] = os.path.join(work, HTML_REPORTS, f'{task}.html')
            os.makedirs(os.path.dirname(found[task]), exist_ok=True)
            shutil.copyfile(source, found[task])
    return found


def comparable(summary: dict) -> dict:
    """What must be identical between the two runs."""
    return {
        'stages': summary['stages'],
        'validators': [(v['name'], v['passed']) for v in summary['validators']],
    }


def compare(kfp: dict, local: dict) -> list:
    """Differences between the KFP-in-image run and the LocalDagRunner run (empty: they match)."""
    problems = []
    a, b = comparable(kfp), comparable(local)
    for key in a:
        if a[key] != b[key]:
            problems.append(f'{key} differ: kfp {a[key]} vs local {b[key]}')
    for model, recall in local['macro_recall'].items():
        if abs(kfp['macro_recall'][model] - recall) > RECALL_TOLERANCE:
            problems.append(
                f'{model} macro recall {kfp["macro_recall"][model]:.4f} (kfp) vs {recall:.4f} '
                f'(local): more than {RECALL_TOLERANCE} apart'
            )
    return problems


def start_local_run(work: str):
    """Writes the data into ``<work>/data`` and starts the LocalDagRunner run reading it, in its
    own process, beside the tasks; returns a function that waits for it and returns its summary
    (None when it failed, after printing the end of its log)."""
    from pipelines.digits import dataset

    dataset.write_imbalanced_digits(os.path.join(work, 'data'), seed=0)
    command = [
        sys.executable,
        '-m',
        'tests.orchestration.kubeflow.kfp_local',
        '--work',
        work,
        '--local-only',
    ]
    return start_beside(work, command, os.path.join(work, LOCAL_SUMMARY))


def start_beside(work: str, command: list, summary_path: str):
    """Starts ``command`` (a LocalDagRunner run) in its own process, its log in
    ``<work>/local.log``; returns a function that waits for it and returns the JSON at
    ``summary_path`` (None when it failed, after printing the end of its log), whose ``stop``
    kills it (when the tasks' side fails first)."""
    log_path = os.path.join(work, 'local.log')
    with open(log_path, 'w') as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def summary():
        if process.wait() != 0:
            with open(log_path) as f:
                print(f.read()[-5000:], file=sys.stderr)
            return None
        with open(summary_path) as f:
            return json.load(f)

    summary.stop = process.kill
    return summary


def finished_local_run(root: str, work: str):
    """``make demo``'s finished run in ``root``: its data is copied into ``<work>/data``, so that
    the tasks read the examples it read; returns a function that returns its summary."""
    shutil.copytree(os.path.join(root, 'data'), os.path.join(work, 'data'))

    def summary():
        with open(os.path.join(root, 'summary.json')) as f:
            return json.load(f)

    return summary


def run_local(work: str) -> dict:
    """The same pipeline under LocalDagRunner (reading ``<work>/data``); returns its summary."""
    from pipelines.common import local
    from pipelines.digits.pipeline import LABEL, TRAIN_STEPS, create_pipeline

    return local.run(
        os.path.join(work, 'local'),
        create_pipeline,
        {'title': 'local', 'description': '', 'label_feature': LABEL},
        data_root=os.path.join(work, 'data'),
        train_steps=TRAIN_STEPS,
        seed=0,
    )


PERIODIC_COMPARED = (
    'span',
    'generation',
    'committed',
    'pinned',
    'window',
    'laid_out',
    'trainer_window',
    'class_counts',
    'split_groups',
    'groups_in_two_splits',
    'drift',
    'trained',
)


def start_local_periodic(work: str, spans: int, shifted: int, rerun: dict, training: bool):
    """The periodic sample's LocalDagRunner run of the same spans (``run_local``; ``rerun``:
    ``spans.schedule``'s ``rerun``, ``late`` and ``again``), in its own
    process beside the tasks; returns a function that waits for it and returns its summaries."""
    from pipelines.periodic import spans as span_data

    root = os.path.join(work, 'local')
    command = [sys.executable, '-m', 'pipelines.periodic.run_local', '--root', root]
    command += ['--spans', str(spans), '--shifted-span', str(shifted)]
    command += span_data.schedule_args(**rerun)
    command += [] if training else ['--no-training']
    return start_beside(work, command, os.path.join(root, 'summary.json'))


def run_periodic(work: str, image: str, spans: int, shifted: int, rerun: dict, training: bool):
    """The periodic sample compiled for Kubeflow, its tasks run span after span in the image
    (each run's outputs under ``pipeline_root/run-<n>/``, one history under
    ``pipeline_root/history``); returns ``(kfp summaries, local summaries)``."""
    from pipelines.periodic.pipeline import PIPELINE_NAME
    from pipelines.periodic.run_kubeflow import create_pipeline_for_kubeflow

    local_summaries = start_local_periodic(work, spans, shifted, rerun, training)
    data_root, pipeline_root = os.path.join(work, 'data'), os.path.join(work, 'pipeline_root')
    spec = compile_spec(work, create_pipeline_for_kubeflow, PIPELINE_NAME, image, training=training)
    try:
        summaries = _run_spans(spec, work, data_root, pipeline_root, spans, shifted, rerun)
    except BaseException:
        local_summaries.stop()
        raise
    return summaries, local_summaries()


def _run_spans(spec, work, data_root, pipeline_root, spans, shifted, rerun) -> list:
    """Each span's data written as it arrives, then the spec's tasks of its run."""
    from pipelines.periodic import report
    from pipelines.periodic import spans as span_data

    summaries, groups = [], {}
    for n, span in enumerate(span_data.schedule(spans, **rerun), 1):
        span_data.arrive(span, data_root, shifted)
        os.makedirs(pipeline_root, exist_ok=True)
        for path, _dirs, _files in os.walk(work):  # the image's user (uid 10001) writes there
            os.chmod(path, 0o777)
        produced, run = {}, f'run-{n}'
        run_kfp(spec, work, os.path.join(pipeline_root, run), run=run, produced=produced)
        failed = produced.pop('failed')
        outputs = {key: artifact['uri'] for key, artifact in produced.items()}
        stopped = next(iter(failed.values()), None)
        summary = report.span_summary(span, outputs, stopped, groups)
        summaries.append(summary)
        print(f'kfp-local: {run}: {report.format_run(summary)}', flush=True)
    return summaries


def compare_periodic(kfp: list, local: list) -> list:
    """Differences of the compared fields, run by run (empty: identical)."""
    if len(kfp) != len(local):
        return [f'{len(kfp)} runs in the image, {len(local)} under LocalDagRunner']
    problems = []
    for a, b in zip(kfp, local):
        for key in PERIODIC_COMPARED:
            if a.get(key) != b.get(key):
                problems.append(f'span {a["span"]} {key}: kfp {a.get(key)} vs local {b.get(key)}')
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work', default=os.path.join(ROOT, 'runs', 'kfp-local'))
    parser.add_argument('--image', default=IMAGE)
    parser.add_argument('--no-build', action='store_true', help='use --image as it is')
    parser.add_argument(
        '--local-run',
        metavar='ROOT',
        help='compare with this finished run of make demo (python -m pipelines.digits.run_local '
        '--root ROOT; its data is used) instead of running the pipeline locally as well',
    )
    parser.add_argument(
        '--periodic',
        type=int,
        metavar='SPANS',
        help='run the periodic sample for spans 1..SPANS instead of the digits sample',
    )
    parser.add_argument('--shifted-span', type=int, default=None, help='with --periodic')
    parser.add_argument('--rerun', type=int, action='append', default=[], help='with --periodic')
    parser.add_argument('--late', type=int, action='append', default=[], help='with --periodic')
    parser.add_argument('--again', type=int, action='append', default=[], help='with --periodic')
    parser.add_argument('--no-training', dest='training', action='store_false')
    parser.add_argument('--local-only', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work = os.path.abspath(args.work)
    if args.local_only:  # the LocalDagRunner side, run beside the tasks in its own process
        with open(os.path.join(work, LOCAL_SUMMARY), 'w') as f:
            json.dump(run_local(work), f, indent=2)
        return 0
    problem = docker_problem()
    if problem:
        print(f'kfp-local: cannot run: {problem}', file=sys.stderr)
        return 2

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if not args.no_build:
        print(f'kfp-local: image {args.image} built in {build_image(args.image):.0f}s', flush=True)
    if args.periodic:
        return main_periodic(work, args)

    from pipelines.common import summary
    from pipelines.digits.pipeline import LABEL, PIPELINE_NAME
    from pipelines.digits.run_kubeflow import create_pipeline_for_kubeflow

    started = time.time()
    if args.local_run:
        local_summary_of = finished_local_run(os.path.abspath(args.local_run), work)
    else:
        local_summary_of = start_local_run(work)
    pipeline_root = os.path.join(work, 'pipeline_root')
    spec = compile_spec(work, create_pipeline_for_kubeflow, PIPELINE_NAME, args.image)
    for path, _dirs, _files in os.walk(work):  # the image's user (uid 10001) writes under the mount
        os.chmod(path, 0o777)

    order = run_kfp(spec, work, pipeline_root)
    pictures = collect_html_reports(spec, pipeline_root, work)
    print(f'kfp-local: {len(pictures)} HTML reports in {os.path.join(work, HTML_REPORTS)}')
    kfp_summary = summary.collect(
        pipeline_root, title='kfp-local', description='', label_feature=LABEL
    )
    local_summary = local_summary_of()
    if local_summary is None:
        print('kfp-local: the LocalDagRunner run failed', file=sys.stderr)
        return 1
    with open(os.path.join(work, 'summaries.json'), 'w') as f:
        json.dump({'kfp': kfp_summary, 'local': local_summary}, f, indent=2)
    problems = compare(kfp_summary, local_summary)
    if problems:
        print('kfp-local: outputs differ from the local run:', *problems, sep='\n  ')
        return 1
    recall = ', '.join(f'{m} {r:.4f}' for m, r in kfp_summary['macro_recall'].items())
    print(f'kfp-local: both runs {time.time() - started:.0f}s; macro recall {recall}')
    print(
        f'kfp-local: {len(order)}/{len(spec["root"]["dag"]["tasks"])} tasks ran in the image; '
        'outputs match the local run'
    )
    return 0


def main_periodic(work: str, args) -> int:
    from pipelines.periodic import spans as span_data

    shifted = span_data.SHIFTED_SPAN if args.shifted_span is None else args.shifted_span
    started = time.time()
    rerun = {'rerun': args.rerun, 'late': args.late, 'again': args.again}
    kfp, local = run_periodic(work, args.image, args.periodic, shifted, rerun, args.training)
    if local is None:
        print('kfp-local: the LocalDagRunner run failed', file=sys.stderr)
        return 1
    with open(os.path.join(work, 'summaries.json'), 'w') as f:
        json.dump({'kfp': kfp, 'local': local}, f, indent=1)
    problems = compare_periodic(kfp, local)
    for n, (a, b) in enumerate(zip(kfp, local), 1):
        same = [key for key in PERIODIC_COMPARED if a.get(key) == b.get(key)]
        print(
            f'kfp-local: run-{n}, span {a["span"]}: {len(same)}/{len(PERIODIC_COMPARED)} identical '
            f'(generation {a["generation"]} -> {a["committed"] or "nothing"}, window '
            f'{a["window"]}, drift {a["drift"].split(" (")[0]}); blessed kfp '
            f'{a.get("blessed")} local {b.get("blessed")}'
        )
    if problems:
        print('kfp-local: the periodic runs differ from the local ones:', *problems, sep='\n  ')
        return 1
    print(
        f'kfp-local: {len(kfp)} periodic runs in the image ({time.time() - started:.0f}s): '
        f'{", ".join(PERIODIC_COMPARED)} identical to the LocalDagRunner runs'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
