"""No unseeded randomness anywhere in the package: every random choice must be a pure function of
(seed, example fingerprint, index), so Beam retries, re-orderings and runners agree.

Forbidden: the ``random`` module's functions, ``np.random.<fn>`` other than constructing a seeded
Generator/BitGenerator/SeedSequence, ``np.random.default_rng()`` without a seed, and ``tf.random``
ops (stateful or stateless) and ``tf.data`` ``.shuffle()`` without an explicit seed argument.
"""

import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'components')
NP_ALLOWED = {'Generator', 'PCG64', 'Philox', 'SeedSequence', 'default_rng'}


def python_files():
    for dirpath, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith('.py'):
                yield os.path.join(dirpath, name)


def dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return '.'.join(reversed(parts))
    return None


def violations(path):
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names]
            module = getattr(node, 'module', None) or ''
            if module == 'random' or 'random' in names and not module:
                found.append((node.lineno, 'imports the random module'))
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func) or ''
        keywords = {k.arg for k in node.keywords}
        if name.startswith('random.'):
            found.append((node.lineno, name))
        elif name.startswith(('np.random.', 'numpy.random.')):
            fn = name.rsplit('.', 1)[1]
            if fn not in NP_ALLOWED:
                found.append((node.lineno, name))
            elif fn == 'default_rng' and not node.args and 'seed' not in keywords:
                found.append((node.lineno, 'np.random.default_rng() without a seed'))
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == 'shuffle'
            and 'seed' not in keywords
            and 'rng' not in (dotted(node.func.value) or '').lower()
        ):
            found.append((node.lineno, f'{name or ".shuffle"}() without seed= (tf.data)'))
        elif name.startswith('tf.random.') or name.startswith('tf.image.random_'):
            if 'seed' not in keywords and not name.startswith('tf.random.stateless_'):
                found.append((node.lineno, f'{name} without seed='))
            elif name.startswith('tf.random.stateless_') and 'seed' not in keywords:
                if len(node.args) < 2:
                    found.append((node.lineno, f'{name} without seed'))
    return found


def test_scan_finds_the_package():
    assert sum(1 for _ in python_files()) > 10


@pytest.mark.parametrize(
    'code, bad',
    [
        ('import random\nrandom.random()', True),
        ('import numpy as np\nnp.random.rand(3)', True),
        ('import numpy as np\nnp.random.default_rng()', True),
        ('import numpy as np\nnp.random.default_rng(7)', False),
        ('import numpy as np\nnp.random.Generator(np.random.PCG64(1))', False),
        ('import tensorflow as tf\ntf.random.uniform([2])', True),
        ('import tensorflow as tf\ntf.random.uniform([2], seed=1)', False),
        ('import tensorflow as tf\ntf.random.stateless_uniform([2], seed=[1, 2])', False),
        ('ds = ds.shuffle(100)', True),
        ('ds = ds.shuffle(100, seed=3)', False),
        ('rng.shuffle(values)', False),
    ],
)
def test_scanner_detects_what_it_should(tmp_path, code, bad):
    path = tmp_path / 'm.py'
    path.write_text(code)
    assert bool(violations(str(path))) == bad


def test_package_has_no_unseeded_randomness():
    problems = [
        f'{os.path.relpath(path, PACKAGE)}:{line}: {what}'
        for path in python_files()
        for line, what in violations(path)
    ]
    assert not problems, 'unseeded randomness:\n' + '\n'.join(problems)
