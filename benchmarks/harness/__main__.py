"""The fresh process of a measured job: ``python -m benchmarks.harness <spec.json>``, started by
``harness.run_shared``. The harness is imported as ``benchmarks.harness`` here too, so the jobs'
``harness.timed`` records its baseline RSS where ``harness._call`` reads it."""

import sys

from benchmarks.harness import main

sys.exit(main(sys.argv))
