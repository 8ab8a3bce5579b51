#!/usr/bin/env bash
# The compatibility suite on the newest TFX (make test-compat; part of make test).
#
# 1. An environment with a fresh `pip install tfx==$COMPAT_TFX_VERSION` (default 1.21.0) plus the
#    test tools (pytest, pytest-xdist, scikit-learn for the digits data):
#    - where this machine's glibc is >= 2.39 (what TFX 1.21's ml-metadata and TFDV wheels need), a
#      local venv under .compat/ made with a Python 3.10-3.13 found here;
#    - otherwise a Debian 13 (trixie, glibc 2.41, Python 3.13) root built with debootstrap from this
#      machine's Debian mirror (needs root; debootstrap is apt-get installed when missing), entered
#      with chroot. /proc and /dev are bind-mounted while it is used and always unmounted (trap).
#    Both are cached under .compat/ (git-ignored): the first run takes ~3.5 min, later ones reuse it.
#    pip installs without compiling to bytecode (--no-compile: compiling its 20,000 files took 86 s
#    of CPU, more than half of the install's): the tests compile what they import, once, into the
#    cached environment (tools/compat_inside.sh).
# 2. The tfx-balance wheel (uv build) is pip-installed WITH its dependencies; the run fails if that
#    changed tfx, tensorflow, apache-beam or protobuf (tools/compat_inside.sh).
# 3. pytest runs the tests listed in tests/compat_suite.txt against the installed wheel, in
#    $TEST_WORKERS processes (default 2; pytest-xdist, --dist loadgroup as in make test).
#
# Usage:
#   compat_suite.sh                 1 to 3 (make test-compat).
#   compat_suite.sh --prepare       1 and 2 only: the environment is left ready for --tests.
#   compat_suite.sh --tests         3 only, on what --prepare left ready.
#   compat_suite.sh --after <cmd>   (make test) runs <cmd>, the TFX 1.16 suite, while --prepare runs
#       in the background (its output in .compat/prepare.log, printed when it ends); then 3. When
#       <cmd> fails, the preparation is stopped and <cmd>'s exit status is returned.
#
# Where the environment cannot be made (not root, no debootstrap, no Python 3.10-3.13), it says so
# and skips; with CI=true it fails instead. COMPAT_CACHE=<dir> moves the cache; `rm -rf .compat`
# (with nothing mounted in it) rebuilds from scratch. COMPAT_PYTEST_ARGS adds pytest arguments
# (e.g. --durations=20).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd -P)"
TFX_VERSION="${COMPAT_TFX_VERSION:-1.21.0}"
CACHE="$(realpath -m "${COMPAT_CACHE:-$REPO/.compat}")"  # as /proc/self/mountinfo spells it
# Written by --prepare when the environment is ready for --tests: the environment it prepared.
READY="$CACHE/prepared"
# What the listed tests import besides TFX and tfx-balance (the dev group's test libraries).
# pytest <9.2: pytest 9.2 breaks pytest-xdist's --dist loadgroup (pyproject.toml's dev group says
# how; tests/test_workers.py guards it).
TEST_TOOLS="pytest<9.2 pytest-xdist scikit-learn imbalanced-learn iterative-stratification"
WORKERS="${TEST_WORKERS:-2}"

say() { echo "compat: $*"; }
unavailable() {
  echo "compat: CANNOT RUN the TFX $TFX_VERSION compatibility suite: $*" >&2
  if [ "${CI:-}" = true ]; then
    echo "compat: CI=true, so this is a failure (make test-compat must run in CI)" >&2
    exit 1
  fi
  echo "compat: SKIPPED. Only the TFX 1.16 suite ran; fix the above and run make test-compat." >&2
  exit 0
}
seconds() { echo $(( $(date +%s) - $1 ))s; }

# glibc of this machine: TFX 1.21 wheels are manylinux_2_39.
GLIBC="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
glibc_at_least() { printf '%s\n%s\n' "$1" "$GLIBC" | sort -V -C; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfx-balance-compat.XXXXXX")"
ROOTFS=
PREPARING=  # --after: the pid (and process group) of the background --prepare
stop_preparing() {
  kill -TERM -- "-$PREPARING" 2>/dev/null || true
  wait "$PREPARING" 2>/dev/null || true
  PREPARING=
}
# What is mounted in the Debian 13 root, innermost first: enter's /proc and /dev, and what a
# debootstrap left (it can leave its own /proc mounted, which enter would then reuse).
root_mounts() { awk -v root="$ROOTFS/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r; }
unmount_root() {
  local m
  [ -n "$ROOTFS" ] || return 0
  for m in $(root_mounts); do
    umount "$m" || umount -l "$m" || echo "compat: could not unmount $m" >&2
  done
}
cleanup() {
  [ -z "$PREPARING" ] || stop_preparing
  unmount_root
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The sources the tests need (the tests, the samples, schemas, pytest's settings, the benchmarks'
# example reports that the picture tests draw), never the package itself: the tests import
# tfx_balance from the installed wheel.
copy_sources() {  # copy_sources <dest>
  rm -rf "$1" && mkdir -p "$1"
  tar -C "$REPO" --exclude='__pycache__' --exclude='benchmarks/_work' --exclude='benchmarks/*.json' \
    --exclude='benchmarks/*.png' -c tests pipelines schemas docs benchmarks README.md pyproject.toml |
    tar -C "$1" -x
}

# Which environment, and where its parts are: the venv (ENV_VENV) and the staged wheel, sources and
# compat_inside.sh (STAGE; STAGE_IN is the same folder as seen from inside the environment).
# COMPAT_ENV=venv|root overrides the choice; COMPAT_PYTHON picks the venv's interpreter, and
# COMPAT_WITH adds requirements to the fresh TFX install (e.g. COMPAT_TFX_VERSION=1.16.0
# COMPAT_PYTHON=<a Python 3.10> COMPAT_WITH='apache-beam[gcp]==2.59.0' COMPAT_ENV=venv).
choose_env() {
  if glibc_at_least 2.39; then MODE="${COMPAT_ENV:-venv}"; else MODE="${COMPAT_ENV:-root}"; fi
  COMPAT_WITH="${COMPAT_WITH:-}"
  # The venv is made again when what it should hold changes.
  SPEC="tfx==$TFX_VERSION $COMPAT_WITH $TEST_TOOLS"
  if [ "$MODE" = venv ]; then
    PY="${COMPAT_PYTHON:-}"
    if [ -z "$PY" ]; then
      for c in python3.13 python3.12 python3.11 python3.10 python3; do
        p="$(command -v "$c" 2>/dev/null)" || continue
        "$p" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' && { PY="$p"; break; }
      done
    fi
    [ -n "$PY" ] || unavailable "no Python 3.10-3.13 was found for the venv (set COMPAT_PYTHON)"
    PYVER="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    ENV_VENV="$CACHE/venv-tfx$TFX_VERSION-py$PYVER${COMPAT_WITH:+-$(echo "$COMPAT_WITH" | md5sum | cut -c1-8)}"
    STAGE="$CACHE/stage" STAGE_IN="$CACHE/stage"
  else
    [ "$(id -u)" = 0 ] || unavailable "building and entering the Debian 13 root needs root (chroot, mount)"
    ROOTFS="$CACHE/trixie"
    ENV_VENV=/venv STAGE="$ROOTFS/compat" STAGE_IN=/compat
  fi
}

enter() {  # enter <command...>: runs a command in the root with /proc and /dev mounted
  local m
  for m in proc dev; do
    mountpoint -q "$ROOTFS/$m" || mount --bind "/$m" "$ROOTFS/$m"
  done
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" CI="${CI:-}" \
    ${TF_USE_LEGACY_KERAS+TF_USE_LEGACY_KERAS="$TF_USE_LEGACY_KERAS"} \
    PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::FutureWarning,ignore::DeprecationWarning}" \
    chroot "$ROOTFS" "$@"
}

inside() {  # inside <compat_inside.sh arguments...>: the staged compat_inside.sh, in the environment
  if [ "$MODE" = venv ]; then bash "$STAGE/compat_inside.sh" "$@"; else enter /bin/bash "$STAGE_IN/compat_inside.sh" "$@"; fi
}

# -------- a local venv: this machine can install this TFX itself --------
make_venv() {
  [ "$(cat "$ENV_VENV/spec.txt" 2>/dev/null)" != "$SPEC" ] || return 0
  local start
  start=$(date +%s)
  rm -rf "$ENV_VENV" && mkdir -p "$CACHE"
  if command -v uv >/dev/null 2>&1; then  # uv resolves the TFX stack in seconds, pip in minutes
    uv venv --quiet --seed --python "$PY" "$ENV_VENV"
    uv pip install --quiet --python "$ENV_VENV/bin/python" "tfx==$TFX_VERSION" $COMPAT_WITH $TEST_TOOLS
  else
    "$PY" -m venv "$ENV_VENV"
    "$ENV_VENV/bin/python" -m pip install --quiet --no-compile "tfx==$TFX_VERSION" $COMPAT_WITH $TEST_TOOLS
  fi || unavailable "installing tfx==$TFX_VERSION $COMPAT_WITH into a Python $PYVER venv failed"
  "$ENV_VENV/bin/python" -m pip freeze --all >"$ENV_VENV/base-freeze.txt"
  echo "$SPEC" >"$ENV_VENV/spec.txt"
  say "made $ENV_VENV (TFX $TFX_VERSION, Python $PYVER) in $(seconds "$start")"
}

# -------- a Debian 13 root: glibc here is older than 2.39 --------
make_root() {
  local stamp="$ROOTFS/.tfx-balance-debootstrap-done" start m mirror
  say "glibc $GLIBC < 2.39 here: TFX $TFX_VERSION runs in a Debian 13 (trixie) root"
  if ! command -v debootstrap >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      say "installing debootstrap (apt-get)"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null) \
        || unavailable "apt-get install debootstrap failed"
    else
      unavailable "debootstrap is missing and there is no apt-get to install it"
    fi
  fi
  if [ ! -f "$stamp" ]; then
    unmount_root
    [ -z "$(root_mounts)" ] || unavailable "$(root_mounts | head -1) is still mounted (umount it first)"
    rm -rf "$ROOTFS" && mkdir -p "$CACHE"
    mirror="$(bash tools/debian_mirror.sh)"
    start=$(date +%s)
    say "debootstrap trixie from $mirror into $ROOTFS"
    debootstrap --variant=minbase \
      --include=python3,python3-venv,python3-pip,python3-dev,g++,ca-certificates \
      trixie "$ROOTFS" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log" >&2; unmount_root; rm -rf "$ROOTFS"; unavailable "debootstrap trixie failed"; }
    unmount_root
    rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb
    say "debootstrap: $(seconds "$start")"
    # Name resolution and this machine's CA bundle (pip reaches the index only with it).
    cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
    touch "$stamp"
  fi
  [ "$(cat "$ROOTFS/venv/spec.txt" 2>/dev/null)" != "$SPEC" ] || return 0
  start=$(date +%s)
  # The requirements are arguments, never shell text ('pytest<9.2').
  enter /bin/bash -c 'rm -rf /venv && python3 -m venv /venv && /venv/bin/python -m pip install \
    --quiet --no-compile "$@" && /venv/bin/python -m pip freeze --all >/venv/base-freeze.txt' pip-install $SPEC \
    || unavailable "pip install $SPEC failed in the Debian 13 root"
  echo "$SPEC" >"$ROOTFS/venv/spec.txt"
  say "pip install $SPEC: $(seconds "$start")"
}

prepare() {  # 1 and 2: the environment, and the wheel installed into it
  local start wheel
  rm -f "$READY"
  start=$(date +%s)
  uv build --quiet --wheel --out-dir "$WORK/dist" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; echo "compat: uv build failed" >&2; exit 1; }
  wheel="$(ls "$WORK"/dist/*.whl)"
  say "built $(basename "$wheel") in $(seconds "$start")"
  if [ "$MODE" = venv ]; then make_venv; else make_root; fi
  copy_sources "$STAGE/src"
  mkdir -p "$STAGE/dist" && rm -f "$STAGE"/dist/*.whl
  cp "$wheel" "$STAGE/dist/"
  cp tools/compat_inside.sh "$STAGE/"
  inside install "$ENV_VENV" "$STAGE_IN/dist/$(basename "$wheel")"
  echo "$MODE $ENV_VENV" >"$READY"
}

run_tests() {  # 3, on the prepared environment
  [ "$(cat "$READY" 2>/dev/null)" = "$MODE $ENV_VENV" ] \
    || { echo "compat: nothing is prepared for $MODE $ENV_VENV: run $0 --prepare first" >&2; exit 1; }
  inside test "$ENV_VENV" "$STAGE_IN/src" "$WORKERS" ${COMPAT_PYTEST_ARGS:-}
}

after() {  # after <command...>: make test (see the usage above)
  local log="$CACHE/prepare.log" status=0 start
  mkdir -p "$CACHE"
  set -m  # the preparation in its own process group, to stop it whole
  bash tools/compat_suite.sh --prepare </dev/null >"$log" 2>&1 &
  PREPARING=$!
  set +m
  say "preparing TFX $TFX_VERSION in the background (log: $log)"
  "$@" || status=$?
  if [ "$status" != 0 ]; then
    stop_preparing
    say "stopped preparing: the TFX 1.16 suite failed (exit $status), compatibility suite not run"
    exit "$status"
  fi
  start=$(date +%s)
  wait "$PREPARING" || status=$?
  PREPARING=
  if [ "$status" != 0 ]; then
    tail -n 40 "$log" >&2
    echo "compat: preparing the environment failed (exit $status; whole log: $log)" >&2
    exit "$status"
  fi
  cat "$log"
  say "waited $(seconds "$start") for the preparation after the TFX 1.16 suite"
  [ -f "$READY" ] || exit 0  # skipped: the log says why
  choose_env
  run_tests
}

# (Each step on its own line: set -e does not apply inside a function called in an && list.)
case "${1:-}" in
  '')
    choose_env
    prepare
    run_tests
    ;;
  --prepare)
    choose_env
    prepare
    ;;
  --tests)
    choose_env
    run_tests
    ;;
  --after)
    [ $# -gt 1 ] || { echo "usage: $0 --after <command...>" >&2; exit 2; }
    shift
    after "$@"
    ;;
  *)
    echo "usage: $0 [--prepare | --tests | --after <command...>]" >&2
    exit 2
    ;;
esac
