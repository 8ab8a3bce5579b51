"""Calling each component's real Executor.Do on real artifacts in a tmp folder (no runner)."""

import json
import os

from tests.support.examples import example, make_examples_artifact, new_output, write_records
from tfx_balance.core.common import keys

SPLITTER, AUGMENTER, INPUT_GEN = 'StratifiedSplitter', 'BalancedAugmenter', 'BalancedInputGen'
BEAM_COMPONENTS = (SPLITTER, AUGMENTER, INPUT_GEN)

# A small valid input: 6 examples of class 'a', 3 of 'b'.
GOOD = [example(label='a', x=float(i)) for i in range(6)] + [
    example(label='b', x=float(i)) for i in range(3)
]


def default_props(component: str) -> dict:
    """Valid execution properties of ``component``, as its component class would encode them."""
    if component == SPLITTER:
        return {
            keys.LABEL_FEATURE_KEY: 'label',
            keys.SPLITS_KEY: json.dumps([['train', 8], ['eval', 1], ['test', 1]]),
            keys.SEED_KEY: 0,
        }
    if component == AUGMENTER:
        return {
            keys.LABEL_FEATURE_KEY: 'label',
            keys.TARGET_KEY: json.dumps('max'),
            keys.UNDERSAMPLE_KEY: 0,
            keys.AUGMENTATION_KEY: 'numeric',
            keys.AUGMENTATION_OPTIONS_KEY: None,
            keys.IMAGE_FEATURE_KEY: 'image',
            keys.MODULE_FILE_KEY: None,
            keys.MODULE_PATH_KEY: None,
            keys.SPLITS_KEY: json.dumps(['train']),
            keys.SEED_KEY: 0,
            keys.PROVENANCE_FEATURE_KEY: 'is_synthetic',
            keys.SOURCE_FEATURE_KEY: 'source_fingerprint',
        }
    if component == INPUT_GEN:
        return {
            keys.LABEL_FEATURE_KEY: 'label',
            keys.SPLITS_KEY: json.dumps(['train']),
            keys.SEED_KEY: 0,
            keys.EXAMPLES_PER_SHARD_KEY: 4,
        }
    raise ValueError(component)


def executor_class(component: str):
    if component == SPLITTER:
        from tfx_balance.stratified_splitter.executor import Executor
    elif component == AUGMENTER:
        from tfx_balance.balanced_augmenter.executor import Executor
    else:
        from tfx_balance.balanced_input_gen.executor import Executor
    return Executor


def run(component: str, examples, out_uri: str, context=None, **props):
    """Runs ``component``'s executor on the Examples artifact ``examples``; returns the output."""
    output = new_output(out_uri)
    exec_properties = {**default_props(component), **props}
    executor_class(component)(context).Do(
        {keys.INPUT_EXAMPLES_KEY: [examples]}, {keys.EXAMPLES_KEY: [output]}, exec_properties
    )
    return output


def run_on_records(component: str, tmp_path, split_records: dict, **props):
    """Writes ``{split: [records]}`` to ``tmp_path/in`` and runs ``component`` into ``tmp_path/out``."""
    examples = make_examples_artifact(str(tmp_path / 'in'), split_records)
    return run(component, examples, str(tmp_path / 'out'), **props)


def sharded_artifact(uri: str, records, shards: int, split: str = 'train'):
    """An Examples artifact whose ``split`` holds ``records`` spread round-robin over ``shards``."""
    examples = make_examples_artifact(uri, {split: []})
    for i in range(shards):
        write_records(os.path.join(uri, f'Split-{split}', f'part-{i:05d}.gz'), records[i::shards])
    return examples
