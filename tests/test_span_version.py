"""Issue 51: the span and version of the input Examples are kept on every output Examples
artifact, both as TFX 1.16's ExampleGen records them (MLMD custom properties: its driver's
``update_output_artifact``) and as the Examples type declares them (properties), so TFX's span
resolvers work over our outputs. One tiny LocalDagRunner run: ImportExampleGen (``{SPAN}`` and
``{VERSION}`` in its input pattern) -> StratifiedSplitter -> BalancedAugmenter ->
BalancedInputGen, and a SpanRangeStrategy Resolver over the splitter's output.

Issue 51 item 3, windows of spans: the runs before it ingest spans 5 and 6, and span 6 again (a
re-run; ImportExampleGen with a static range, and one BalancedInputGen per run); the last run's
Resolvers (``PreviousSpanStrategy``, the newest artifact of each of the last 3 spans) give a
window of the last 3 spans to a BalancedInputGen (laid out as their union) and a window of the
per-span layouts, as a Trainer would get it, and ``balanced_dataset`` over either is exact over
the union. TFX's ``SpanRangeStrategy`` over the same layouts hands over span 6 twice."""

import os

import pytest

from tests.support.examples import example, write_records

pytestmark = pytest.mark.e2e

SPAN, VERSION = 7, 2
EARLIER = {5: {'a': 8, 'b': 3, 'c': 2}, 6: {'a': 6, 'b': 2}}  # spans of the runs before
RUNS_BEFORE = [5, 6, 6]  # span 6 ingested and laid out again by a re-run
SPLITS = ['train', 'eval']  # ImportExampleGen's default output: 'all' hashed 2:1
UNION = {'a': 45 + 8 + 6, 'b': 15 + 3 + 2, 'c': 2}  # the window of spans 5-7


def example_gen(data: str, span: int | None = None):
    """ImportExampleGen of ``data``'s latest span, or of ``span`` (a static range)."""
    from tfx import v1 as tfx

    config = tfx.proto.Input(
        splits=[tfx.proto.Input.Split(name='all', pattern='span-{SPAN:2}/v{VERSION}/*')]
    )
    if span is None:
        return tfx.components.ImportExampleGen(input_base=data, input_config=config)
    only = tfx.proto.StaticRange(start_span_number=span, end_span_number=span)
    return tfx.components.ImportExampleGen(
        input_base=data, input_config=config, range_config=tfx.proto.RangeConfig(static_range=only)
    )


def last_3_spans(producer, resolver_id: str, span_range: bool = False):
    """A Resolver of the last 3 spans of ``producer``'s examples, resolved after it ran: the
    newest artifact of each (``PreviousSpanStrategy``, the recipe), or every artifact whose span
    is in the range (TFX's ``SpanRangeStrategy``, ``span_range``)."""
    from tfx import v1 as tfx

    from tfx_balance import PreviousSpanStrategy

    if span_range:
        strategy, config = (
            tfx.dsl.experimental.SpanRangeStrategy,
            {
                'range_config': tfx.proto.RangeConfig(
                    rolling_range=tfx.proto.RollingRange(num_spans=3)
                )
            },
        )
    else:
        strategy, config = PreviousSpanStrategy, {'num_spans': 3, 'skip_newest': False}
    window = tfx.dsl.Resolver(
        strategy_class=strategy,
        config=config,
        examples=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.Examples, producer_component_id=producer.id
        ),
    ).with_id(resolver_id)
    window.add_upstream_node(producer)
    return window


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    from tfx import v1 as tfx

    from tests.support.local_dag import run_local
    from tfx_balance import BalancedAugmenter, BalancedInputGen, StratifiedSplitter

    root = str(tmp_path_factory.mktemp('span_version'))
    data = os.path.join(root, 'data')
    for span, counts in EARLIER.items():
        records = [
            example(x=float(span * 100 + i), label=name)
            for name, n in counts.items()
            for i in range(n)
        ]
        write_records(os.path.join(data, f'span-{span:02d}', f'v{VERSION}', 'data.gz'), records)

    def span_layout(gen):  # the constant-cost recipe: each span laid out once, by its run
        return BalancedInputGen(
            examples=gen.outputs['examples'], label_feature='label', splits=SPLITS
        ).with_id('span_layout')

    for span in RUNS_BEFORE:  # the daily runs before: spans 5 and 6, and 6 again (a re-run)
        gen = example_gen(data, span)
        run_local('span-version', root, [gen, span_layout(gen)])
    records = [example(x=float(i), label='a' if i % 4 else 'b') for i in range(60)]
    write_records(os.path.join(data, f'span-{SPAN:02d}', f'v{VERSION}', 'data.gz'), records)
    gen = example_gen(data)
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
    spans = last_3_spans(gen, 'last_3_spans')
    window_layout = BalancedInputGen(
        examples=spans.outputs['examples'], label_feature='label', splits=SPLITS
    ).with_id('window_layout')
    today = span_layout(gen)
    layouts = last_3_spans(today, 'last_3_layouts')  # what the Trainer would get
    span_range = last_3_spans(today, 'span_range_layouts', span_range=True)
    components = [
        *(gen, splitter, augmenter, layout, resolver, spans, window_layout, today, layouts),
        span_range,
    ]
    return run_local('span-version', root, components)


def resolved(run, resolver_id: str) -> list:
    """The artifacts the Resolver ``resolver_id`` resolved in the run, as MLMD records them."""
    from tfx.orchestration import metadata

    config = metadata.sqlite_metadata_connection_config(run.metadata_path)
    with metadata.Metadata(config) as m:
        (execution,) = [
            e
            for e in m.store.get_executions()
            if f'span-version.{resolver_id}'
            in [c.name for c in m.store.get_contexts_by_execution(e.id)]
        ]
        events = m.store.get_events_by_execution_ids([execution.id])
        return m.store.get_artifacts_by_id([e.artifact_id for e in events])


SCHEMA = (
    'feature { name: "x" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 1 } } }'
    'feature { name: "label" type: BYTES presence { min_fraction: 1 } shape { dim { size: 1 } } }'
)


def assert_exact_over_the_union(files):
    """The files' classes are the window's, with its exact counts, and every batch of 6 holds 2
    examples of each of its 3 classes."""
    import collections

    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfx_balance import balanced_dataset
    from tfx_balance.core.balanced_input_gen.merge import classes_of

    classes = classes_of(files)
    assert dict(zip(classes.names, classes.counts)) == UNION
    schema = text_format.Parse(SCHEMA, schema_pb2.Schema())
    ds = balanced_dataset(files, 'label', batch_size=6, schema=schema)
    for _, labels in ds.take(5):
        counts = collections.Counter(labels.numpy().ravel().tolist())
        assert counts == {b'a': 2, b'b': 2, b'c': 2}


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
    assert [a.uri for a in resolved(run, 'span_resolver')] == [run.output('StratifiedSplitter')]


def test_balanced_input_gen_lays_out_a_window_of_spans_as_their_union(run):
    # issue 51: 'a Resolver's window of the last 3 spans into BalancedInputGen: expected list
    # length of one but got 3'
    window = resolved(run, 'last_3_spans')
    assert sorted(a.custom_properties['span'].int_value for a in window) == [5, 6, SPAN]
    out = run.output('window_layout')
    assert_exact_over_the_union([os.path.join(out, f'Split-{s}', '*') for s in SPLITS])
    custom = run.mlmd_artifacts()[out].custom_properties
    assert {k: custom[k].int_value for k in ('span', 'version')} == {'span': SPAN, 'version': 2}


def test_a_window_of_per_span_layouts_is_exact_over_the_union_when_read(run):
    """The constant-cost recipe: each run lays out its span; the Trainer's window of layouts is
    merged by balanced_dataset."""
    layouts = resolved(run, 'last_3_layouts')
    assert sorted(a.custom_properties['span'].int_value for a in layouts) == [5, 6, SPAN]
    files = [os.path.join(a.uri, f'Split-{s}', '*') for a in layouts for s in SPLITS]
    assert_exact_over_the_union(files)


def test_a_span_laid_out_twice_is_in_the_recipes_window_once_by_its_newest_layout(run):
    """The re-run of span 6 wrote a second layout of it: PreviousSpanStrategy's window holds the
    newer one only (the test above: exact over the union); SpanRangeStrategy's holds both, and a
    Trainer reading it would read span 6 twice."""
    artifacts = run.mlmd_artifacts()
    span_6 = sorted(
        a.id
        for uri, a in artifacts.items()
        if '/span_layout/' in uri and a.custom_properties['span'].int_value == 6
    )
    assert len(span_6) == 2
    layouts = resolved(run, 'last_3_layouts')
    window = {a.custom_properties['span'].int_value: a.id for a in layouts}
    assert len(layouts) == 3 and window == {5: window[5], 6: span_6[-1], SPAN: window[SPAN]}
    span_range = resolved(run, 'span_range_layouts')
    assert sorted(a.custom_properties['span'].int_value for a in span_range) == [5, 6, 6, SPAN]


def test_a_trainer_reading_a_window_that_holds_a_span_twice_is_warned(run, caplog):
    """What balanced_dataset logs when given SpanRangeStrategy's window: each layout records
    its span in balance_plan.json, and the two layouts of span 6 are named."""
    import logging

    from tfx_balance import steps_per_epoch

    layouts = resolved(run, 'span_range_layouts')
    files = [os.path.join(a.uri, f'Split-{s}', '*') for a in layouts for s in SPLITS]
    with caplog.at_level(logging.WARNING):
        steps_per_epoch(files, 6)
    (warning,) = [r.getMessage() for r in caplog.records if 'more than once' in r.getMessage()]
    span_6 = sorted(a.uri for a in layouts if a.custom_properties['span'].int_value == 6)
    assert f'(span 6 in {", ".join(span_6)})' in warning
    with caplog.at_level(logging.WARNING):
        steps_per_epoch(
            [os.path.join(a.uri, 'Split-train', '*') for a in resolved(run, 'last_3_layouts')], 6
        )
    assert len([r for r in caplog.records if 'more than once' in r.getMessage()]) == 1
