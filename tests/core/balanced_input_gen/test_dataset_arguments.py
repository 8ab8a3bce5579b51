"""docs/balanced_input_gen.md tables ``balanced_dataset``'s arguments: every parameter, in order,
with its default as the function declares it."""

import inspect
import os
import re

from tfx_balance import balanced_dataset

PAGE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))),
    'docs',
    'balanced_input_gen.md',
)
TABLE = re.compile(
    r'<!-- function-arguments: tfx_balance\.balanced_dataset -->\n(?P<table>.*?)\n'
    r'<!-- /function-arguments -->',
    re.S,
)


def test_the_table_is_the_signature():
    with open(PAGE) as f:
        (table,) = TABLE.findall(f.read())
    rows = [line.split(' | ') for line in table.splitlines()[2:]]
    documented = [(name.strip('| `'), default.strip('`')) for name, default, _ in rows]
    declared = [
        (p.name, 'required' if p.default is inspect.Parameter.empty else repr(p.default))
        for p in inspect.signature(balanced_dataset).parameters.values()
    ]
    assert documented == declared
    assert all(doc.strip(' |') for _, _, doc in rows)
