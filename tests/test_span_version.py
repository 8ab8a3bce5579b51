"""Issue 51: the span and version of the input Examples are kept on every output Examples
artifact, both as TFX 1.16's ExampleGen records them (MLMD custom properties: its driver's
``update_output_artifact``) and as the Examples type declares them (properties), so TFX's span
resolvers work over our outputs. One tiny LocalDagRunner run: ImportExampleGen (``{SPAN}`` and
``{VERSION}`` in its input pattern) -> StratifiedSplitter -> BalancedAugmenter ->
BalancedInputGen, and a SpanRangeStrategy Resolver over the splitter's output."""

import os

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

SPAN, VERSION = 7, 2


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter, BalancedInputGen, StratifiedSplitter

    root = str(tmp_path_factory.mktemp('span_version'))
    data = os.path.join(root, 'data')
    records = [example(x=float(i), label='a' if i % 4 else 'b') for i in range(60)]
    write_records(os.path.join(data, f'span-{SPAN:02d}', f'v{VERSION}', 'data.gz'), records)
    gen = tfx.components.ImportExampleGen(
        input_base=data,
        input_config=tfx.proto.Input(
            splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN:2}/v{VERSION}/*')]
        ),
    )
    splitter = StratifiedSplitter(
        examples=gen.outputs['examples'], label_feature='label', splits={'train': 3, 'eval': 1}
    )
    augmenter = BalancedAugmenter(examples=splitter.outputs['examples'], label_feature='label')
    layout = BalancedInputGen(examples=augmenter.outputs['examples'], label_feature='label')
    resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.SpanRangeStrategy,
        config={
            'range_config': tfx.proto.RangeConfig(
                static_range=tfx.proto.StaticRange(start_span_number=SPAN, end_span_number=SPAN)
            )
        },
        examples=splitter.outputs['examples'],
    ).with_id('span_resolver')
    return run_local('span-version', root, [gen, splitter, augmenter, layout, resolver])


def test_every_output_has_the_span_and_version_of_the_input(run):
    artifacts = run.mlmd_artifacts()
    for component_id in ('ImportExampleGen', 'StratifiedSplitter', 'BalancedAugmenter',
                         'BalancedInputGen'):  # fmt: skip
        out = artifacts[run.output(component_id)]
        custom = {k: out.custom_properties[k].int_value for k in ('span', 'version')}
        assert custom == {'span': SPAN, 'version': VERSION}, component_id
        if component_id != 'ImportExampleGen':  # ExampleGen sets only the custom properties
            assert (run.artifact(out.uri).span, run.artifact(out.uri).version) == (SPAN, VERSION)


def test_a_span_range_resolver_resolves_the_splitter_output(run):
    """A Resolver that fails still lets the run return: its execution in MLMD says."""
    from tfx.orchestration import metadata

    config = metadata.sqlite_metadata_connection_config(run.metadata_path)
    with metadata.Metadata(config) as m:
        (execution,) = [
            e
            for e in m.store.get_executions()
            if m.store.get_execution_types_by_id([e.type_id])[0].name.endswith('Resolver')
        ]
        events = m.store.get_events_by_execution_ids([execution.id])
        resolved = m.store.get_artifacts_by_id([e.artifact_id for e in events])
    assert [a.uri for a in resolved] == [run.output('StratifiedSplitter')]
