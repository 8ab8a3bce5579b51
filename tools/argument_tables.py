"""Writes each component's argument table into its docs page, from the config's fields.

A page holds the table between ``<!-- arguments: <module>:<Config> -->`` and
``<!-- /arguments -->``; tests/test_docs.py fails when a table is not what the config declares.
Run after changing an argument: ``.venv/bin/python tools/argument_tables.py``.
"""

from __future__ import annotations

import glob
import importlib
import os
import re
import sys

MARKED = re.compile(
    r'(<!-- arguments: (?P<config>[\w.]+:\w+) -->\n)(?P<table>.*?)\n?<!-- /arguments -->', re.S
)
END = '\n<!-- /arguments -->'
DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'docs')


def config_class(spec: str):
    module, name = spec.split(':')
    return getattr(importlib.import_module(module), name)


def tables(text: str) -> list:
    """``(config spec, table in the page)`` for every marked table of ``text``."""
    return [(m['config'], m['table']) for m in MARKED.finditer(text)]


def rewritten(text: str) -> str:
    """``text`` with every marked table replaced by its config's ``argument_table()``."""
    return MARKED.sub(lambda m: m.group(1) + config_class(m['config']).argument_table() + END, text)


def main() -> int:
    for page in sorted(glob.glob(os.path.join(DOCS, '*.md'))):
        with open(page) as f:
            text = f.read()
        new = rewritten(text)
        if new != text:
            with open(page, 'w') as f:
                f.write(new)
            print(f'updated {os.path.relpath(page)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
