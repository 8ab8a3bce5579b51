"""One job of the gate_intervals section: TFX's Evaluator executor on a finished taxi sample run's
Evaluator inputs (its test split, the balanced model and the baseline), with the sample's
EvalConfig with or without ``confidence``; prints the executor's wall seconds as JSON.

    python -m benchmarks.gate_intervals.jobs --run benchmarks/_work/gate_intervals/taxi \\
        --confidence 0.95 --out /tmp/evaluation
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time

from benchmarks.common.pipeline_run import find_metadata


def evaluator_inputs(run_dir: str) -> dict:
    """``{input key: artifact uri}`` of the latest Evaluator execution recorded in the run's MLMD
    (keys ``examples``, ``model``, ``baseline_model``)."""
    db = sqlite3.connect(f'file:{find_metadata(run_dir)}?mode=ro', uri=True)
    try:
        (execution_id,) = db.execute(
            'SELECT e.id FROM Execution e JOIN Association a ON a.execution_id = e.id '
            'JOIN Context c ON c.id = a.context_id WHERE c.name LIKE ? '
            'ORDER BY e.id DESC LIMIT 1',
            ('%.Evaluator',),
        ).fetchone()
        rows = db.execute(
            'SELECT p.step_key, a.uri FROM Event v JOIN EventPath p ON p.event_id = v.id '
            'JOIN Artifact a ON a.id = v.artifact_id WHERE v.execution_id = ? AND v.type = 3 '
            'AND p.is_index_step = 0',
            (execution_id,),
        ).fetchall()  # Event.Type 3: INPUT
    finally:
        db.close()
    return dict(rows)


def run_evaluator(run_dir: str, confidence: float | None, out_dir: str) -> float:
    """Seconds of the Evaluator executor's ``Do`` on the run's inputs."""
    from google.protobuf import json_format
    from tfx.components.evaluator.executor import Executor
    from tfx.types import artifact_utils, standard_artifacts

    from pipelines.common.pipeline import eval_config
    from pipelines.taxi.pipeline import sample

    uris = evaluator_inputs(run_dir)
    examples = standard_artifacts.Examples()
    examples.uri = uris['examples']
    splits = sorted(d[len('Split-') :] for d in os.listdir(examples.uri) if d.startswith('Split-'))
    examples.split_names = artifact_utils.encode_split_names(splits)
    models = {}
    for number, key in enumerate(('model', 'baseline_model'), start=1):
        models[key] = standard_artifacts.Model()
        models[key].uri, models[key].id = uris[key], number
    evaluation, blessing = standard_artifacts.ModelEvaluation(), standard_artifacts.ModelBlessing()
    evaluation.uri, blessing.uri = (
        os.path.join(out_dir, 'evaluation'),
        os.path.join(out_dir, 'blessing'),
    )
    config = eval_config(sample(confidence=confidence))
    started = time.perf_counter()
    Executor().Do(
        {
            'examples': [examples],
            'model': [models['model']],
            'baseline_model': [models['baseline_model']],
        },
        {'evaluation': [evaluation], 'blessing': [blessing]},
        {'eval_config': json_format.MessageToJson(config), 'example_splits': json.dumps(['test'])},
    )
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--run', required=True)
    parser.add_argument('--confidence', default='none')
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    confidence = None if args.confidence == 'none' else float(args.confidence)
    seconds = run_evaluator(args.run, confidence, args.out)
    blessed = os.path.exists(os.path.join(args.out, 'blessing', 'BLESSED'))
    print(json.dumps({'seconds': seconds, 'blessed': blessed}))


if __name__ == '__main__':
    main()
