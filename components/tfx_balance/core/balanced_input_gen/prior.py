"""Prior correction: a balanced model's scores re-weighted to the data's class frequencies.

``prior_correction`` reads the data's and the trained frequencies from the ``balance_plan.json``
next to the Trainer's files; ``with_prior_correction`` serves the corrected and the balanced
scores. Rules: docs/balanced_input_gen.md ("probabilities and balanced_probabilities").

Example::

    prior_correction(fn_args.train_files).apply_numpy([[0.5, 0.5]])  # as the served graph does
"""

from __future__ import annotations

import dataclasses
import logging
import os
from typing import Mapping, Sequence, Tuple

from tfx_balance.core.balanced_input_gen.merge import groups_to_read, summed_counts
from tfx_balance.core.balanced_input_gen.plan import (
    COMPONENT,
    PLAN_FILE,
    LayoutPlan,
    MultiLabelLayoutPlan,
    carries_augmenter_mark,
)
from tfx_balance.core.balanced_input_gen.plan_file import located_plans
from tfx_balance.core.balanced_input_gen.schedule import weight_shares
from tfx_balance.core.calibration import SIGMOID, SOFTMAX, checked_labels
from tfx_balance.core.common import keys
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.records import first_record


@dataclasses.dataclass(frozen=True)
class PriorCorrection:
    """Per score, the data's and the trained frequency; a zero frequency keeps its score."""

    kind: str
    data_frequencies: Tuple[float, ...]
    trained_frequencies: Tuple[float, ...]
    # Set by ``refit``: Platt scaling per label (sigmoid), one temperature (softmax).
    refit_slopes: Tuple[float, ...] = ()
    refit_biases: Tuple[float, ...] = ()
    temperature: float = 1.0

    def __post_init__(self):
        if self.kind not in (SOFTMAX, SIGMOID):
            raise ConfigError(f"kind must be '{SOFTMAX}' or '{SIGMOID}', got {self.kind!r}.")
        if len(self.data_frequencies) != len(self.trained_frequencies):
            raise ConfigError(
                f'{len(self.data_frequencies)} data frequencies but '
                f'{len(self.trained_frequencies)} trained frequencies; give one of each per score.'
            )

    @classmethod
    def identity(cls, size: int, kind: str = SOFTMAX) -> PriorCorrection:
        """No correction (a model trained on the data as it comes)."""
        return cls(kind, (1.0,) * size, (1.0,) * size)

    @property
    def factors(self) -> Tuple[float, ...]:
        """The multiplier of each probability (softmax) or odds (sigmoid)."""
        out = []
        for d, t in zip(self.data_frequencies, self.trained_frequencies):
            if d <= 0 or t <= 0 or (self.kind == SIGMOID and (d >= 1 or t >= 1)):
                out.append(1.0)
            elif self.kind == SOFTMAX:
                out.append(d / t)
            else:
                out.append((d / (1 - d)) / (t / (1 - t)))
        return tuple(out)

    def refit(self, scores, labels, iterations: int = 25, ridge: float = 1.0) -> PriorCorrection:
        """This correction refitted on the model's ``scores`` and ``labels`` on the eval split.

        Softmax (``[n]`` int labels): one temperature. Sigmoid (``[n, L]`` 0/1 labels): Platt
        scaling per label, ridge towards ``(1, 0)``, slope in ``[0.25, 4]``, shift in ``[-3, 3]``.
        """
        import numpy as np

        y = checked_labels(scores, labels, self.kind, 'refit_on labels')
        if np.shape(scores)[1] != len(self.factors):
            raise ConfigError(
                f'refit_on scores have {np.shape(scores)[1]} columns but the correction has '
                f"{len(self.factors)} scores; pass the model's own [n, {len(self.factors)}] "
                'scores on the eval split.'
            )
        if self.kind == SOFTMAX:
            from tfx_balance.core.calibration import fit_temperature

            temperature = fit_temperature(self._log_scores_numpy(scores), y)
            return dataclasses.replace(self, temperature=temperature)
        z = self._log_odds_numpy(scores)
        slopes, biases = [], []
        for col in range(y.shape[1]):
            a, b = 1.0, 0.0
            zc, yc, d = z[:, col], y[:, col], 2 * ridge
            if 0 < yc.sum() < len(y):
                for _ in range(iterations):
                    p = 1 / (1 + np.exp(-(a * zc + b)))
                    r, w = p - yc, p * (1 - p)
                    grad = np.array([(r * zc).sum() + d * (a - 1), r.sum() + d * b])
                    wz = (w * zc).sum()
                    hess = np.array([[(w * zc**2).sum() + d, wz], [wz, w.sum() + d]])
                    a, b = np.array([a, b]) - np.linalg.solve(hess, grad)
                a, b = float(np.clip(a, 0.25, 4.0)), float(np.clip(b, -3.0, 3.0))
            slopes.append(a)
            biases.append(b)
        return dataclasses.replace(self, refit_slopes=tuple(slopes), refit_biases=tuple(biases))

    def _log_odds_numpy(self, probabilities):
        """The corrected log-odds ``logit(p) + log(factor)`` (sigmoid), before any refit."""
        import numpy as np

        p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-7, 1 - 1e-7)
        return np.log(p / (1 - p)) + np.log(np.asarray(self.factors))

    def _log_scores_numpy(self, probabilities):
        """The corrected log-scores ``log p + log factor`` (softmax), before any temperature."""
        import numpy as np

        p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-7, 1.0)
        return np.log(p) + np.log(np.asarray(self.factors))

    def apply(self, probabilities):
        """The corrected probabilities of a ``[batch, n]`` float tensor (TensorFlow ops only)."""
        import tensorflow as tf

        p = tf.convert_to_tensor(probabilities)
        factors = tf.constant(self.factors, dtype=p.dtype)
        if self.refit_slopes:
            q = tf.clip_by_value(p, 1e-7, 1 - 1e-7)
            z = tf.math.log(q) - tf.math.log(1 - q) + tf.math.log(factors)
            slopes = tf.constant(self.refit_slopes, dtype=p.dtype)
            return tf.sigmoid(slopes * z + tf.constant(self.refit_biases, dtype=p.dtype))
        if self.temperature != 1.0:
            z = tf.math.log(tf.clip_by_value(p, 1e-7, 1.0)) + tf.math.log(factors)
            return tf.nn.softmax(z / tf.constant(self.temperature, dtype=p.dtype), axis=-1)
        # Factors are > 0: a denominator is 0 only for a row of zero scores, which stays 0.
        scaled = p * factors
        if self.kind == SOFTMAX:
            return tf.math.divide_no_nan(scaled, tf.reduce_sum(scaled, axis=-1, keepdims=True))
        return tf.math.divide_no_nan(scaled, scaled + (1 - p))

    def apply_numpy(self, probabilities):
        """``apply`` in NumPy (tests, benchmarks)."""
        import numpy as np

        if self.refit_slopes:
            z = self._log_odds_numpy(probabilities)
            slopes, biases = np.asarray(self.refit_slopes), np.asarray(self.refit_biases)
            return 1 / (1 + np.exp(-(slopes * z + biases)))
        if self.temperature != 1.0:
            z = self._log_scores_numpy(probabilities) / self.temperature
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        p = np.asarray(probabilities, dtype=np.float64)
        scaled = p * np.asarray(self.factors)
        total = scaled.sum(axis=-1, keepdims=True) if self.kind == SOFTMAX else scaled + (1 - p)
        return np.divide(scaled, total, out=np.zeros_like(scaled), where=total != 0)

    def to_json(self) -> dict:
        out = {
            'kind': self.kind,
            'data_frequencies': list(self.data_frequencies),
            'trained_frequencies': list(self.trained_frequencies),
            'factors': list(self.factors),
            'refit_slopes': list(self.refit_slopes),
            'refit_biases': list(self.refit_biases),
        }
        if self.temperature != 1.0:
            out['temperature'] = self.temperature
        return out


def _normalised(values: Sequence[float]) -> Tuple[float, ...]:
    total = float(sum(values))
    return tuple(float(v) / total if total else 0.0 for v in values)


def _by_score(rows, class_names, size: int, what: str) -> list:
    """The values of ``(name, value)`` rows, each at its score position."""
    out = [0.0] * size
    for name, value in rows:
        out[score_position(name, class_names, size, what)] += float(value)
    return out


def _single_label(located, classes, shares, class_names, num_classes) -> PriorCorrection:
    size = num_classes or len(class_names or classes.names)
    trained = _by_score(zip(classes.names, shares), class_names, size, 'trained class')
    merged = summed_counts(data_counts(split_dir, plan) for split_dir, plan in located)
    counts = _by_score(merged.items(), class_names, size, 'data class')
    return PriorCorrection(SOFTMAX, _normalised(counts), tuple(trained))


def _multi_label(located, plan, shares, class_names, num_classes) -> PriorCorrection:
    # balanced_dataset's multi-hot label is in the plan's label order: the default score order.
    names = list(plan.labels) if class_names is None else class_names
    size = num_classes or len(names)
    stream = plan.expected_frequencies([float(s) for s in shares])
    trained = _by_score(zip(plan.labels, stream), names, size, 'trained label')
    rows = ((name, count / plan.total) for name, count in data_counts(*located[0]))
    return PriorCorrection(
        SIGMOID, tuple(_by_score(rows, names, size, 'data label')), tuple(trained)
    )


def prior_correction(
    train_files,
    weights: Mapping | None = None,
    class_names: Sequence[str] | None = None,
    num_classes: int | None = None,
) -> PriorCorrection:
    """The correction of a model trained with ``balanced_dataset(train_files, ...)``.

    Args:
      train_files, weights: as given to ``balanced_dataset`` (multi-label: ``{label: weight}``).
      class_names: class (multi-label: label) names in the order of the model's scores. Default:
        class ``k`` is score ``k``; multi-label, ``label_names(train_files)``.
      num_classes: number of scores (default ``len(class_names)`` or the plan's); a score no class
        maps to keeps its value.

    Example: ``prior_correction(fn_args.train_files, weights={'Cash': 1, 'Dispute': 4})``.
    """
    check_score_order(class_names, num_classes)
    located = located_plans(train_files)
    classes, group_weights, multi = groups_to_read(located, weights)
    shares = weight_shares(group_weights, classes.names)
    if multi is not None:
        return _multi_label(located, multi, shares, class_names, num_classes)
    return _single_label(located, classes, shares, class_names, num_classes)


def with_prior_correction(
    signatures: Mapping,
    train_files=None,
    *,
    weights: Mapping | None = None,
    class_names: Sequence[str] | None = None,
    num_classes: int | None = None,
    signature_name: str = 'serving_default',
    refit_on: Tuple | None = None,
) -> dict:
    """``signatures`` with ``signature_name`` wrapped to output ``probabilities`` (corrected) and
    ``balanced_probabilities`` (the model's own scores).

    Other arguments as ``prior_correction``; ``train_files=None`` (a baseline) serves its own scores
    as both. ``refit_on``: the model's ``(scores, labels)`` on the eval split to refit on. Example::

        signatures = with_prior_correction(
            {'serving_default': serve}, fn_args.train_files if balanced else None)
    """
    correction = None
    if refit_on is not None:
        check_refit_on(refit_on, train_files)
    if train_files is not None:
        correction = prior_correction(train_files, weights, class_names, num_classes)
        if refit_on is not None:
            correction = correction.refit(*refit_on)
        logging.info('prior correction (%s): %s', correction.kind, correction.to_json())
    return with_probabilities(signatures, correction, signature_name)


def with_probabilities(
    signatures: Mapping,
    correction: PriorCorrection | None,
    signature_name: str = 'serving_default',
) -> dict:
    """``with_prior_correction`` with a given ``correction`` (None: scores unchanged)."""
    import tensorflow as tf

    if signature_name not in signatures:
        raise ConfigError(
            f'no signature {signature_name!r} to wrap; signatures: {", ".join(signatures)}.'
        )
    serve = signatures[signature_name]
    spec = getattr(serve, 'input_signature', None)
    if spec is None:
        raise ConfigError(
            f'signature {signature_name!r} has no input_signature; define it with '
            '@tf.function(input_signature=[...]).'
        )

    @tf.function(input_signature=spec)
    def served(*args):
        outputs = serve(*args)
        if isinstance(outputs, Mapping):
            if len(outputs) != 1:
                raise ConfigError(
                    f'signature {signature_name!r} returns {len(outputs)} outputs '
                    f'({", ".join(outputs)}); wrap a signature that returns the scores alone.'
                )
            outputs = next(iter(outputs.values()))
        return {
            keys.PROBABILITIES: (
                tf.identity(outputs) if correction is None else correction.apply(outputs)
            ),
            keys.BALANCED_PROBABILITIES: tf.identity(outputs),
        }

    return {**signatures, signature_name: served}


def score_position(name: str, class_names: Sequence[str] | None, size: int, what: str) -> int:
    """The score position of class ``name``: its index in ``class_names``, else its int id."""
    if class_names is not None and name in class_names:
        return list(class_names).index(name)
    try:
        position = int(name)
    except ValueError:
        position = -1
    if not 0 <= position < size:
        known = ', '.join(class_names) if class_names else 'none given'
        raise DataError(
            f"{what} '{name}' has no score position: it is neither in class_names ({known}) nor "
            f'an int id below {size} (the number of scores). Pass class_names=[...] (the class or '
            "label names in the order of the model's scores, as the Transform maps them)."
        )
    return position


def _first_marked_file(split_dir: str, plan: LayoutPlan) -> str | None:
    """Where the split shows BalancedAugmenter's provenance feature, or None."""
    if plan.augmenter_marked is not None:
        return f'an example in {split_dir}' if plan.augmenter_marked else None
    for files in plan.files:
        path = os.path.join(split_dir, files[0]) if files else None
        record = first_record(path) if path else None
        if record is not None and carries_augmenter_mark(record):
            return path
    return None


def data_counts(split_dir: str, plan: LayoutPlan) -> Tuple[Tuple[str, int], ...]:
    """``((class, count), ...)`` of the split's data before augmentation (or per label)."""
    multi = isinstance(plan, MultiLabelLayoutPlan)
    if plan.data_counts and not multi:
        return plan.data_counts
    marked = None if plan.data_counts else _first_marked_file(split_dir, plan)
    plan_path = os.path.join(os.path.dirname(split_dir), PLAN_FILE)
    if multi and (plan.data_counts or marked is not None):
        found = (
            f"{plan_path} records {keys.DATA_COUNTS} of the augmenter's classes"
            if plan.data_counts
            else f"{marked} carries its '{keys.DEFAULT_PROVENANCE_FEATURE}' feature"
        )
        raise DataError(
            f"split '{plan.split}' ({split_dir}) is a multi-label layout of examples that went "
            f'through BalancedAugmenter: {found}, so its label counts include the synthetic '
            "examples and nothing records the data's label frequencies; the correction would "
            f'be wrong. Lay out the examples before the augmenter ({COMPONENT}(examples=..., '
            "multi_label=...) without augmented_examples): balanced_dataset's groups already "
            'balance the labels.'
        )
    if marked is not None:
        raise DataError(
            f"split '{plan.split}' ({split_dir}) went through BalancedAugmenter: {marked} carries "
            f"its '{keys.DEFAULT_PROVENANCE_FEATURE}' feature, but {plan_path} records no "
            f'{keys.DATA_COUNTS} (the class counts before augmentation), so its counts are the '
            "augmenter's output, not the data's, and the correction would be wrong. Pass "
            f"{COMPONENT}(..., augmented_examples=augmenter.outputs['examples']) and run it "
            'again (a plan written by an earlier version must be written again too; examples '
            "taken straight from the augmenter's output need only the run)."
        )
    if multi:
        return tuple(zip(plan.labels, plan.label_counts))
    return tuple(zip(plan.classes, plan.counts))


def check_refit_on(refit_on, train_files) -> None:
    """``refit_on`` is a ``(scores, labels)`` pair, given with ``train_files``."""
    pair = isinstance(refit_on, (tuple, list)) and len(refit_on) == 2
    if not pair:
        raise ConfigError(
            f'refit_on must be a (scores, labels) pair of the model on the eval split, got '
            f'{type(refit_on).__name__} {refit_on!r:.80}.'
        )
    if train_files is None:
        raise ConfigError(
            'refit_on refits the prior correction, and train_files=None (a model trained on the '
            'data as it comes) has none: both outputs are its own scores. Pass refit_on only '
            "with the balanced model's train_files (e.g. refit_on=... if balanced else None)."
        )


def check_score_order(class_names, num_classes) -> None:
    """``class_names`` are distinct; ``num_classes`` is an int >= ``len(class_names)``, 1."""
    if class_names is not None:
        names = list(class_names) if not isinstance(class_names, (str, bytes)) else None
        repeated = sorted({n for n in names if names.count(n) > 1}) if names else []
        if not names or repeated:
            raise ConfigError(
                f'class_names must be a non-empty list of distinct class names in the order of '
                f"the model's scores, got {class_names!r}"
                + (f' (repeated: {", ".join(map(str, repeated))}).' if repeated else '.')
            )
    if num_classes is not None:
        least = len(class_names) if class_names is not None else 1
        ok = isinstance(num_classes, int) and not isinstance(num_classes, bool)
        if not ok or num_classes < least:
            raise ConfigError(
                f'num_classes must be an int >= {least} (the number of scores), got '
                f'{num_classes!r}.'
            )
