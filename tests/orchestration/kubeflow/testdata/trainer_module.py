"""A user module file for the Kubeflow compile tests: TFX packages it as a wheel under
``<pipeline_root>/_wheels`` when the pipeline is compiled. It is imported, never trained."""

MODULE_MARKER = 'tfx-balance kubeflow test module'


def run_fn(fn_args):
    """Trainer entry point (not called by the tests)."""
    raise NotImplementedError(f'test module; got {fn_args!r}')
