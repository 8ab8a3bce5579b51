"""A window of spans that holds one span more than once: which spans, and what to do instead.

A window is several sources read as one: a Resolver's Examples artifacts, or the layouts a
Trainer is given. TFX's SpanRangeStrategy hands over every artifact whose span is in its range,
so a span written again by a re-run is read once per artifact and counts twice;
``tfx_balance.PreviousSpanStrategy`` keeps the newest artifact of each span. Sources that all hold
one span are a window of runs of data without spans (span 0 every run), not a re-run. The
callers (``artifacts.warn_repeated_spans``, ``balanced_input_gen.plan_file.load_plans``) log
what this finds.

Example:
    >>> repeated_spans([('span 5', [5]), ('span 6 (input 1)', [6]), ('span 6 (input 2)', [6])])
    {6: ['span 6 (input 1)', 'span 6 (input 2)']}
    >>> repeated_spans([('input 0', [0]), ('input 1', [0])])  # a window of runs without spans
    {}
"""

from __future__ import annotations

import collections
from typing import Dict, Iterable, List, Sequence, Tuple

REPEATED_SPAN_FIX = (
    'If a span was ingested or laid out again (a re-run), resolve the window with '
    "tfx_balance.PreviousSpanStrategy (config={{'num_spans': N, 'skip_newest': False}}), which "
    'keeps the newest {unit} of each span; SpanRangeStrategy hands over all of them.'
)


def repeated_spans(sources: Iterable[Tuple[str, Sequence[int | None]]]) -> Dict[int, List[str]]:
    """``{span: the names of the sources holding it}`` (spans ascending, names in the given
    order) of every span that two or more of ``sources`` (``(name, spans)``) hold, when they hold
    at least two spans between them; a source whose span is unknown (None) counts as one more
    span, never as a repeat."""
    holders = collections.defaultdict(list)
    for name, spans in sources:
        for span in spans:
            holders[span].append(name)
    if len(holders) < 2:
        return {}
    return {
        span: holders[span]
        for span in sorted(s for s in holders if s is not None)
        if len(holders[span]) > 1
    }
