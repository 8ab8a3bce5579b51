"""Per-class layout of a split and exact class-balanced ``tf.data`` input.

``BalancedLayout`` (Beam) writes a split as one set of shards per class (per rarest label with
``multi_label``) and returns its ``LayoutPlan``, written as ``balance_plan.json``;
``balanced_dataset`` reads the plan back and samples the classes by an exact batch schedule;
``with_prior_correction`` corrects the served scores to the data's class frequencies.

Example (the files were written by ``BalancedInputGen``)::

    ds = balanced_dataset(fn_args.train_files, 'label', batch_size=64, schema=schema, seed=0)
    model.fit(ds, steps_per_epoch=steps_per_epoch(fn_args.train_files, 64), epochs=5)

Rules and design: docs/balanced_input_gen.md.
"""

from tfx_balance.core.balanced_input_gen.config import LayoutConfig
from tfx_balance.core.balanced_input_gen.dataset import (
    balanced_dataset,
    label_names,
    steps_per_epoch,
)
from tfx_balance.core.balanced_input_gen.layout import BalancedLayout
from tfx_balance.core.balanced_input_gen.memory import DEFAULT_MEMORY_BUDGET
from tfx_balance.core.balanced_input_gen.plan import (
    COMPONENT,
    DEFAULT_EXAMPLES_PER_SHARD,
    PLAN_FILE,
    LayoutPlan,
    MultiLabelLayoutPlan,
    class_weights_and_bias,
    make_plan,
    safe_class_name,
    shard_file_name,
)
from tfx_balance.core.balanced_input_gen.plan_file import load_plans, plans_to_json
from tfx_balance.core.balanced_input_gen.policies import POLICIES
from tfx_balance.core.balanced_input_gen.prior import (
    PriorCorrection,
    prior_correction,
    with_prior_correction,
)
from tfx_balance.core.balanced_input_gen.schedule import (
    batch_schedule,
    choice_sequence,
    resolve_weights,
)
from tfx_balance.core.balanced_input_gen.streams import (
    DEFAULT_SHUFFLE_BUFFER,
    balanced_records,
    class_chunks,
)

__all__ = [
    'COMPONENT',
    'DEFAULT_MEMORY_BUDGET',
    'DEFAULT_EXAMPLES_PER_SHARD',
    'DEFAULT_SHUFFLE_BUFFER',
    'PLAN_FILE',
    'BalancedLayout',
    'LayoutConfig',
    'LayoutPlan',
    'MultiLabelLayoutPlan',
    'POLICIES',
    'PriorCorrection',
    'balanced_dataset',
    'balanced_records',
    'batch_schedule',
    'choice_sequence',
    'class_chunks',
    'class_weights_and_bias',
    'label_names',
    'load_plans',
    'make_plan',
    'plans_to_json',
    'prior_correction',
    'resolve_weights',
    'safe_class_name',
    'shard_file_name',
    'steps_per_epoch',
    'with_prior_correction',
]
