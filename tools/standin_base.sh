#!/usr/bin/env bash
# Builds a LOCAL STAND-IN for the base image docker/Dockerfile names (tensorflow/tfx:<version>),
# for tests on machines that cannot pull it: a Debian bookworm root (debootstrap, from this
# machine's apt mirror) with this machine's Python 3.10 and the project's locked dependencies
# (docker/requirements.txt, installed by uv from its cache), with bytecode for what the image's
# processes import, imported and tagged as the base, so that docker/Dockerfile is built unchanged
# on top of it.
#
# It is for tests only and must NEVER be pushed: it is not the TFX image (no Beam boot binary at
# /opt/apache/beam/boot; a copy of the host's Python). Does nothing if the base is already present
# or can be pulled. Needs root, debootstrap, uv, and a running Docker daemon.
#
# Usage: tools/standin_base.sh [base-tag]   (default: the Dockerfile's BASE_IMAGE default)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${1:-$(sed -n 's/^ARG BASE_IMAGE=//p' docker/Dockerfile | head -1)}"
[ -n "$BASE" ] || { echo "error: no 'ARG BASE_IMAGE=' in docker/Dockerfile" >&2; exit 1; }

if docker image inspect "$BASE" >/dev/null 2>&1; then
  echo "standin-base: $BASE is present; nothing to do"
  exit 0
fi
if timeout 60 docker pull "$BASE" >/dev/null 2>&1; then
  echo "standin-base: pulled the real $BASE"
  exit 0
fi
echo "standin-base: $BASE cannot be pulled; building a local stand-in (tests only, never push it)"

for tool in debootstrap uv; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed (apt-get install -y debootstrap; pip install uv)" >&2; exit 1; }
done
PY310="$(bash .ci/find_python310)"
PREFIX="$(cd "$(dirname "$PY310")/.." && pwd -P)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfx-balance-standin.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"

MIRROR="$(bash tools/debian_mirror.sh)"
# The shared libraries the Python build's extension modules link against (Debian bookworm names).
LIBS=ca-certificates,libssl3,libffi8,libsqlite3-0,libuuid1,libgdbm6,libbz2-1.0,libexpat1,liblzma5
LIBS=$LIBS,libncursesw6,libreadline8,zlib1g,libtirpc3,libgomp1
start=$(date +%s)
debootstrap --variant=minbase --include="$LIBS" bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
echo "standin-base: debootstrap $(( $(date +%s) - start ))s"

# Python 3.10 at /usr/local (where the python:3.10 images keep it), without this machine's
# site-packages; its build-time prefix is rewritten in the text files that record it.
mkdir -p "$ROOTFS/usr/local"
tar -C "$PREFIX" --exclude='./lib/python3.10/site-packages' --exclude='__pycache__' -c . \
  | tar -C "$ROOTFS/usr/local" -x
mkdir -p "$ROOTFS/usr/local/lib/python3.10/site-packages"
grep -rlI --null "$PREFIX" "$ROOTFS/usr/local/bin" "$ROOTFS/usr/local/lib/python3.10" \
  "$ROOTFS/usr/local/lib/pkgconfig" 2>/dev/null | xargs -0 -r sed -i "s#$PREFIX#/usr/local#g"
ln -sf python3.10 "$ROOTFS/usr/local/bin/python"
ln -sf python3.10 "$ROOTFS/usr/local/bin/python3"
chroot "$ROOTFS" /sbin/ldconfig

# The locked dependencies (pip among them), from uv's cache: no compiler and no package index
# needed in the image.
start=$(date +%s)
uv pip install --quiet --python "$PY310" --prefix "$ROOTFS/usr/local" --no-deps --link-mode hardlink \
  -r docker/requirements.txt
echo "standin-base: locked dependencies $(( $(date +%s) - start ))s"
rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb "$ROOTFS/var/lib/apt/lists/"*

# Bytecode, as pip leaves it in the real base (uv and the copy above leave none): the image runs
# as user 10001 with PYTHONDONTWRITEBYTECODE=1, so a module without it is compiled from source at
# each import, in each step (a step's imports: 95 s instead of 15 s here). Compiled: the standard
# library less its tests, pip (TFX runs it to install module wheels), and every module that
# importing the names below loads: the steps' entrypoints and TFX executors, Beam's runners and
# workers, kfp, and the few modules the kfp-local steps import only while running (found with
# docker diff). About 9,800 of the 22,500 files, about 95 s of CPU instead of 138 s for all of
# /usr/local/lib/python3.10, whose other files no step imports (tests, examples, unused APIs).
# Imported as root with bytecode writing on, in the root, so the files name their /usr/local
# paths; TF_USE_LEGACY_KERAS=1 as in docker/Dockerfile, so that TensorFlow loads tf_keras as in a
# step.
BYTECODE_IMPORTS=(
  tensorflow tf_keras keras tfx.v1
  tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor
  tfx.orchestration.kubeflow.v2.file_based_example_gen.driver
  tfx.components.example_gen.csv_example_gen.executor
  tfx.components.example_gen.import_example_gen.executor
  tfx.components.statistics_gen.executor tfx.components.schema_gen.import_schema_gen.executor
  tfx.components.example_validator.executor tfx.components.transform.executor
  tfx.components.trainer.executor tfx.components.evaluator.executor tfx.components.pusher.executor
  apache_beam apache_beam.runners.direct.direct_runner
  apache_beam.runners.portability.portable_runner apache_beam.runners.worker.worker_pool_main
  apache_beam.runners.worker.sdk_worker_main apache_beam.testing.test_stream
  apache_beam.typehints.opcodes pyarrow.pandas_compat tf_keras.src.engine.base_layer_v1
  tensorflow.python.data.ops.flat_map_op tensorflow.python.data.ops.interleave_op
  tensorflow.python.data.ops.rebatch_op
  tensorflow_transform tensorflow_transform.beam tensorflow_model_analysis
  tensorflow_data_validation tfx_bsl.public.tfxio ml_metadata.metadata_store
  kfp kfp.dsl.executor_main
)
start=$(date +%s)
in_root() {
  chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2 "$@"
}
in_root /usr/local/bin/python3.10 -m compileall -q -j 0 \
  -x '/site-packages/(?!pip/)|/(tests?|idle_test)/' /usr/local/lib/python3.10 >"$WORK/compileall.log" 2>&1 \
  || { tail -20 "$WORK/compileall.log" >&2; exit 1; }
in_root /usr/local/bin/python3.10 -c \
  'import importlib, sys; [importlib.import_module(name) for name in sys.argv[1:]]' \
  "${BYTECODE_IMPORTS[@]}" >"$WORK/imports.log" 2>&1 || { tail -20 "$WORK/imports.log" >&2; exit 1; }
echo "standin-base: bytecode $(( $(date +%s) - start ))s"

start=$(date +%s)
tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python"]' \
  --message 'tfx-balance local stand-in for tests: never push' - "$BASE" >/dev/null
echo "standin-base: imported $BASE in $(( $(date +%s) - start ))s ($(docker image inspect -f '{{.Size}}' "$BASE" | awk '{printf "%.1f GB", $1/1e9}'))"
