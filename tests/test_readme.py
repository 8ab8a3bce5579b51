"""Every ```python block in README.md runs, as written, in a fresh working directory.

Blocks run in order in one interpreter (imports are paid once), each in its own namespace, so each
must be self-contained. A block preceded by ``<!-- readme-test: skip (reason) -->`` is not run;
the reason must be given.
"""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(
    r'(<!-- readme-test: skip \((?P<why>[^)]+)\) -->\s*)?```python\n(?P<code>.*?)```', re.S
)


def readme_blocks():
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read()
    blocks = []
    for match in BLOCK.finditer(text):
        line = text[: match.start('code')].count('\n') + 1
        blocks.append((line, match.group('code'), match.group('why')))
    return blocks


def test_readme_has_runnable_examples():
    assert sum(1 for _, _, why in readme_blocks() if why is None) >= 1


@pytest.mark.e2e
@pytest.mark.parametrize('line, code, why', readme_blocks(), ids=lambda v: str(v)[:20])
def test_readme_python_block_runs(line, code, why, tmp_path, monkeypatch):
    if why is not None:
        pytest.skip(f'README.md line {line}: {why}')
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f'README.md:{line}', 'exec'), {'__name__': '__readme__'})
