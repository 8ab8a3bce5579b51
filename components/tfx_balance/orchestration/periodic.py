"""``tfx_balance.periodic``: a one-shot pipeline's components made periodic, the same on
LocalDagRunner, Kubeflow Pipelines 2 and Vertex AI (no Resolver).

LookBack runs first (pins the history, copies the latest blessed model); CommitSpan commits the
span once every other task succeeded (a Pusher waits for it). The history goes to the splitter
(the last ``horizon`` spans' assignments), the drift check (the last span's statistics),
LeakageCheck and BalancedInputGen (the window's key indexes and layouts), and the served
Trainer and Evaluator (the latest blessed model). ExampleGen, Trainer, Evaluator and Transform
get ``tfx_executors``' executors. docs/continuous_training.md.

Example::

    components = [example_gen, statistics_gen, drift_check, splitter, leakage, layout,
                  trainer, evaluator, pusher]
    pipeline = tfx.dsl.Pipeline(
        pipeline_name='taxi',
        pipeline_root=root,
        components=tfx_balance.periodic(
            components, history_root='gs://bucket/history/taxi', pipeline_name='taxi'
        ),
        enable_cache=False,
    )
"""

from __future__ import annotations

from typing import List, Sequence

from tfx.dsl.components.common import resolver

from tfx_balance.commit_span.component import CommitSpan
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.history import DEFAULT_HORIZON, DEFAULT_LATENESS, DEFAULT_WINDOW
from tfx_balance.look_back.component import LookBack
from tfx_balance.orchestration import tfx_executors

LOOK_BACK_ID = 'LookBack'
COMMIT_ID = 'CommitSpan'
IDENTITY = ('label_feature', 'splits', 'seed', 'group_feature')  # the splitter's
# and, only where set (a history written without them keeps its identity), these
OPTIONAL_IDENTITY = ('stratify_features',)


def periodic(
    components: Sequence,
    history_root: str,
    pipeline_name: str,
    horizon: int = DEFAULT_HORIZON,
    window: int = DEFAULT_WINDOW,
    lateness: int = DEFAULT_LATENESS,
) -> List:
    """``components`` with LookBack first and CommitSpan after all but the Pushers (which wait
    for it), wired to the history at ``history_root`` (one folder per pipeline).

    Args:
      components: a one-shot pipeline's components, with exactly one StratifiedSplitter and no
        Resolver.
      history_root: the history's folder (local, mounted, gs:// or s3://).
      pipeline_name: the pipeline's name, recorded in the history (another pipeline's history is
        refused).
      horizon: spans whose units keep their split.
      window: spans LeakageCheck and the training window read, this run's included; at most
        ``horizon``.
      lateness: how late a span may arrive and still be split: at most that many accepted spans
        newer than it. The history keeps ``max(horizon, window) + lateness`` spans.

    Raises:
      ConfigError: a Resolver among ``components``, not exactly one StratifiedSplitter, or a
        ``window`` larger than ``horizon``.
    """
    components = list(components)
    resolvers = [c.id for c in components if isinstance(c, resolver.Resolver)]
    if resolvers:
        raise ConfigError(
            f'periodic(): the history replaces Resolvers, which Kubeflow Pipelines does not run; '
            f'remove {", ".join(resolvers)} from the components (and the inputs they feed).'
        )
    splitter = the_splitter(components)
    identity = identity_of(splitter, pipeline_name)
    look_back = LookBack(
        history_root=history_root,
        identity=identity,
        horizon=horizon,
        window=window,
        lateness=lateness,
    ).with_id(LOOK_BACK_ID)
    history, model = look_back.outputs[keys.HISTORY_KEY], look_back.outputs[keys.MODEL_KEY]
    committed = {keys.ASSIGNMENTS_KEY: splitter.outputs[keys.ASSIGNMENTS_KEY]}
    span_examples = splitter.inputs[keys.INPUT_EXAMPLES_KEY]
    trainer, evaluator = _served(components)
    for component in components:
        tfx_executors.use_in(component)
        if _is(component, 'StratifiedSplitter', 'LeakageCheck') or _per_class(component):
            _wire(component, keys.HISTORY_KEY, history)
        if _is(component, 'LeakageCheck'):
            committed['key_index'] = component.outputs[keys.ANOMALIES_KEY]
        if _is(component, 'BalancedInputGen'):
            committed['layout'] = component.outputs[keys.EXAMPLES_KEY]
        if _is(component, 'ClassDistributionValidator') and _of_examples(
            component.inputs[keys.STATISTICS_KEY], span_examples
        ):
            _wire(component, keys.HISTORY_KEY, history)
            _wire(component, keys.INPUT_EXAMPLES_KEY, span_examples)  # its span
            committed[keys.STATISTICS_KEY] = component.inputs[keys.STATISTICS_KEY]
        if component is trainer:
            _wire(component, 'base_model', model)
            committed[keys.MODEL_KEY] = component.outputs[keys.MODEL_KEY]
        if component is evaluator:
            _wire(component, 'baseline_model', model)
            committed[keys.BLESSING_KEY] = component.outputs[keys.BLESSING_KEY]
    commit = CommitSpan(history=history, **committed).with_id(COMMIT_ID)
    for component in components:
        component.add_upstream_node(look_back)  # first, and first to fail (a bad history_root)
        if _is(component, 'Pusher'):
            component.add_upstream_node(commit)  # a run refused at its commit pushes nothing
        else:
            commit.add_upstream_node(component)  # a failed or stopped run commits nothing
    return [look_back, *components, commit]


def identity_of(splitter, pipeline_name: str) -> dict:
    """What the history belongs to: the pipeline and the splitter's ``IDENTITY``."""
    identity = {'pipeline': pipeline_name}
    identity.update({k: splitter.exec_properties.get(k) for k in IDENTITY})
    for k in OPTIONAL_IDENTITY:
        if splitter.exec_properties.get(k) is not None:
            identity[k] = splitter.exec_properties[k]
    return identity


def the_splitter(components):
    splitters = [c for c in components if _is(c, 'StratifiedSplitter')]
    if len(splitters) != 1:
        raise ConfigError(
            f'periodic() needs exactly one StratifiedSplitter (its assignments are what the '
            f'history keeps); found {len(splitters)}.'
        )
    return splitters[0]


def _served(components) -> tuple:
    """The served Trainer and Evaluator: those feeding the Pusher, else the only ones; None for
    either when that says nothing. Their model is the one the history keeps."""
    by_id = {c.id: c for c in components}
    pushers = [c for c in components if _is(c, 'Pusher')]
    if len(pushers) == 1:
        model, blessing = (pushers[0].inputs.get(k) for k in ('model', 'model_blessing'))
        return tuple(
            by_id.get(getattr(channel, 'producer_component_id', None)) if channel else None
            for channel in (model, blessing)
        )
    trainers = [c for c in components if _is(c, 'Trainer')]
    evaluators = [c for c in components if _is(c, 'Evaluator')]
    return (
        trainers[0] if len(trainers) == 1 else None,
        evaluators[0] if len(evaluators) == 1 else None,
    )


def _is(component, *names: str) -> bool:
    """Whether ``component`` is (a subclass of) one named ``names``; by name, importing none."""
    return any(cls.__name__ in names for cls in type(component).__mro__)


def _per_class(component) -> bool:
    """A per-class BalancedInputGen (a multi-label layout is read one span at a time)."""
    return _is(component, 'BalancedInputGen') and not component.exec_properties.get(
        keys.MULTI_LABEL_KEY
    )


def _wire(component, key: str, channel) -> None:
    """Gives ``component`` the input ``key`` unless the pipeline already gave one."""
    if component.inputs.get(key) is not None:
        return
    component.spec.INPUTS[key].type_check(key, channel)
    component.spec.inputs[key] = channel


def _of_examples(statistics, examples) -> bool:
    """Whether ``statistics`` are a StatisticsGen's of the channel ``examples``."""
    producer = getattr(statistics, 'producer_component', None)
    source = getattr(producer, 'inputs', {}).get('examples')
    return source is not None and (
        getattr(source, 'producer_component_id', None),
        getattr(source, 'output_key', None),
    ) == (examples.producer_component_id, examples.output_key)
