"""'smote': SMOTE, SMOTE-NC and Borderline-SMOTE 1, one algorithm from options to copies.

Rules: docs/balanced_augmenter.md, "SMOTE". Top to bottom: ``SmoteOptions``, ``SmoteClass``
(exact kNN), ``danger_sources`` (borderline-1), ``SmoteGenerator`` (the copies).

Example:
    >>> SmoteOptions.from_dict({'k': 3}).k
    3
    >>> index = NeighbourIndex(['a', 'b', 'c'], np.array([[0.0], [1.0], [3.0]]))
    >>> found = index.neighbours(np.array([[0.0]]), [None], 2, exclude=['a'])  # source 'a'
    >>> [index.fingerprints[i] for i in found[0]]
    ['b', 'c']
    >>> in_danger(other=6, m=10), in_danger(other=10, m=10), in_danger(other=4, m=10)
    (True, False, False)
"""

from __future__ import annotations

import collections
import dataclasses
import numbers
from typing import List, Mapping, Sequence

import numpy as np
from tensorflow.core.example import example_pb2

from tfx_balance.core.balanced_augmenter import floats
from tfx_balance.core.common.errors import ConfigError, DataError
from tfx_balance.core.common.hashing import example_rng
from tfx_balance.core.common.labels import class_name
from tfx_balance.core.common.records import feature_names

DEFAULT_K = 5
DEFAULT_EXACT_LIMIT = 10_000
SMOTE_OPTIONS = ('k', 'scale', 'categorical_features', 'exact_limit', 'variant', 'm')
VARIANTS = ('borderline-1',)
DEFAULT_M = 10
_CATEGORICAL_KINDS = ('int64_list', 'bytes_list')
SCALES = ('none', 'standard')
_CHUNK = 1 << 22  # distance-matrix elements per step (memory bound: 32 MiB of float64)
_EPS = np.finfo(np.float64).eps
WHOLE_CLASS = -1  # the "bucket" under which a borderline class's originals are ranked together


@dataclasses.dataclass(frozen=True)
class SmoteOptions:
    """``augmentation_options`` of 'smote' (see docs/balanced_augmenter.md)."""

    k: int = DEFAULT_K
    scale: str = 'none'
    categorical_features: tuple | None = None  # None: every int64/bytes feature but the label's
    exact_limit: int = DEFAULT_EXACT_LIMIT
    variant: str | None = None  # 'borderline-1': sources are the class's examples "in danger"
    m: int = DEFAULT_M  # borderline-1: neighbours (of any class) that decide "in danger"

    @classmethod
    def from_dict(cls, options: Mapping) -> SmoteOptions:
        unknown = sorted(set(options) - set(SMOTE_OPTIONS))
        if unknown:
            raise ConfigError(
                f"unknown 'smote' option(s) {unknown}; known: {', '.join(SMOTE_OPTIONS)}."
            )
        k = _count_option(
            options,
            'k',
            DEFAULT_K,
            'the number of nearest same-class neighbours a partner is drawn from',
        )
        scale = options.get('scale', 'none')
        if scale not in SCALES:
            raise ConfigError(
                f"augmentation_options 'scale' must be 'none' (the features as given) or "
                f"'standard' (divided by their class standard deviation), got {scale!r}."
            )
        limit = options.get('exact_limit', DEFAULT_EXACT_LIMIT)
        if not _is_int(limit) or limit <= k:
            raise ConfigError(
                f"augmentation_options 'exact_limit' must be an int > k ({k}), got {limit!r} "
                f'(classes up to this size get exact neighbours; default {DEFAULT_EXACT_LIMIT}).'
            )
        names = options.get('categorical_features')
        if names is not None:
            if isinstance(names, (str, bytes)) or not all(isinstance(n, str) and n for n in names):
                raise ConfigError(
                    "augmentation_options 'categorical_features' must be a list of feature names "
                    f'(int64 or bytes features), got {names!r}; [] for none.'
                )
            names = tuple(sorted(set(names)))
        variant = options.get('variant')
        if variant is not None and variant not in VARIANTS:
            raise ConfigError(
                f"augmentation_options 'variant' must be None (SMOTE) or 'borderline-1', got "
                f'{variant!r}.'
            )
        m = _count_option(
            options,
            'm',
            DEFAULT_M,
            'borderline-1: the neighbours of any class that decide which examples are in danger',
        )
        return cls(int(k), scale, names, int(limit), variant, int(m))


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _count_option(options: Mapping, name: str, default: int, meaning: str) -> int:
    """The option ``name`` (an int >= 1), or the ``ConfigError`` saying what it counts."""
    value = options.get(name, default)
    if not _is_int(value) or value < 1:
        raise ConfigError(
            f"augmentation_options '{name}' must be an int >= 1, got {value!r} ({meaning}; "
            f'default {default}).'
        )
    return value


def pack_categoricals(example: example_pb2.Example, names, excluded) -> tuple:
    """``((name, serialized Feature), ...)`` of the features ``names`` (None: every int64/bytes
    feature not in ``excluded``) that the example has, in name order."""
    features = example.features.feature
    if names is None:
        names = (
            n for n in features if n not in excluded and features[n].WhichOneof('kind')
            in _CATEGORICAL_KINDS
        )  # fmt: skip
    else:
        names = (n for n in names if n in features)
    return tuple((n, features[n].SerializeToString(deterministic=True)) for n in sorted(names))


def check_categorical_features(options: SmoteOptions, profiles, where: str) -> None:
    """A ``DataError`` if ``categorical_features`` names a float or absent feature."""
    names = options.categorical_features or ()
    floats = {n for p in profiles.values() for n in p['stats']}
    seen = set().union(*(p['seen'] for p in profiles.values()))
    bad = [n for n in names if n in floats]
    missing = [n for n in names if n not in seen and n not in floats]
    if not (bad or missing):
        return
    if bad:
        problem = (
            f'names float feature(s) {bad}, which SMOTE-NC would interpolate (a value between two '
            "examples' values, which no example has); categorical features are int64 or bytes"
        )
        fix = 'leave float features out of it, or store the categories as int64 or bytes upstream'
    else:
        present = sorted(
            {n for p in profiles.values() for r in p['res'][:20] for n in feature_names(r[2])}
        )
        problem = (
            f'names feature(s) {missing} that no example of it has (features present: '
            f'{", ".join(present)})'
        )
        fix = 'fix the name(s); [] for none, or leave the option out for every int64/bytes feature'
    raise DataError(
        f"{where}: augmentation_options 'categorical_features' {problem}. To fix: {fix}."
    )


def check_class_sizes(classes, options: SmoteOptions, where: str) -> None:
    """A ``DataError`` if a class that 'smote' grows has fewer than ``k + 1`` examples."""
    for label, rebalance in sorted(classes.items(), key=lambda item: class_name(item[0])):
        if rebalance.generated and rebalance.n <= options.k:
            raise DataError(
                f'{where}, class {class_name(label)!r} has {rebalance.n} example(s); '
                f"augmentation='smote' with k={options.k} needs at least k + 1 = {options.k + 1} "
                'examples in every class it grows (a source and its k nearest neighbours). Set '
                f"augmentation_options 'k' below {rebalance.n}"
                + (', ' if rebalance.n > 1 else ' (impossible: k >= 1), ')
                + "leave the class at its size with a target dict, or use 'interpolate'."
            )


class NeighbourIndex:
    """The all-finite rows of ``values`` (``(n, d)``, one per fingerprint) for exact kNN
    queries; ``codes``: optional ``(n, c)`` categorical codes; ``scale='standard'``: by std."""

    def __init__(
        self,
        fingerprints: Sequence[str],
        values: np.ndarray,
        codes: np.ndarray | None = None,
        scale: str = 'none',
    ):
        values = np.asarray(values, np.float64).reshape(len(fingerprints), -1)
        self.eligible = np.isfinite(values).all(axis=1)
        rows = np.flatnonzero(self.eligible)
        self.rows = rows  # positions (in the sample) of the eligible examples
        self.fingerprints = [fingerprints[i] for i in rows]
        matrix = values[rows]
        std = matrix.std(axis=0) if len(rows) else np.zeros(values.shape[1])
        self.scale = np.where(std > 0, std, 1.0) if scale == 'standard' else np.ones_like(std)
        self.matrix = matrix / self.scale
        self.norms = np.einsum('ij,ij->i', self.matrix, self.matrix)
        scaled_std = std / self.scale
        self.median_std = float(np.median(scaled_std)) if scaled_std.size else 0.0
        self.codes = None if codes is None else np.asarray(codes, np.int64)[rows]
        self._positions = {}
        for i, fp in enumerate(self.fingerprints):
            self._positions.setdefault(fp, []).append(i)

    def __len__(self) -> int:
        return len(self.fingerprints)

    def neighbours(self, sources: np.ndarray, source_codes: list, k: int, exclude=()) -> List:
        """Per row of ``sources`` (raw values), the positions of its ``k`` nearest eligible
        examples, nearest first; ``exclude``: per source, a fingerprint never taken."""
        sources = np.asarray(sources, np.float64).reshape(len(source_codes), -1) / self.scale
        n = len(self)
        out = []
        step = max(1, _CHUNK // max(n, 1))
        for start in range(0, len(sources), step):
            block = sources[start : start + step]
            finite = np.isfinite(block)
            x0 = np.where(finite, block, 0.0)
            # Columns a source lacks are ignored: zero them in the candidates' norms too.
            if finite.all():
                norms = self.norms[None, :]
            else:
                norms = (finite.astype(np.float64)) @ (self.matrix**2).T
            approx = norms - 2.0 * (x0 @ self.matrix.T) + np.einsum('ij,ij->i', x0, x0)[:, None]
            bound = np.einsum('ij,ij->i', x0, x0)[:, None] + self.norms.max(initial=0.0)
            tolerance = 8.0 * (self.matrix.shape[1] + 2) * _EPS * bound
            for i in range(len(block)):
                s = start + i
                excluded = exclude[s] if len(exclude) else None
                found = self._nearest(approx[i], tolerance[i, 0], x0[i], finite[i], s,
                                      source_codes, k, excluded)  # fmt: skip
                out.append(found)
        return out

    def _mismatch(self, code_row, idx=None) -> np.ndarray:
        codes = self.codes if idx is None else self.codes[idx]
        return (codes != np.asarray(code_row, np.int64)[None, :]).sum(axis=1)

    def _nearest(self, approx, tolerance, x, finite, s, source_codes, k, excluded):
        n = len(self)
        penalty = 0.0
        code_row = source_codes[s]
        if code_row is not None and self.codes is not None and self.codes.shape[1]:
            penalty = self.median_std**2
            approx = approx + penalty * self._mismatch(code_row)
        usable = np.ones(n, bool)
        if excluded is not None:
            usable[self._positions.get(excluded, [])] = False
        count = min(k, int(usable.sum()))
        if count == 0:
            return np.zeros(0, np.int64)
        masked = np.where(usable, approx, np.inf)
        kth = np.partition(masked, count - 1)[count - 1]
        candidates = np.flatnonzero(usable & (masked <= kth + 2 * tolerance))
        diff = self.matrix[candidates][:, finite] - x[finite]
        exact = np.einsum('ij,ij->i', diff, diff)
        if penalty:
            exact = exact + penalty * self._mismatch(code_row, candidates)
        order = np.lexsort((candidates, exact))[:count]
        return candidates[order]


class SmoteClass:
    """One class's sample as a ``NeighbourIndex`` over its most common float layout."""

    def __init__(self, entries, options: SmoteOptions):
        self.fingerprints = [fp for fp, _ in entries]
        packed = [payload[0] for _, payload in entries]
        layouts = collections.Counter((names, counts) for names, counts, _ in packed)
        top = max(layouts.values())
        self.names, self.counts = min(sig for sig, c in layouts.items() if c == top)
        self.width = sum(self.counts)
        rows = np.full((len(entries), self.width), np.nan)
        for i, p in enumerate(packed):
            rows[i] = self.vector(floats.unpack_floats(p))
        cats = [dict(payload[1]) for _, payload in entries]
        self.categorical = tuple(sorted({n for c in cats for n in c}))
        self.values = [{} for _ in self.categorical]  # per feature: serialized value -> code
        self.decoded = [[] for _ in self.categorical]  # per feature: code -> serialized value
        codes = np.array([self.code_row(c, add=True) for c in cats], np.int64)
        codes = codes.reshape(len(entries), len(self.categorical))
        # A column without a finite value in the class is left out of the distance.
        self.keep = np.isfinite(rows).any(axis=0)
        self.index = NeighbourIndex(self.fingerprints, rows[:, self.keep], codes, options.scale)
        self.rows = {fp: i for i, fp in reversed(list(enumerate(self.fingerprints)))}
        self.raw, self.codes = rows, codes

    def vector(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        """The class's float columns of an example (NaN where it lacks one)."""
        out = np.full(self.width, np.nan)
        start = 0
        for name, n in zip(self.names, self.counts):
            values = features.get(name)
            if values is not None and values.shape == (n,):
                out[start : start + n] = values
            start += n
        return out

    def code_row(self, cats: Mapping[str, bytes], add: bool = False) -> list:
        """The categorical codes of an example (``-1``: a value not in the sample)."""
        row = []
        for f, name in enumerate(self.categorical):
            value = cats.get(name)  # None: the example lacks the feature
            code = self.values[f].get(value)
            if code is None:
                if add:
                    code = self.values[f][value] = len(self.decoded[f])
                    self.decoded[f].append(value)
                else:
                    code = -1
            row.append(code)
        return row

    def partner_floats(self, position: int) -> dict:
        """The float features of eligible example ``position`` (of the index) as float32 arrays."""
        row = self.raw[self.index.rows[position]].astype(np.float32)
        ends = np.cumsum(self.counts)
        return {name: row[end - n : end] for name, n, end in zip(self.names, self.counts, ends)}


def in_danger(other: int, m: int) -> bool:
    """Borderline-SMOTE's rule: half or more, but not all, of the ``m`` neighbours are others."""
    return m / 2 <= other < m


def danger_sources(reservoirs, classes, options: SmoteOptions, where: str) -> dict:
    """``{class: frozenset of fingerprints in danger}`` for each grown class that has some."""
    out = {}
    for label in sorted(classes, key=class_name):
        rebalance = classes[label]
        if not rebalance.generated:
            continue
        if rebalance.n > options.exact_limit:
            raise DataError(
                f"{where}, class {class_name(label)!r} has {rebalance.n} examples; 'smote' with "
                f"variant='borderline-1' needs every class it grows within exact_limit "
                f"({options.exact_limit}). Raise augmentation_options 'exact_limit' above "
                f'{rebalance.n - 1}, or drop the variant.'
            )
        own = SmoteClass(reservoirs[label], options)
        fps, rows, same = [], [], []
        for other_label, entries in reservoirs.items():
            for fp, payload in entries:
                fps.append(fp)
                rows.append(own.vector(floats.unpack_floats(payload[0]))[own.keep])
                same.append(other_label == label)
        everyone = NeighbourIndex(fps, np.array(rows).reshape(len(fps), -1), scale=options.scale)
        same = np.array(same)[everyone.rows]
        members = [i for i, fp in enumerate(own.fingerprints) if own.index.eligible[i]]
        vectors = own.raw[members][:, own.keep]
        member_fps = [own.fingerprints[i] for i in members]
        found = everyone.neighbours(vectors, [None] * len(members), options.m, exclude=member_fps)
        danger = frozenset(
            fp
            for fp, near in zip(member_fps, found)
            if len(near) == options.m and in_danger(int((~same[near]).sum()), options.m)
        )
        if danger:
            out[label] = danger
    return out


class SmoteGenerator:
    """The 'smote' copies of lists of sources ``(record, label, copies, fingerprint)``."""

    def __init__(self, config, provenance):
        self._config = config
        self._options = SmoteOptions.from_dict(config.options)
        self._provenance = provenance
        self._excluded = config.reserved_features
        self._plan, self._classes = None, {}

    def _class(self, plan, label) -> SmoteClass:
        if self._plan is not plan:
            self._plan, self._classes = plan, {}
        found = self._classes.get(label)
        if found is None:
            found = self._classes[label] = SmoteClass(plan.reservoirs[label], self._options)
            found.partners, found.aligned = {}, {}
        return found

    def copies(self, sources, plan):
        by_class = collections.defaultdict(list)
        for source in sources:
            by_class[source[1]].append(source)
        for label in sorted(by_class, key=class_name):
            yield from self._class_copies(by_class[label], plan, label)

    def _class_copies(self, sources, plan, label):
        cls = self._class(plan, label)
        examples, vectors, codes = [], [], []
        for record, _, _, fp in sources:
            example = example_pb2.Example.FromString(record)
            examples.append(example)
            row = cls.rows.get(fp)
            if row is not None:
                vectors.append(cls.raw[row][cls.keep])
                codes.append(cls.codes[row].tolist())
            else:  # not in the class's sample (a class above exact_limit)
                vectors.append(cls.vector(floats.float_features(example))[cls.keep])
                names = self._options.categorical_features
                cats = dict(pack_categoricals(example, names, self._excluded))
                codes.append(cls.code_row(cats))
        k = self._options.k
        fps = [fp for _, _, _, fp in sources]
        found = cls.index.neighbours(np.array(vectors), codes, k, exclude=fps)
        jobs = (
            job
            for (_, _, copies, fp), example, nearest in zip(sources, examples, found)
            for job in self._source_copies(cls, plan, label, example, fp, copies, nearest)
        )
        yield from floats.interpolate_many(jobs)  # all the sources' copies computed together

    def _source_copies(self, cls, plan, label, example, fp, copies, nearest):
        """One ``InterpolateSource`` per categorical choice of one source's copies."""
        seed = self._config.seed
        groups = collections.defaultdict(list)  # categorical choice -> [(partner, u)]
        neighbour_codes = cls.index.codes[nearest] if len(nearest) else None
        for j in range(copies):
            rng = example_rng(seed, fp, j)
            if len(nearest):
                draw = (int(rng.integers(len(nearest))), rng.random())
                choice = _modes(neighbour_codes, rng)
            else:  # no eligible neighbour: the copy is the source itself
                draw, choice = (0, 0.0), ()
            groups[choice].append(draw)
        # The cache is keyed by id(): only for partners that live as long as the class.
        aligned = cls.aligned
        if len(nearest):
            partners = [self._partner(cls, int(p)) for p in nearest]
            partner_fps = [cls.index.fingerprints[int(p)] for p in nearest]
        else:
            partners, partner_fps, aligned = [floats.float_features(example)], [fp], None
        for choice, draws in groups.items():
            yield floats.InterpolateSource(
                example=_with_categoricals(example, cls, choice),
                stats=plan.stats[label],
                partners=partners,
                rngs=(),
                extra=self._provenance.synthetic_features(fp, partner=True),
                aligned=aligned,
                draws=draws,
                partner_feature=self._config.partner_feature,
                partner_fingerprints=partner_fps,
            )

    @staticmethod
    def _partner(cls: SmoteClass, position: int) -> dict:
        found = cls.partners.get(position)
        if found is None:
            found = cls.partners[position] = cls.partner_floats(position)
        return found


def _modes(codes: np.ndarray, rng: np.random.Generator) -> tuple:
    """Per column of the neighbours' ``codes``, its most frequent code (ties: drawn by ``rng``)."""
    choice = []
    for column in codes.T:
        values, counts = np.unique(column, return_counts=True)
        tied = values[counts == counts.max()]
        pick = tied[0] if len(tied) == 1 else tied[int(rng.integers(len(tied)))]
        choice.append(int(pick))
    return tuple(choice)


def _with_categoricals(example, cls: SmoteClass, choice: tuple):
    """The source with each categorical feature set (or removed) as ``choice`` says."""
    if not choice:
        return example
    out = example_pb2.Example()
    out.CopyFrom(example)
    features = out.features.feature
    for name, values, code in zip(cls.categorical, cls.decoded, choice):
        value = values[code]
        if value is None:
            if name in features:
                del features[name]
        else:
            features[name].ParseFromString(value)
    return out
