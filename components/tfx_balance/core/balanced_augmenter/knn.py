"""'smote': the k nearest same-class neighbours of a source, exact, on one class's examples.

A ``NeighbourIndex`` is built once per class (per worker) from the class's examples as the
profile pass collected them (``profile``: every example of a class of
at most ``exact_limit`` examples, else its seeded bottom-``exact_limit`` sample). Its columns are
the float values of the class's most common float layout (feature names and lengths, ties: the
smallest), as given or standardised (``scale='standard'``: divided by each column's standard
deviation, ddof 0; a constant column is left as is). SMOTE-NC: each categorical feature whose
value (the whole value list) differs from the source's adds ``median_std ** 2`` to the squared
distance, ``median_std`` being the median of the columns' standard deviations (on the scale the
distance uses), as imbalanced-learn's ``SMOTENC`` does.

Non-finite floats (rule: docs/balanced_augmenter.md, "Non-finite floats"): an example with a NaN,
+inf or -inf value in a column (or lacking a column) is never a neighbour; as a source, its
distances are computed over its finite columns only.

``NeighbourIndex.neighbours`` is exact brute force: candidate distances by the dot-product
expansion (one matrix product, chunked), then every candidate within a rounding bound of the
``k``-th is re-measured as a plain sum of squared differences in float64, and the ``k`` smallest
are kept, ties by position in the class's sample. The result does not depend on BLAS rounding,
batching or the order of sources.

Example:
    >>> import numpy as np
    >>> index = NeighbourIndex(['a', 'b', 'c'], np.array([[0.0], [1.0], [3.0]]))
    >>> found = index.neighbours(np.array([[0.0]]), [None], 2, exclude=['a'])  # source 'a'
    >>> [index.fingerprints[i] for i in found[0]]
    ['b', 'c']
"""

from __future__ import annotations

from typing import List, Sequence

import numpy as np

SCALES = ('none', 'standard')
_CHUNK = 1 << 22  # distance-matrix elements per step (memory bound: 32 MiB of float64)
_EPS = np.finfo(np.float64).eps


class NeighbourIndex:
    """The eligible examples of a class as a float64 matrix, ready for exact kNN queries.

    Args:
      fingerprints: the examples' fingerprints, in the class's sample order.
      values: ``(n, d)`` float values (NaN where missing or not finite).
      codes: optional ``(n, c)`` int categorical codes (equal codes, equal values).
      scale: 'none' (the features as given, imbalanced-learn's default) or 'standard'.
    """

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
        """The positions (in ``fingerprints``) of the ``k`` nearest eligible examples of each
        row of ``sources`` (``(b, d)``, raw values), nearest first; fewer when fewer are eligible.

        ``source_codes``: each source's categorical codes (None without categorical features);
        ``exclude``: per source, a fingerprint never taken (the source itself and its duplicates).
        """
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
