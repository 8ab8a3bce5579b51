"""A mixed-integer linear program built row by row, solved by scipy's ``milp`` (HiGHS).

The exact step of the plan's search (``PlanSearch.fill_exact`` in search.py) states its program
here: arrays in, a solution out, no knowledge of the search. HiGHS is deterministic and runs
under a node limit, never a time limit, so the same program gives the same solution on any
machine load.

Example (two integers, the most ``x`` with ``x <= 1``, ``y <= 5`` and ``x + y = 3``):
    >>> program = Program()
    >>> x, y = program.variables(1, upper=1, cost=-1.0), program.variables(1, upper=5)
    >>> program.row([x, y], [1, 1], 3, 3)
    >>> program.solve().tolist()
    [1.0, 2.0]
"""

from __future__ import annotations

import numpy as np

NODE_LIMIT = 1000  # HiGHS branch-and-bound nodes (deterministic; no time limit)


class Program:
    """A MILP built row by row (integer variables unless said otherwise)."""

    def __init__(self):
        self.cost, self.lower, self.upper, self.integral = [], [], [], []
        self.rows, self.cols, self.vals, self.lo, self.hi = [], [], [], [], []

    def variables(self, count, upper=np.inf, lower=0.0, cost=0.0) -> int:
        """``count`` new variables (real where ``lower`` is None, else integers); returns the
        first one's index."""
        first = len(self.cost)
        real = lower is None
        self.cost.extend([cost] * count)
        self.lower.extend([-np.inf if real else lower] * count)
        self.upper.extend(np.broadcast_to(np.inf if upper is None else upper, (count,)).tolist())
        self.integral.extend([0 if real else 1] * count)
        return first

    def convex(self, cols, fixed, points, cost) -> None:
        """A cost ``cost(v)`` (convex) of ``v = fixed + sum of cols``: a variable above its
        secants between the sorted break ``points`` (exact at them)."""
        if len(points) < 2:
            return
        y = self.variables(1, lower=None, upper=None, cost=1.0)
        for a, b in zip(points[:-1], points[1:]):
            fa, fb = cost(a), cost(b)
            g = (fb - fa) / (b - a)  # y >= fa + g (fixed + sum x - a)
            self.row(
                np.append(cols, y),
                np.append(-g * np.ones(len(cols)), 1),
                fa + g * (fixed - a),
                None,
            )

    def row(self, cols, vals, lo, hi) -> None:
        """The constraint ``lo <= sum of vals x cols <= hi`` (None: unbounded)."""
        self.rows.extend([len(self.lo)] * len(cols))
        self.cols.extend(np.asarray(cols).tolist())
        self.vals.extend(np.asarray(vals, dtype=float).tolist())
        self.lo.append(-np.inf if lo is None else float(lo))
        self.hi.append(np.inf if hi is None else float(hi))

    def solve(self):
        """The variables' values at the least cost, or None where HiGHS finds no solution."""
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_matrix

        cost = np.array(self.cost, dtype=float)
        matrix = csr_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.lo), len(cost)))
        result = milp(
            cost,
            constraints=LinearConstraint(matrix, self.lo, self.hi),
            integrality=np.array(self.integral),
            bounds=Bounds(self.lower, self.upper),
            options={'node_limit': NODE_LIMIT, 'disp': False},
        )
        return result.x
