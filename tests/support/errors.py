"""The error contract of every component: ours, naming the problem and a fix, documented in
docs/troubleshooting.md, and no output left behind.

Example::

    from tests.support.errors import assert_fails_cleanly

    assert_fails_cleanly(
        tmp_path, ConfigError, "weight of split 'train' is 0", 'Remove the split', lambda: run(...)
    )
"""

import os
import re

import pytest

from tfx_balance.core.common.errors import TfxBalanceError

TROUBLESHOOTING = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__))), 'docs', 'troubleshooting.md'
)


def troubleshooting_table() -> str:
    """The rows of the error table in docs/troubleshooting.md."""
    with open(TROUBLESHOOTING) as f:
        return '\n'.join(line for line in f.read().splitlines() if line.startswith('| `'))


def documented_errors() -> list:
    """The message excerpts of the troubleshooting table, as regexes (``<x>``, ``...``: any)."""
    patterns = []
    for line in troubleshooting_table().splitlines():
        for excerpt in re.findall(r'`([^`]+)`', line.split(' | ')[0]):
            parts = re.split(r'\s*(?:<[^>]*>|\.\.\.)\s*', excerpt)
            patterns.append('.*?'.join(re.escape(p) for p in parts))
    return patterns


def assert_fails_cleanly(tmp_path, error, problem, fix, call):
    """``call()`` raises ``error`` (one of ours) naming ``problem`` and ``fix``; output empty.

    The message must also match a row of the table in docs/troubleshooting.md.
    """
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, TfxBalanceError)
    message = str(info.value)
    assert re.search(problem, message), message
    assert re.search(fix, message), message
    assert any(re.search(p, message) for p in documented_errors()), f'undocumented: {message}'
    out = tmp_path / 'out'
    assert not out.exists() or os.listdir(out) == []
