"""BalancedAugmenter: rebalance splits to exact per-class counts with augmented examples."""

from __future__ import annotations

import importlib.util
from typing import Mapping, Sequence

from tfx import types
from tfx.components.util import udf_utils
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_balance import keys
from tfx_balance.balanced_augmenter import executor
from tfx_balance.channels import check_channel
from tfx_balance.core.balanced_augmenter import AugmentConfig


class BalancedAugmenterSpec(ComponentSpec):
    PARAMETERS = {
        keys.LABEL_FEATURE_KEY: ExecutionParameter(type=str),
        keys.TARGET_KEY: ExecutionParameter(type=str),
        keys.UNDERSAMPLE_KEY: ExecutionParameter(type=int),
        keys.AUGMENTATION_KEY: ExecutionParameter(type=str),
        keys.AUGMENTATION_OPTIONS_KEY: ExecutionParameter(type=str, optional=True),
        keys.IMAGE_FEATURE_KEY: ExecutionParameter(type=str, optional=True),
        keys.MODULE_FILE_KEY: ExecutionParameter(type=str, optional=True),
        keys.MODULE_PATH_KEY: ExecutionParameter(type=str, optional=True),
        keys.SPLITS_KEY: ExecutionParameter(type=str),
        keys.SEED_KEY: ExecutionParameter(type=int),
        keys.PROVENANCE_FEATURE_KEY: ExecutionParameter(type=str),
        keys.SOURCE_FEATURE_KEY: ExecutionParameter(type=str),
        keys.PARTNER_FEATURE_KEY: ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {keys.INPUT_EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
    OUTPUTS = {keys.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class BalancedAugmenter(base_beam_component.BaseBeamComponent):
    """Rebalances splits to exact per-class counts, marking generated examples.

    Example:
        augmenter = BalancedAugmenter(
            examples=splitter.outputs['examples'],
            label_feature='label',
            target='max',            # 'max' | 'mean' | int N | {class: count}
            undersample=False,       # True: classes above their target are reduced to it
            augmentation='image',    # 'copy' | 'image' | 'numeric' | 'interpolate' | 'smote'
            image_feature='image',   # for 'image': the bytes feature holding PNG/JPEG data
            splits=['train'],        # other splits are passed through byte-for-byte
            seed=0,
        )
        trainer = Trainer(examples=augmenter.outputs['examples'], ...)

    Every class of each split in ``splits`` ends with exactly its target count (``'max'``: the
    largest class's count; ``'mean'``: the mean count rounded half up; ``N``; or a dict of
    per-class counts, unnamed classes unchanged). Classes above their target are only reduced
    with ``undersample=True`` (keeping the originals with the lowest seeded hash). Each original
    is the source of ``floor(k/n)`` or ``ceil(k/n)`` of a class's ``k`` generated examples.
    Every output example of those splits has the int64 feature ``provenance_feature`` (0 for
    originals, 1 for generated); generated ones also have ``source_feature``, the 16-hex-digit
    fingerprint of their source's serialized bytes. All randomness is a function of ``(seed,
    source fingerprint, copy index)``. The plan (per class: input, target, generated, dropped,
    output) is logged and written to ``rebalance_plan.json`` in the output artifact.

    Outputs:
      examples: Examples artifact with every input split (rebalanced or passed through).
    """

    SPEC_CLASS = BalancedAugmenterSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        label_feature: str,
        target: str | int | Mapping = 'max',
        undersample: bool = False,
        augmentation: str = 'copy',
        image_feature: str = 'image',
        module_file: str | None = None,
        splits: Sequence[str] = ('train',),
        seed: int = 0,
        provenance_feature: str = keys.DEFAULT_PROVENANCE_FEATURE,
        source_feature: str = keys.DEFAULT_SOURCE_FEATURE,
        augmentation_options: Mapping | None = None,
        partner_feature: str = keys.DEFAULT_PARTNER_FEATURE,
    ):
        """Args:
        examples: Examples channel (tf.Example payload), e.g. from StratifiedSplitter.
        label_feature: the int64 or bytes feature holding the class label.
        target: 'max', 'mean', an int count per class, or a dict {class: count}.
        undersample: reduce classes above their target to it (default: leave them).
        augmentation: 'copy', 'image', 'numeric', 'interpolate' or 'smote'
          (docs/balanced_augmenter.md).
        image_feature: for 'image', the bytes feature holding one PNG or JPEG image.
        module_file: optional Python file defining
          ``augment_fn(features: dict[str, np.ndarray], rng) -> dict[str, np.ndarray]``, used
          instead of ``augmentation``.
        splits: names of the splits to rebalance; other splits are copied unchanged.
        seed: seed of every random choice; the same seed gives the same records.
        provenance_feature: int64 feature marking generated examples (1) and originals (0).
        source_feature: bytes feature with the source example's fingerprint (generated only).
        partner_feature: bytes feature with the partner's fingerprint ('interpolate' and
          'smote' copies only).
        augmentation_options: optional dict tuning the built-in augmentation: for 'image'
          ``flip``, ``max_rotation_degrees``, ``max_shift_fraction``, ``brightness``,
          ``contrast``, ``jpeg_quality``; for 'numeric' ``noise_scale`` (default 0.1); for
          'smote' ``k`` (default 5), ``scale`` ('none' or 'standard'), ``categorical_features``
          and ``exact_limit`` (default 10,000).
        """
        config = AugmentConfig(
            label_feature=label_feature,
            target=target,
            undersample=undersample,
            augmentation=augmentation,
            image_feature=image_feature,
            seed=seed,
            provenance_feature=provenance_feature,
            source_feature=source_feature,
            partner_feature=partner_feature,
            options=dict(augmentation_options or {}),
            splits=splits,
            module_file=module_file,
        ).validate()
        check_channel(BalancedAugmenterSpec, keys.INPUT_EXAMPLES_KEY, 'examples', examples)
        spec = BalancedAugmenterSpec(
            **config.to_exec_properties(),
            input_examples=examples,
            examples=types.Channel(type=standard_artifacts.Examples),
        )
        super().__init__(spec=spec)
        if module_file and _can_package_user_modules():
            # As TFX's Trainer/Transform: the module file becomes a wheel under the pipeline
            # root and the executor receives `module_path` instead.
            udf_utils.add_user_module_dependency(self, keys.MODULE_FILE_KEY, keys.MODULE_PATH_KEY)


def _can_package_user_modules() -> bool:
    """TFX packages module files as wheels and installs them with pip at run time.

    Environments without pip (e.g. uv-created virtualenvs) cannot install the wheel; there the
    executor imports ``module_file`` directly (a local or GCS path readable by the executor).
    """
    return udf_utils.should_package_user_modules() and (importlib.util.find_spec('pip') is not None)
