"""Beam combine helpers shared by the components' aggregate passes.

Example:
    >>> import apache_beam as beam
    >>> class Total(MergeInputs):
    ...     def create_accumulator(self):
    ...         return 0
    ...     def add_input(self, acc, value):
    ...         return acc + value
    >>> with beam.Pipeline() as p:  # doctest: +SKIP
    ...     _ = p | beam.Create([1, 2, 3]) | beam.CombineGlobally(Total())
"""

import apache_beam as beam


class MergeInputs(beam.CombineFn):
    """A combine whose accumulator has the input's form: ``add_input`` merges one in, so merging
    accumulators is adding each to the first. Subclasses define ``create_accumulator`` and
    ``add_input`` (and ``extract_output`` where the output differs from the accumulator)."""

    def merge_accumulators(self, accs):
        accs = iter(accs)
        merged = next(accs)
        for acc in accs:
            merged = self.add_input(merged, acc)
        return merged

    def extract_output(self, acc):
        return acc
