"""Per-class layout of a split and exact class-balanced ``tf.data`` input (``balanced_dataset``).

Two halves that meet in a small JSON *layout plan* (``balance_plan.json``):

1. **Layout (Beam).** ``BalancedLayout`` (``layout.py``) writes a split's examples as one
   set of gzipped TFRecord shards per class, in a seeded-hash order, and returns the split's
   ``LayoutPlan`` (``plan.py``: classes, counts, files, class weights ``n / (K * n_c)``
   and output-bias initialiser ``log(n_c / n)``), written by the caller with
   ``plans_to_json`` (``plan_file.py``). Its arguments are a ``LayoutConfig``
   (``config.py``).
2. **Reading (tf.data).** ``balanced_dataset`` (``dataset.py``) finds the plan next to the
   files (``plan_file.py``), merges the plans of the splits read into the classes to sample
   (``merge.py``) and checks the files against them. If the sampled classes fit
   ``memory_budget`` (256 MiB by default) it reads them once and samples them in memory
   (``memory.py``: cost independent of the number of classes); otherwise it builds one shuffled,
   repeating stream per class (``streams.py``). Both follow a precomputed schedule
   (``schedule.py``): per batch, class ``k`` gets
   ``floor(B * p_k)`` or ``ceil(B * p_k)`` examples (``p_k`` its weight share), and over the
   schedule's period exactly ``B * p_k`` per batch on average. With uniform weights and ``K``
   dividing ``B`` every batch holds exactly ``B / K`` examples of each class.

Multi-label splits (``LayoutConfig(multi_label='ids' | 'multi_hot')``) go the same way: one
label per example is a label set of size one, and a split is laid out per group (an example's
rarest label; with one label, its class) by the same ``BalancedLayout``. A multi-label
plan (``MultiLabelLayoutPlan``, ``plan.py``) holds each group's draws per epoch from the
policy (``policies.py``, one table: ``'floored_label_balanced'`` (default),
``'label_balanced'`` or ``'repeat_factor'``), and ``balanced_dataset`` draws the groups at those
shares and returns a multi-hot label in the order of ``label_names``.

The served model of such a training gives ``probabilities`` corrected to the data's class
frequencies and ``balanced_probabilities`` (its own scores): ``with_prior_correction``
(``prior.py``), one call in ``run_fn``.

Example (outside TFX; the files were written by ``BalancedInputGen``)::

    ds = balanced_dataset('/pipeline/BalancedInputGen/examples/7/Split-train/*',
                          label_feature='label', batch_size=64, schema=schema, seed=0)
    model.fit(ds, steps_per_epoch=steps_per_epoch(
        '/pipeline/BalancedInputGen/examples/7/Split-train/*', batch_size=64), epochs=5)

Rules: docs/balanced_input_gen.md.
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
