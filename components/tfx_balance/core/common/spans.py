"""A window of spans: the config of PreviousSpanStrategy's window, and the spans it holds twice.

``WindowConfig`` is checked where the pipeline is built and where the Resolver runs;
``repeated_spans`` finds the spans a window holds more than once (a re-run's span).

Example:
    >>> repeated_spans([('span 5', [5]), ('span 6 (input 1)', [6]), ('span 6 (input 2)', [6])])
    {6: ['span 6 (input 1)', 'span 6 (input 2)']}
    >>> repeated_spans([('input 0', [0]), ('input 1', [0])])  # a window of runs without spans
    {}
    >>> WindowConfig.from_config({'num_span': 3})
    Traceback (most recent call last):
    ...
    tfx_balance.core.common.errors.ConfigError: PreviousSpanStrategy config has key 'num_span' (value ...
"""

from __future__ import annotations

import collections
import dataclasses
import difflib
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

from tfx_balance.core.common.arguments import Arguments, argument
from tfx_balance.core.common.errors import ConfigError

REPEATED_SPAN_FIX = (
    'If a span was ingested or laid out again (a re-run), resolve the window with '
    "tfx_balance.PreviousSpanStrategy (config={{'num_spans': N, 'skip_newest': False}}), which "
    'keeps the newest {unit} of each span; SpanRangeStrategy hands over all of them.'
)
STRATEGY = 'PreviousSpanStrategy'


@dataclasses.dataclass(frozen=True)
class WindowConfig(Arguments):
    """The ``config`` of a ``tfx.dsl.Resolver`` with ``tfx_balance.PreviousSpanStrategy``."""

    num_spans: int = argument(1, doc='an int >= 1: how many spans the window holds.', wire=None)
    skip_newest: bool = argument(
        True,
        doc='True or False: whether the newest span is left out (True: the spans before this '
        "run's, resolved after it; False: a window ending with the newest span).",
        wire=None,
    )

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = STRATEGY) -> WindowConfig:
        """The checked Resolver ``config``, or a ``ConfigError`` saying what to write instead."""
        if not isinstance(config, Mapping):
            raise ConfigError(
                f'{where} config is {config!r} ({type(config).__name__}); expected a dict of '
                f"{cls._keys()}. Fix the Resolver's config, e.g. config={{'num_spans': 2}}."
            )
        names = [f.name for f in cls.declared()]
        for key, value in config.items():
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=1)
                fixed = {
                    (close[0] if k == key else k): v for k, v in config.items() if close or k != key
                }
                raise ConfigError(
                    f'{where} config has key {key!r} (value {value!r}), which it does not take; '
                    f'its keys: {cls._keys()}. '
                    + (f'Did you mean {close[0]!r}? ' if close else '')
                    + f"Fix the Resolver's config: config={cls._ordered(fixed)!r}."
                )
        return cls(**config).validate(where, config)

    def validate(self, where: str = STRATEGY, config: Mapping[str, Any] | None = None):
        """This config, checked (``from_config``); ``config``: the mapping it was given as."""
        config = dataclasses.asdict(self) if config is None else config
        n = self.num_spans
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            more = (
                ' (to read no earlier span, leave the Resolver out: the input it feeds is optional)'
                if isinstance(n, int) and not isinstance(n, bool)
                else ''
            )
            raise self._refused(where, config, 'num_spans', _as_count(n), more)
        if not isinstance(self.skip_newest, bool):
            raise self._refused(where, config, 'skip_newest', _as_bool(self.skip_newest))
        return self

    @classmethod
    def _keys(cls) -> str:
        """Each key, what it takes and its default, for a message."""
        return ', '.join(
            f'{f.name} ({f.metadata["doc"].split(":")[0]}, default {f.default!r})'
            for f in cls.declared()
        )

    @classmethod
    def _ordered(cls, config: Mapping[str, Any]) -> dict:
        """``config``'s keys in declaration order, others last (TFX hands the strategy its
        config in key order)."""
        names = [f.name for f in cls.declared()]
        order = {name: i for i, name in enumerate(names)}
        return {k: config[k] for k in sorted(config, key=lambda k: order.get(k, len(names)))}

    @classmethod
    def _refused(cls, where, config, key, fixed, more='') -> ConfigError:
        """The error of ``config[key]``: what it is and takes, and the config with ``fixed``."""
        value = config[key]
        (doc,) = [f.metadata['doc'] for f in cls.declared() if f.name == key]
        return ConfigError(
            f'{where} config[{key!r}] is {value!r} ({type(value).__name__}); expected '
            f"{doc.rstrip('.')}. Fix the Resolver's config: "
            f'config={cls._ordered({**config, key: fixed})!r}'
            f'{more}.'
        )


def _as_count(value) -> int:
    """The count a mistyped ``num_spans`` most likely meant (``'2'``, ``2.0``: 2), at least 1."""
    try:
        n = int(float(value)) if isinstance(value, (str, float)) else int(value)
    except (TypeError, ValueError):
        n = 1
    return max(n, 1)


def _as_bool(value) -> bool:
    """The flag a mistyped ``skip_newest`` most likely meant (``'false'``, ``0``: False)."""
    return str(value).strip().lower() not in ('false', 'no', '0', 'none', '')


def repeated_spans(sources: Iterable[Tuple[str, Sequence[int | None]]]) -> Dict[int, List[str]]:
    """``{span: names of the sources holding it}`` of every known span two or more ``(name,
    spans)`` sources hold; none when every span is 0 or unknown (data without spans)."""
    holders = collections.defaultdict(list)
    for name, spans in sources:
        for span in spans:
            holders[span].append(name)
    if set(holders) <= {0, None}:
        return {}
    return {
        span: holders[span]
        for span in sorted(s for s in holders if s is not None)
        if len(holders[span]) > 1
    }
