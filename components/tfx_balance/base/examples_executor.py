"""The base of the Beam executors: Examples in, one core transform, Examples out.

As TFX's ``BaseExampleGenExecutor`` does, ``ExamplesExecutor.Do`` runs what they share and a
subclass supplies its config (``decode_config``), the splits read and passed through, and its
transform (``expand``, which returns one report written as ``REPORT_FILE``). The Beam job runs
inside ``artifacts.output_guard``: a failure leaves no output.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, NamedTuple

import apache_beam as beam
from absl import logging
from tfx import types
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils

from tfx_balance.base import artifacts, html_report
from tfx_balance.core.common import keys


class Run(NamedTuple):
    """What ``ExamplesExecutor.Do`` decoded, handed to ``describe`` and ``expand``."""

    examples: Any  # the input Examples artifact (with ``WINDOW``, the list of them)
    output: types.Artifact  # the output Examples artifact
    config: Any  # decode_config's result
    read: List[str]  # the input splits the Beam job reads
    passthrough: List[str]  # the input splits copied unchanged
    input_dict: Dict[str, List[types.Artifact]]  # Do's, for a subclass's other inputs
    output_dict: Dict[str, List[types.Artifact]]  # Do's, for a subclass's other outputs


class ExamplesExecutor(base_beam_executor.BaseBeamExecutor):
    """Runs one tfx-balance Beam component; subclasses supply the config and the transform.

    Do(input_dict, output_dict, exec_properties):
      input_dict['input_examples']: one Examples artifact (tf.Example payload); with ``WINDOW``,
        a window of spans with the same splits, read as one (``expand`` sees the list; the
        output takes the latest span's span and version).
      output_dict['examples']: one Examples artifact: the splits ``expand`` writes, the
        passed-through splits copied unchanged, and ``REPORT_FILE`` at its root.
      exec_properties: decoded by the subclass's ``decode_config``.
    """

    COMPONENT = ''  # the component's name, in messages and logs
    REPORT_FILE = ''  # the report written at the output artifact's root
    WINDOW = False  # True: input_examples may be a window of several artifacts

    def decode_config(self, exec_properties: Dict[str, Any]):
        """The component's config, decoded (and validated) once from the properties."""
        raise NotImplementedError

    def read_splits(self, examples, config) -> List[str]:
        """The input splits the Beam job reads (default: the config's ``splits``)."""
        return artifacts.resolve_splits(examples, list(config.splits), 'splits')

    def passthrough_splits(self, examples, config, read: List[str]) -> List[str]:
        """Input splits copied unchanged into the output (default: every split not read)."""
        return [split for split in artifacts.split_names(examples) if split not in read]

    def output_splits(self, examples, config, read: List[str]) -> List[str]:
        """The output artifact's ``split_names`` (default: the input's)."""
        return artifacts.split_names(examples)

    def describe(self, run: Run) -> str:
        """One line logged before the job starts."""
        return f'reading split(s) {run.read}; passing through {run.passthrough or "nothing"}.'

    def expand(self, pipeline, run: Run):
        """Reads the subclass's other inputs (``run.input_dict``) and adds the component's
        stages; returns a PCollection of one report dict."""
        raise NotImplementedError

    @staticmethod
    def report_of_parts(parts, to_report, *args):
        """One report from per-split PCollections: ``to_report([part, ...], *args)``."""
        return (
            parts
            | 'AllParts' >> beam.Flatten()
            | 'PartsToList' >> beam.combiners.ToList()
            | 'Report' >> beam.Map(to_report, *args)
        )

    def summary(self, report, config) -> str:
        """The per-class table of ``report``, logged when the component has finished."""
        raise NotImplementedError

    def check_report(self, run: Run, report) -> None:
        """Raises if the written ``report`` shows a problem only the whole output reveals."""

    def Do(  # noqa: N802 (TFX API)
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        window = list(input_dict[keys.INPUT_EXAMPLES_KEY])
        examples = window if self.WINDOW else artifacts.require_single(window, self.COMPONENT)
        output = artifact_utils.get_single_instance(output_dict[keys.EXAMPLES_KEY])
        artifacts.require_tf_example(window, self.COMPONENT)
        artifacts.check_same_splits(window, self.COMPONENT)
        artifacts.warn_repeated_spans(window, self.COMPONENT, 'examples')
        config = self.decode_config(exec_properties)
        read = self.read_splits(window[0], config)  # every artifact has these splits
        for split in read:
            artifacts.check_split_files(window, split)
        passthrough = self.passthrough_splits(window[0], config, read)
        run = Run(examples, output, config, read, passthrough, input_dict, output_dict)
        report_path = os.path.join(output.uri, self.REPORT_FILE)
        outputs = [artifact for artifact_list in output_dict.values() for artifact in artifact_list]

        logging.info('%s: %s', self.COMPONENT, self.describe(run))
        with artifacts.output_guard(*outputs):
            with artifacts.checked_beam_pipeline(
                self._make_beam_pipeline, window, read
            ) as pipeline:
                report = self.expand(pipeline, run)
                _ = report | 'WriteReport' >> artifacts.WriteJson(report_path)
            for split in passthrough:
                artifacts.copy_split(window, split, output)
            splits = self.output_splits(window[0], config, read)
            artifacts.finish_examples(window, output, splits)
            report = artifacts.read_json(report_path)
            self.check_report(run, report)
            html_report.write(output_dict, self.REPORT_FILE, report)
        logging.info('%s per-class counts:\n%s', self.COMPONENT, self.summary(report, config))
