"""An artifact's span and version, and a window of spans (e.g. a Resolver's) read as one input.

An artifact is named in messages by its span (``'span 3'``; ``'input <i>'`` without one,
``'span 3 (input <i>)'`` when two share it).

Example::

    window = input_dict['input_examples']
    for name, examples in oldest_first(window):
        ...  # 'span 1', then 'span 2', ...
    copy_span_and_version(latest(window), output)
"""

from __future__ import annotations

import collections
import re
from typing import List, Tuple

from absl import logging
from tfx.components.example_gen import utils as example_gen_utils
from tfx.types import artifact_utils

from tfx_balance.core.common.errors import ConfigError
from tfx_balance.core.common.spans import REPEATED_SPAN_FIX, repeated_spans

# TFX's names, in its example_gen utils (which ExampleGen's driver and SpanRangeStrategy use).
SPAN_AND_VERSION = (example_gen_utils.SPAN_PROPERTY_NAME, example_gen_utils.VERSION_PROPERTY_NAME)


def span_or_version(artifact, name: str) -> int | None:
    """``artifact``'s span or version (``name``): custom property, else property, else None."""
    if artifact.has_custom_property(name):
        value = artifact.get_custom_property(name)
        return int(value) if value not in (None, '') else None
    if artifact.has_property(name):
        return int(getattr(artifact, name))
    return None


def copy_span_and_version(source, output) -> None:
    """Gives ``output`` the span and version of ``source`` (a window: its ``latest``), as custom
    properties and as properties where the type declares them."""
    source = latest(source)
    for name in SPAN_AND_VERSION:
        value = span_or_version(source, name)
        if value is None:
            continue
        output.set_int_custom_property(name, value)
        if name in (output.PROPERTIES or {}):
            setattr(output, name, value)


def span_of(artifact) -> int | None:
    """The artifact's span (``span_or_version``), or None."""
    return span_or_version(artifact, example_gen_utils.SPAN_PROPERTY_NAME)


def as_window(examples) -> list:
    """``examples`` as a list: a list of artifacts as given, one artifact as a list of one."""
    return list(examples) if isinstance(examples, (list, tuple)) else [examples]


def source_names(window) -> List[str]:
    """The name of each artifact of ``window`` in messages (module doc), in the window's order."""
    window = as_window(window)
    spans = [span_of(examples) for examples in window]
    repeated = {s for s, n in collections.Counter(spans).items() if n > 1}
    return [
        f'input {i}'
        if span is None
        else f'span {span} (input {i})'
        if span in repeated
        else f'span {span}'
        for i, span in enumerate(spans)
    ]


def warn_repeated_spans(window, component: str, argument: str) -> None:
    """Logs a warning naming each span ``window`` holds more than once (``repeated_spans``)."""
    window = as_window(window)
    names = source_names(window)
    repeated = repeated_spans((name, [span_of(a)]) for name, a in zip(names, window))
    if not repeated:
        return
    logging.warning(
        '%s: %s holds %s more than once (%s): each artifact is read, so the span counts once per '
        'artifact. %s',
        component,
        argument,
        ', '.join(f'span {s}' for s in repeated),
        ', '.join(names),
        REPEATED_SPAN_FIX.format(unit='artifact'),
    )


def message_names(window) -> List[str]:
    """``source_names``, or ``['the input artifact']`` for a window of one."""
    window = as_window(window)
    return source_names(window) if len(window) > 1 else ['the input artifact']


def file_prefix(name: str) -> str:
    """A source name as a file-name prefix: ``'span 3'`` -> ``'span-3-'``."""
    return re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-') + '-'


def oldest_first(window) -> List[Tuple[str, object]]:
    """``(name, artifact)`` of ``window``, oldest span first (artifacts without a span last)."""
    window = as_window(window)
    names, spans = source_names(window), [span_of(examples) for examples in window]
    order = sorted(range(len(window)), key=lambda i: (spans[i] is None, spans[i] or 0, i))
    return [(names[i], window[i]) for i in order]


def latest(window):
    """The artifact of ``window`` with the latest span, then version (else the first)."""
    window = as_window(window)

    def key(artifact):
        span, version = (
            span_of(artifact),
            span_or_version(artifact, example_gen_utils.VERSION_PROPERTY_NAME),
        )
        return (-1 if span is None else span, -1 if version is None else version)

    return max(window, key=key)  # max keeps the first of equal keys


def check_same_splits(window, component: str) -> List[str]:
    """The split names every artifact of ``window`` has; a ``ConfigError`` when they differ."""
    window = as_window(window)
    names = source_names(window)
    per_artifact = [list(artifact_utils.decode_split_names(a.split_names)) for a in window]
    first = per_artifact[0]
    for name, splits in zip(names[1:], per_artifact[1:]):
        if set(splits) != set(first):
            missing = ', '.join(repr(s) for s in first if s not in splits)
            extra = ', '.join(repr(s) for s in splits if s not in first)
            detail = '; '.join(
                ([f'{name} has no split {missing}'] if missing else [])
                + ([f'{name} has split {extra} that {names[0]} has not'] if extra else [])
            )
            raise ConfigError(
                f'{component} reads a window of {len(window)} Examples artifacts '
                f'({", ".join(names)}) whose splits differ: {names[0]} has '
                f'{", ".join(first)}; {detail}. Every artifact of a window must have the same '
                'splits: split every span the same way (ExampleGen output_config or '
                'StratifiedSplitter splits), or narrow the window to the spans that do.'
            )
    return first


def require_single(window, component: str, argument: str = 'examples', fix: str = ''):
    """The one artifact of ``window``, or a ``ConfigError`` naming its spans and ``fix``."""
    window = as_window(window)
    if len(window) == 1:
        return window[0]
    fix = fix or (
        'Give it one span (the ExampleGen output of the run) and window what it writes further '
        'down: BalancedInputGen, LeakageCheck, ClassDistributionValidator and the Trainer take a '
        'window.'
    )
    raise ConfigError(
        f'{component} reads one Examples artifact, but {argument} holds {len(window)} (a window '
        f'of {", ".join(source_names(window))}, e.g. from a Resolver). {fix}'
    )
