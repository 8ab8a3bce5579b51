"""Writing and reading the JSON reports the components write beside their outputs.

Paths go through ``tf.io.gfile``. ``WriteJson`` runs on Beam workers, so it lives in ``core/``
(no TFX import).
"""

from __future__ import annotations

import json
import os

import apache_beam as beam


def write_json(path: str, obj) -> None:
    """Writes ``obj`` as pretty JSON (two-space indent, keys in their order) to ``path``."""
    import tensorflow as tf

    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.gfile.GFile(path, 'w') as f:
        f.write(json.dumps(obj, indent=2, sort_keys=False) + '\n')


def read_json(path: str):
    import tensorflow as tf

    with tf.io.gfile.GFile(path) as f:
        return json.load(f)


def _write_element(obj, path: str) -> str:
    write_json(path, obj)
    return path


@beam.ptransform_fn
def WriteJson(pcoll, path: str):  # noqa: N802
    """Writes the single element of ``pcoll`` as pretty JSON to ``path``."""
    return pcoll | 'WriteJsonFile' >> beam.Map(_write_element, path)
