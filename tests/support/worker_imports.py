"""What a multi-processing Beam worker imports to run an executor's job.

A ``--direct_running_mode=multi_processing`` worker is a fresh Python process: it imports
``apache_beam``, then whatever the pickled functions of the job's stages need when it unpickles
them. ``worker_modules`` runs an executor's ``Do`` in-process (on small data), keeps the
pickled ``DoFn`` and ``CombineFn`` payloads of the pipeline it runs, unpickles them in a fresh
interpreter as a worker does, and returns the modules that interpreter then holds.
"""

import json
import os
import pickle
import subprocess
import sys
import tempfile

_UNPICKLE = """
import json, pickle, sys
from apache_beam.internal import pickler
before = set(sys.modules)
with open(sys.argv[1], 'rb') as f:
    payloads = pickle.load(f)
for payload in payloads:
    pickler.loads(payload)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def pickled_payloads(pipeline_proto) -> list:
    """The pickled functions of every ParDo and Combine of a ``Pipeline`` proto."""
    from apache_beam.portability import common_urns, python_urns
    from apache_beam.portability.api import beam_runner_api_pb2

    combines = {
        common_urns.composites.COMBINE_PER_KEY.urn,
        common_urns.composites.COMBINE_GLOBALLY.urn,
    }
    payloads = []
    for transform in pipeline_proto.components.transforms.values():
        spec = transform.spec
        if spec.urn == common_urns.primitives.PAR_DO.urn:
            do_fn = beam_runner_api_pb2.ParDoPayload.FromString(spec.payload).do_fn
            if do_fn.urn == python_urns.PICKLED_DOFN_INFO:
                payloads.append(do_fn.payload)
        elif spec.urn in combines:
            combine_fn = beam_runner_api_pb2.CombinePayload.FromString(spec.payload).combine_fn
            if combine_fn.urn == python_urns.PICKLED_COMBINE_FN:
                payloads.append(combine_fn.payload)
    return payloads


def run_capturing(executor_cls, input_dict, output_dict, exec_properties) -> list:
    """Runs ``executor_cls().Do(...)`` in-process; returns the ``Pipeline`` protos it ran."""
    protos = []

    class Capturing(executor_cls):
        def _make_beam_pipeline(self):
            pipeline = super()._make_beam_pipeline()
            run = pipeline.run

            def run_and_keep(*args, **kwargs):
                protos.append(pipeline.to_runner_api())
                return run(*args, **kwargs)

            pipeline.run = run_and_keep
            return pipeline

    Capturing().Do(input_dict, output_dict, exec_properties)
    return protos


def modules_after_unpickling(payloads) -> set:
    """The modules a fresh interpreter imports (beyond ``apache_beam``) to unpickle ``payloads``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'payloads.pickle')
        with open(path, 'wb') as f:
            pickle.dump(list(payloads), f)
        done = subprocess.run(
            [sys.executable, '-c', _UNPICKLE, path],
            capture_output=True,
            text=True,
            env={**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'},
        )
    assert done.returncode == 0, f'unpickling failed:\n{done.stderr[-3000:]}'
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def worker_modules(executor_cls, input_dict, output_dict, exec_properties) -> set:
    """The modules a multi-processing worker imports to run the executor's job (see above)."""
    protos = run_capturing(executor_cls, input_dict, output_dict, exec_properties)
    assert protos, f'{executor_cls.__name__}.Do ran no Beam pipeline'
    return modules_after_unpickling(p for proto in protos for p in pickled_payloads(proto))


def job_modules(executor_cls, tmp_path, records, exec_properties) -> set:
    """``worker_modules`` of ``executor_cls`` run on a ``train`` split of ``records``."""
    from tests.support.examples import make_examples_artifact, new_output
    from tfx_balance.core.common import keys

    examples = make_examples_artifact(str(tmp_path / 'in'), {'train': records})
    return worker_modules(
        executor_cls,
        {keys.INPUT_EXAMPLES_KEY: [examples]},
        {keys.EXAMPLES_KEY: [new_output(str(tmp_path / 'out'))]},
        exec_properties,
    )


def top_level(modules) -> set:
    return {name.split('.')[0] for name in modules}


TFX_FAMILY = {
    'tfx',
    'tensorflow_data_validation',
    'tensorflow_transform',
    'tensorflow_model_analysis',
}


def package_modules_outside_core(modules) -> set:
    """The tfx-balance modules in ``modules`` that are not in ``core/`` (nor ``keys``)."""
    allowed = ('tfx_balance.core', 'tfx_balance.core.common.keys')
    return {m for m in modules if m.startswith('tfx_balance.') and not m.startswith(allowed)}
